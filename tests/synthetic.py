"""Builders of SYNTHETIC pages for sites with no whole page recorded.

Each page they return says in its first line that it is synthetic and
follows the structure documented in ../shared/DOMAIN.md (Moniteur belge 2024
layout; RSS 2.0 as WordPress writes it; a Drupal-style listing like
Brulocalis's "Date de publication : 8 décembre 2025 Analyses").
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
