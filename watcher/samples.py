"""SYNTHETIC sample pages: for `watcher demo`, and for the tests of sites with
no whole page recorded.

Each page says in its first line that it is synthetic and follows the
structure the recordings show, as documented in ../shared/DOMAIN.md: a
2024-layout Justel page, the Moniteur belge 2024 summary and publication,
the Chamber's recent-documents list and dossier page, RSS 2.0 as WordPress
writes it, a Drupal-style listing like Brulocalis's.  They ship with the
package so that the demo runs offline; they are never mistaken for real
pages (their URLs are 127.0.0.1's).
"""

from __future__ import annotations

from html import escape

MB_LEGISLATIVE = "Lois, décrets, ordonnances et règlements"
MB_OTHER = "Autres arrêtés"


def moniteur_summary(day: str, sections: dict[str, list[tuple[str, str, str]]]) -> bytes:
    """A 2024-layout daily summary: {section h2: [(numac, authority, title)]}."""
    blocks = []
    for n, (heading, items) in enumerate(sections.items(), 1):
        rows = []
        for numac, authority, title in items:
            href = (
                f"article.pl?language=fr&amp;sum_date={day}&amp;lg_txt=f&amp;caller=sum&amp;s_editie=1"
                f"&amp;{numac}=1&amp;numac_search={numac}&amp;view_numac="
            )
            rows.append(
                '<div class="list-item"><div class="list-item--content">\n'
                f'<p class="list-item--subtitle">{escape(authority)}</p>\n'
                f'<a href="{href}" class="list-item--title">{escape(title)}, p. 26193.</a>\n'
                "</div></div>"
            )
        blocks.append(
            f'<div id="list-title-{n}" class="box"><h2 class="list-title">{escape(heading)}</h2>\n'
            + "\n".join(rows)
            + "\n</div>"
        )
    page = (
        "<!-- SYNTHETIC Moniteur belge daily summary (2024 layout) following ../shared/DOMAIN.md; no whole page is recorded -->\n"
        '<!doctype html>\n<html lang="fr"><head><meta charset="iso-8859-1" /><title>Moniteur belge</title>'
        '<link rel="stylesheet" href="/css_2024/index.css"></head>\n<body><div class="page"><main class="page__inner">\n'
        f'<div class="list-content"><div class="list">\n{"".join(blocks)}\n</div></div>\n</main></div></body></html>\n'
    )
    return page.encode("cp1252")


def moniteur_publication(numac: str, title: str, body_lines: list[str]) -> bytes:
    """A publication page: span.tag numac, h1.page__title, body in main .article-text."""
    body = "<br>\n".join(escape(line) for line in body_lines)
    page = (
        "<!-- SYNTHETIC Moniteur belge publication page (2024 layout) following ../shared/DOMAIN.md -->\n"
        '<!doctype html>\n<html lang="fr"><head><meta charset="iso-8859-1" /><title>Moniteur belge</title></head>\n'
        '<body><div class="page"><div class="page__section page__section--top">'
        f'<span class="tag">{numac}</span><h1 class="page__title">{escape(title)}</h1></div>\n'
        f'<main class="page__inner page__inner--content article-text"><p>{body}</p>\n'
        f'<a id="link-text" href="https://www.ejustice.just.fgov.be/eli/loi/2026/11/20/{numac}/moniteur">ELI</a>'
        "</main></div></body></html>\n"
    )
    return page.encode("cp1252")


def rss(items: list[tuple[str, str, str, str]], title: str = "RWLP") -> bytes:
    """A WordPress RSS 2.0 feed: [(guid, title, link, html content)]."""
    entries = []
    for guid, item_title, link, content in items:
        entries.append(
            "<item>\n"
            f"<title>{escape(item_title)}</title>\n<link>{escape(link)}</link>\n"
            "<pubDate>Mon, 23 Nov 2026 09:00:00 +0000</pubDate>\n"
            f'<guid isPermaLink="false">{escape(guid)}</guid>\n'
            f"<description><![CDATA[{content[:120]}]]></description>\n"
            f"<content:encoded><![CDATA[{content}]]></content:encoded>\n"
            "</item>"
        )
    feed = (
        '<?xml version="1.0" encoding="UTF-8"?><!-- SYNTHETIC WordPress RSS 2.0 feed following ../shared/DOMAIN.md -->\n'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">\n<channel>\n'
        f"<title>{escape(title)}</title>\n<link>https://rwlp.be</link>\n<description>Réseau wallon</description>\n"
        + "\n".join(entries)
        + "\n</channel>\n</rss>\n"
    )
    return feed.encode("utf-8")


def listing(items: list[tuple[str, str, str, str]]) -> bytes:
    """A publications listing: [(href, title, teaser, 'Date de publication : …')]."""
    rows = []
    for href, title, teaser, date in items:
        rows.append(
            '<div class="views-row"><article class="publication">\n'
            f'<h3 class="publication-title"><a href="{escape(href)}">{escape(title)}</a></h3>\n'
            f'<div class="publication-teaser">{escape(teaser)}</div>\n'
            f'<div class="publication-date">{escape(date)}</div>\n'
            "</article></div>"
        )
    page = (
        "<!-- SYNTHETIC publications listing following the Brulocalis listing structure in ../shared/DOMAIN.md -->\n"
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Publications</title></head><body>\n'
        '<h1>Publications</h1><div class="view-content">\n' + "\n".join(rows) + "\n</div></body></html>\n"
    )
    return page.encode("utf-8")


