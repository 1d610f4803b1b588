"""The Chamber of Representatives: recent documents and dossier pages.

Recorded structure (../shared/fixtures/chamber):

* the "recent documents" list (``rapweekweekly.cfm?week=1|2|4``): rows
  ``<tr valign="top">`` with the dossier link (``flwbn.cfm?lang=F&legislat=55&dossierID=2657``),
  the title, the sub-document link (``flwbcheckpdf.cfm?docn=55K2657003``) and
  "Date : 17/08/2023 AVIS DU CONSEIL D'ETAT";
* a dossier page (``flwbn.cfm``): ``<h3><center>Document parlementaire 55K3464``
  / ``Parlementair Document 56K0272``, the title in ``<h4>``, label/value rows
  ``td.td1x`` / ``td.td0x``, the overall status in an *unlabelled* ``td0x``
  row (ADOPTE CHAMBRE, HANGEND KAMER, VERWORPEN KAMER …), and sub-documents
  as ``td.td0xs`` pairs (number link, then "20/12/2024 AMENDEMENT").

A dossier from the list that touches a topic is tracked: its page is read
on every pass from then on, even after it left the list, and a change of
status or a new sub-document is a ``status`` alert.  A ``chamber`` source
whose URL is a dossier page tracks that dossier alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urljoin, urlsplit

from ..errors import FetchError, ParseError
from ..text import collapse
from . import Context, Doc, Kind, Parsed

if TYPE_CHECKING:
    from ..config import Source
    from ..store import Document
from ._pdf import pdf_text
from ._soup import soup as make_soup

_DOSSIER_LINK = re.compile(r"flwbn\.cfm\?[^\"'>]*?legislat=(\d+)[^\"'>]*?dossierID=(\d+)", re.IGNORECASE)
_DOSSIER_ID = re.compile(r"\b(\d{2})K(\d{4})\b")
_DATE = re.compile(r"(\d{2})/(\d{2})/(\d{4})")
_SUBDOC = re.compile(r"docn=(\d{2}K\d{4}\d{3})", re.IGNORECASE)
_FILED = ("Date de dépôt", "Indieningsdatum")
_STATUS = re.compile(r"^[A-ZÉÈÀ' ]{4,}$")


@dataclass(frozen=True)
class Listed:
    """One row of the recent-documents list."""

    dossier: str  # "55K2657"
    legislature: str
    number: str  # "2657"
    title: str
    url: str  # the dossier page
    subdoc: str  # "55K2657003"
    date: str | None  # ISO
    doc_type: str  # "AVIS DU CONSEIL D'ETAT"


@dataclass(frozen=True)
class Dossier:
    dossier: str
    title: str
    status: str | None
    fields: dict[str, str]
    subdocs: tuple[str, ...]  # "002 2024-12-20 AMENDEMENT"
    pdfs: tuple[tuple[str, str], ...] = ()  # ("001", absolute URL of /FLWB/PDF/55/3464/55K3464001.pdf)

    @property
    def subjects(self) -> str:
        """The subject fields a topic can match: Eurovoc descriptors, free keywords."""
        return "\n".join(v for k, v in self.fields.items() if _SUBJECT.search(k))


def _iso(text: str) -> str | None:
    m = _DATE.search(text)
    return f"{m.group(3)}-{m.group(2)}-{m.group(1)}" if m else None


def parse_recent(data: bytes, url: str) -> list[Listed]:
    """Rows of the recent-documents list; a page without them is a ParseError."""
    soup = make_soup(data)
    rows: list[Listed] = []
    for tr in soup.find_all("tr"):
        link = tr.find("a", href=_DOSSIER_LINK)
        if link is None:
            continue
        m = _DOSSIER_LINK.search(str(link["href"]))
        assert m is not None
        legislature, number = m.group(1), m.group(2)
        cells = tr.find_all("td")
        body = cells[-1] if len(cells) > 1 else tr
        strings = list(body.stripped_strings)
        # "Title.<br> <A …>003</A>  Date  : 17/08/2023 AVIS DU CONSEIL D'ETAT<br>"
        # and, when one day brought several, more "<A …>004</A> Date …" on the
        # same row: one Listed per sub-document.
        title = collapse(strings[0]) if strings else ""
        for sub in body.find_all("a", href=_SUBDOC) or [None]:
            sub_m = _SUBDOC.search(str(sub["href"])) if sub is not None else None
            tail = collapse(str(sub.next_sibling)) if sub is not None and isinstance(sub.next_sibling, str) else ""
            doc_type = collapse(_DATE.sub("", re.sub(r"^(?:Date|Datum)\s*:?", "", tail)))
            rows.append(
                Listed(
                    dossier=f"{legislature}K{int(number):04d}",
                    legislature=legislature,
                    number=number,
                    title=title,
                    url=urljoin(url, str(link["href"])),
                    subdoc=sub_m.group(1) if sub_m else "",
                    date=_iso(tail),
                    doc_type=doc_type,
                )
            )
    if not rows:
        raise ParseError("no dossier rows (flwbn.cfm links) on the recent-documents page")
    return rows


def parse_dossier(data: bytes, url: str = "https://www.lachambre.be/") -> Dossier:
    """A dossier page: id, title, overall status, labelled fields, sub-documents
    and the links to their PDFs (made absolute against ``url``, the page's)."""
    soup = make_soup(data)
    h3 = soup.find("h3")
    m = _DOSSIER_ID.search(collapse(h3.get_text(" "))) if h3 else None
    if not m:
        raise ParseError("not a Chamber dossier page: no 'Document parlementaire NNKNNNN' heading")
    h4 = h3.find_next("h4") if h3 else None
    title = collapse(h4.get_text(" ")) if h4 else ""
    status = None
    fields: dict[str, str] = {}
    for tr in soup.find_all("tr"):
        tds = tr.find_all("td", recursive=False)
        if len(tds) != 2:
            continue
        label_cls: list[str] = list(tds[0].get("class") or [])
        value_cls: list[str] = list(tds[1].get("class") or [])
        if "td0x" not in value_cls:
            continue
        label = collapse(tds[0].get_text(" "))
        value = collapse(tds[1].get_text(" "))
        if not label and "td1x" in label_cls and _STATUS.match(value) and status is None:
            status = value  # the unlabelled row is the dossier's overall status
        elif label and label not in fields and len(value) < 300:
            fields[label] = value
    subdocs: list[str] = []
    for td in soup.select("td.td0xs"):
        a = td.find("a", string=re.compile(r"^\s*\d{3}\s*$"))
        if a is None:
            continue
        nxt = td.find_next_sibling("td")
        desc = collapse(nxt.get_text(" ")) if nxt else ""
        day = _iso(desc)
        kind = collapse(_DATE.sub("", desc))
        entry = " ".join(x for x in (collapse(a.get_text()), day or "", kind) if x)
        if entry not in subdocs:
            subdocs.append(entry)
    pdfs: dict[str, str] = {}
    for a in soup.find_all("a", href=_PDF):
        pm = _PDF.search(str(a["href"]))
        if pm and pm.group(1) not in pdfs:
            pdfs[pm.group(1)] = urljoin(url, str(a["href"]))
    return Dossier(f"{m.group(1)}K{m.group(2)}", title, status, fields, tuple(subdocs), tuple(sorted(pdfs.items())))


def dossier_url(base: str, legislature: str, number: str, language: str) -> str:
    """The dossier page on the same host, in the list's language."""
    lang = "N" if language == "nl" else "F"
    return urljoin(
        base,
        f"/kvvcr/showpage.cfm?section=/flwb&language={language}&cfm=/site/wwwcfm/flwb/flwbn.cfm"
        f"?lang={lang}&legislat={legislature}&dossierID={int(number)}",
    )


def _language(url: str) -> str:
    q = parse_qs(urlsplit(url).query)
    lang = (q.get("language") or q.get("lang") or ["fr"])[0].lower()
    return "nl" if lang.startswith("n") else "fr"


def _doc(d: Dossier, url: str, sha: str | None, *, track: bool = False, extra: str = "") -> Doc:
    return Doc(
        extra="\n".join(x for x in (d.subjects, extra) if x),
        key=d.dossier,
        ref=d.dossier,
        number=d.dossier,
        title=f"{d.dossier} {d.title}",
        url=url,
        text=d.title,
        status=d.status,
        events=d.subdocs,
        published=next((_iso(v) for k, v in d.fields.items() if k in _FILED), None),
        track=track,
        sha256=sha,
    )


MAX_NEW_DOCUMENTS = 3  # sub-documents of one dossier read in one pass (amendments come in batches)


def _documents_text(ctx: Context, d: Dossier, numbers: list[str], warnings: list[str]) -> str:
    """The text of some of a dossier's documents (the bill itself is 001), for the topics."""
    texts: list[str] = []
    links = dict(d.pdfs)
    for n in numbers:
        url = links.get(n)
        if url is None:
            continue
        try:
            fetched = ctx.fetch(url)
            assert fetched is not None
            texts.append(pdf_text(fetched.content))
        except (FetchError, ParseError) as e:
            warnings.append(f"dossier {d.dossier}, document {n}: {e}")
    return "\n".join(texts)


def preview(data: bytes, url: str, source: Source) -> Parsed:
    """A dossier page as one item, or the recent-documents list as its rows."""
    if "flwbn.cfm" in url or re.search(rb"Document parlementaire|Parlementair Document", data, re.IGNORECASE):
        d = parse_dossier(data, url)
        return Parsed(None, d.title, (_doc(d, url, None),), facts={"status": d.status, "sub-documents": str(len(d.subdocs))})
    rows = parse_recent(data, url)
    docs = tuple(
        Doc(key=r.dossier, ref=r.dossier, number=r.dossier, title=f"{r.dossier} {r.title}", url=dossier_url(url, r.legislature, r.number, _language(url)),
            text=r.title, published=r.date, events=(f"{r.subdoc[-3:]} {r.date or ''} {r.doc_type}".strip(),))
        for r in rows
    )
    return Parsed(None, "Chambre des représentants", docs, facts={"rows": str(len(rows))})


_PDF = re.compile(r"/FLWB/PDF/\d+/\d+/\d+K\d+?(\d{3})\.pdf$", re.IGNORECASE)
_SUBJECT = re.compile(r"eurovoc|mots-cl|trefwoord", re.IGNORECASE)
_FINAL = re.compile(
    r"ADOPT|AANGENOMEN|VERWORPEN|REJET|CADUC|VERVALLEN|INGETROKKEN|RETIR|PUBLI|BEKENDGEMAAKT|SANCTION|BEKRACHTIG",
    re.IGNORECASE,
)
INACTIVE_DAYS = 90  # a dossier unchanged this long ...
SLOW_POLL_DAYS = 7  # ... is read once a week


def still_followed(doc: Document, today: date, final_days: int, last_polled: str | None) -> bool:
    """Whether a tracked dossier is read on this pass.

    A dossier with a final status (adopted, rejected, lapsed, withdrawn,
    published) and no change for ``final_days`` is done: never read again,
    its history stays.  One unchanged for months is read once a week.  The
    others are read on every pass.
    """
    changed = date.fromisoformat((doc.changed_at or doc.first_seen)[:10])
    quiet = (today - changed).days
    if doc.status and _FINAL.search(doc.status) and quiet > final_days:
        return False
    if quiet > INACTIVE_DAYS and last_polled:
        return (today - date.fromisoformat(last_polled)).days >= SLOW_POLL_DAYS
    return True


def collect(ctx: Context) -> Parsed:
    source = ctx.source
    if "flwbn.cfm" in source.url:
        fetched = ctx.fetch(source.url)
        assert fetched is not None
        d = parse_dossier(fetched.content, fetched.final_url or source.url)
        return Parsed(None, d.title, (_doc(d, source.url, ctx.captures[-1].sha256, track=True),))

    language = _language(source.url)
    docs: dict[str, Doc] = {}
    fetched = ctx.fetch(source.url, conditional=True)
    listed: list[Listed] = []
    if fetched is not None:
        listed = parse_recent(fetched.content, fetched.final_url or source.url)
    to_follow: dict[str, str] = {}
    first_read: set[str] = set()
    for row in listed:
        if row.dossier in docs or row.dossier in to_follow:
            continue
        # A new dossier is read in full at once, whatever its title: its page
        # (status, sub-documents, Eurovoc descriptors, keywords) and the text
        # of its main document, where a secrecy clause hides behind a generic
        # title.  During the baseline only those whose title touches a topic
        # are (nothing is alerted then, and a first pass must stay polite).
        if row.dossier not in ctx.known and (not ctx.baseline or ctx.matches(row.title)):
            to_follow[row.dossier] = dossier_url(source.url, row.legislature, row.number, language)
            first_read.add(row.dossier)
        elif row.dossier not in ctx.known:
            docs[row.dossier] = Doc(
                key=row.dossier, ref=row.dossier, number=row.dossier, title=f"{row.dossier} {row.title}",
                url=dossier_url(source.url, row.legislature, row.number, language), text=row.title,
                published=row.date, events=(f"{row.subdoc[-3:]} {row.date or ''} {row.doc_type}".strip(),),
                status=None,
            )
    polled: dict[str, str] = dict(ctx.state.get("polled") or {})
    read_docs: dict[str, list[str]] = dict(ctx.state.get("read_docs") or {})
    for known in ctx.tracked():
        if known.url and still_followed(known, ctx.today, ctx.settings.track_final_days, polled.get(known.key)):
            to_follow.setdefault(known.key, known.url)
    warnings: list[str] = []
    for dossier, url in to_follow.items():
        # One dossier page that fails must not hide the others or the list:
        # it keeps its last state and is tried again next pass.
        try:
            page = ctx.fetch(url)
            assert page is not None
            d = parse_dossier(page.content, page.final_url or url)
        except (FetchError, ParseError) as e:
            warnings.append(f"dossier {dossier}: {e}")
            continue
        sha = ctx.captures[-1].sha256
        # Documents read once each: the bill when the dossier is first read,
        # then each new sub-document (amendments, reports) as it appears.
        read = set(read_docs.get(dossier) or ([] if dossier in first_read else [n for n, _ in d.pdfs]))
        wanted = ["001"] if dossier in first_read else [n for n, _ in d.pdfs if n not in read][:MAX_NEW_DOCUMENTS]
        docs[dossier] = _doc(d, url, sha, extra=_documents_text(ctx, d, wanted, warnings))
        read_docs[dossier] = sorted(read | set(wanted))
        polled[dossier] = ctx.today.isoformat()
    ctx.state["polled"] = {k: v for k, v in polled.items() if k in ctx.known or k in docs}
    ctx.state["read_docs"] = {k: v for k, v in read_docs.items() if k in ctx.known or k in docs}
    if listed == [] and fetched is not None:
        raise ParseError("the recent-documents page lists no dossier")
    return Parsed(None, "Chambre des représentants", tuple(docs.values()), warnings=tuple(warnings))


KIND = Kind(
    name="chamber",
    description=(
        "The Chamber of Representatives: the recent-documents list; every newly listed dossier is read once, "
        "whatever its title (its page, Eurovoc descriptors, keywords and the text of its bill, a PDF), and one "
        "that touches a topic is followed from then on (its new sub-documents read too); a new status or "
        "sub-document is a `status` alert. A URL that is a dossier page (`flwbn.cfm`) tracks that dossier alone."
    ),
    mode="stream",
    collect=collect,
    preview=preview,
)