def pdf(lines: list[str]) -> bytes:
    """A SYNTHETIC one-page PDF (Helvetica, one text line each) that pypdf can read:
    the shape of a Chamber document, built here, never downloaded."""
    text = "BT /F1 10 Tf 50 800 Td 12 TL " + " ".join(
        "(" + line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ") '" for line in lines
    ) + " ET"
    content = text.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def justel_page(numac: str, title: str, articles: list[tuple[str, str, list[str]]], updated: str) -> bytes:
    """A 2024-layout Justel page: [(number, text, notes)], notes as Justel prints them."""
    arts = []
    for number, text, notes in articles:
        note_html = ""
        if notes:
            note_html = "<BR>&nbsp;&nbsp;----------<BR>" + "<BR>".join(
                f"&nbsp;&nbsp;({n})&lt;{escape(note)}&gt;" for n, note in enumerate(notes, 1)
            )
        arts.append(f"&nbsp;&nbsp;<A NAME='Art.{number}'>Art.</A> {number}. {escape(text)}{note_html}<BR><BR>")
    page = (
        "<!-- SYNTHETIC Justel page (2024 layout) following ../shared/fixtures/ejustice and DOMAIN.md -->\n"
        '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Justel</title></head><body><main>\n'
        '<div id="list-title-1" class="box"><p class="list-item--title">' + escape(title) + "</p>\n"
        f'<p><strong>Num&eacute;ro:</strong> <span class="tag">{numac}</span></p>\n'
        f"<p>(NOTE : mise à jour au {updated})</p>\n"
        "<p><strong>Dossier num&eacute;ro:</strong> 1867-06-08/01</p>\n"
        "<p><strong>Entr&eacute;e en vigueur :</strong> 15-10-1867</p></div>\n"
        '<div id="list-title-3" class="box"><h2 class="list-title">Texte</h2>\n' + "\n".join(arts) + "\n</div>\n"
        '<div class="links"><a href="https://www.ejustice.just.fgov.be/eli/loi/1867/06/08/1867060850/justel">ELI</a></div>\n'
        "</main></body></html>\n"
    )
    return page.encode("utf-8")


def chamber_list(rows: list[tuple[str, str, str, str]]) -> bytes:
    """The recent-documents list: [(dossier "55K3999", title, "17/08/2023", document type)]."""
    trs = []
    for dossier, title, day, doc_type in rows:
        leg, num = dossier[:2], dossier[3:]
        trs.append(
            '<tr valign="top"><td><a href="/kvvcr/showpage.cfm?section=/flwb&amp;language=fr&amp;cfm=/site/wwwcfm/flwb/'
            f'flwbn.cfm?lang=F&amp;legislat={leg}&amp;dossierID={int(num)}">{dossier[3:]}</a></td>'
            f'<td><div class="linklist_1">{escape(title)}<br> <a href="/site/wwwcfm/flwb/flwbcheckpdf.cfm?docn={dossier}001">001</a>'
            f"  Date  : {day} {escape(doc_type)}</div></td></tr>"
        )
    page = (
        "<!-- SYNTHETIC Chamber recent-documents list following ../shared/fixtures/chamber -->\n"
        '<html><head><meta charset="utf-8"><title>Documents récents</title></head><body><table>\n'
        + "\n".join(trs) + "\n</table></body></html>\n"
    )
    return page.encode("utf-8")


def chamber_dossier(dossier: str, title: str, status: str, filed: str, subdocs: list[tuple[str, str, str]]) -> bytes:
    """A dossier page: [(number "002", "20/12/2024", "AMENDEMENT")] as td0xs rows."""
    leg, num = dossier[:2], dossier[3:]
    sub = "".join(
        f'<tr><td class="td0xs"><a href="/FLWB/PDF/{leg}/{num}/{dossier}{n}.pdf">{n}</a></td>'
        f'<td class="td0xs">{day} {escape(kind)}</td></tr>'
        for n, day, kind in subdocs
    )
    page = (
        "<!-- SYNTHETIC Chamber dossier page following ../shared/fixtures/chamber -->\n"
        '<html><head><meta charset="utf-8"><title>Dossier</title></head><body>\n'
        f"<h3><center>Document parlementaire {dossier}</center></h3><h4>{escape(title)}</h4><table>\n"
        f'<tr><td class="td1x">Date de dépôt</td><td class="td0x">{filed}</td></tr>\n'
        f'<tr><td class="td1x"></td><td class="td0x">{escape(status)}</td></tr>\n'
        f'<tr><td class="td1x">Descripteurs Eurovoc</td><td class="td0x">CENTRE PUBLIC D\'ACTION SOCIALE | SECRET PROFESSIONNEL</td></tr>\n'
        f"{sub}</table></body></html>\n"
    )
    return page.encode("utf-8")
