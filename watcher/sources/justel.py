"""Justel (ejustice.just.fgov.be, consolidated legislation) adapter.

``parse_law(data, url)`` is a pure function from a page's bytes to a
:class:`~watcher.models.Law`.  It reads both layouts:

* the old one (before 15 May 2024): tables, sections anchored
  ``<A name="titre">``, ``<A name="texte">``, ``<A name="modification">`` ...;
* the 2024 one: ``div#list-title-1`` (metadata), ``div#list-title-3`` (text).

In both, each article opens with ``<A NAME='Art.458' ...>`` and each heading
with ``<A NAME='LNK0146' ...>``; that markup is what we split on.  The text
section is flat (``<BR>``-separated), so a regex split is both the fastest and
the most faithful reading; a DOM adds nothing but cost there.

Amendment markers (``<sup>`` numbers), the footnotes after ``----------`` and
inline references such as ``<L 1996-06-30/34, art. 10, 017; En vigueur :
26-07-1996>`` are kept apart from the legal text, so a change of link format
in the notes (the 2024 redesign) leaves the text unchanged.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

from ..errors import ParseError
from ..keys import Key, nonempty_items
from ..models import Article, Law
from ..reasons import Reason
from ..text import base_ref, collapse, decode_html, fold, html_to_lines, html_to_text, normalize_ref, parse_date
from . import Context, Doc, Kind, Parsed

if TYPE_CHECKING:
    from ..config import Source

_SECTION_2024 = re.compile(r"""<div\s+id=["']list-title-3["'][^>]*>""", re.IGNORECASE)
_META_2024 = re.compile(r"""<div\s+id=["']list-title-1["'][^>]*>""", re.IGNORECASE)
_NEXT_BLOCK_2024 = re.compile(
    r"""<div\s+id=["']list-title-(?!3["'])|<div\s+class=["']links\b|</main>""", re.IGNORECASE
)
_TEXT_OLD = re.compile(r"""<A\s+name=["']?texte["']?\s*>""", re.IGNORECASE)
_TITLE_OLD = re.compile(r"""<A\s+name=["']?titre["']?\s*>""", re.IGNORECASE)
# Any other section anchor of the old layout: plain lowercase words, no digits
# (so neither Art./LNK anchors nor the search-hit anchors "hit1").
_NEXT_SECTION_OLD = re.compile(r"""<A\s+name=["']?(?!texte\b)[a-z_]+["']?\s*>""", re.IGNORECASE)

# An article or heading anchor's NAME value.  The regex looks for the value
# (a literal-led pattern, fast) and the code then checks the attribute is
# NAME, in any case, even after other attributes (<A HREF='#Art.457' NAME='Art.458'>):
# an IGNORECASE "\bNAME=" regex is several times slower on 900 KB.
_ANCHOR_FAST = re.compile(r"""<A NAME='(Art\.[^'\s>]+|LNK\d+)'[^>]*>""")
_ANCHOR_NAME = re.compile(r"""=\s*["']?(Art\.[^"'\s>]+|LNK\d+)["']?""")
_LABEL = re.compile(
    r"^(?:Art\.|Article|Artikel|Artikels?)\s*([0-9A-Za-z][0-9A-Za-z/.\-]*?)\s*\.(?!\d)\s*",
)
# Removing a <sup> marker leaves "[ celui" behind.
_REPEAL = re.compile(r"<\s*(Abrogé|Abroge|Opgeheven|Aufgehoben)\b", re.IGNORECASE)
_MARK = "\x01"  # cannot occur in decoded HTML text
# Inline amendment references: "<L 1996-06-30/34, art. 10, 017; En vigueur : ...>",
# "<AR59 10-01-1935, art. 3>", "<W 2017-...; Inwerkingtreding : ...>".
_INLINE_NOTE = re.compile(r"<[^<>\n]*?\d{2,4}[-/]\d{2}[^<>\n]*>")

_HEADING_LEVELS = {
    # FR, NL, DE words that open a structural heading, outermost first.
    "partie": 0, "deel": 0, "teil": 0,
    "livre": 1, "boek": 1, "buch": 1,
    "titre": 2, "titel": 2,
    "chapitre": 3, "hoofdstuk": 3, "kapitel": 3,
    "section": 4, "afdeling": 4, "abschnitt": 4,
    "sous-section": 5, "onderafdeling": 5, "unterabschnitt": 5,
}

_UPDATED = re.compile(
    r"(?:mise\s+à\s+jour\s+au|(?:tekst)?bijgewerkt\s+tot|tekstbijwerking\s+tot|aktualisiert\s+am)\s*:?\s*([^\n)]{6,30})",
    re.IGNORECASE,
)
# A numac is ten characters, the fifth may be a letter: the regional
# versions of the CPAS law are 1976A70810 … 1976D70810 (recorded).
NUMAC = r"\d{4}[0-9A-Z]\d{5}"
_NUMAC = re.compile(rf"(?:num[ée]ro|nummer)\s*:\s*({NUMAC})\b", re.IGNORECASE)
_DOSSIER = re.compile(r"dossier\s*-?\s*(?:num[ée]ro|nummer)\s*:\s*(\d{4}-\d{2}-\d{2}/[0-9A-Z]+)", re.IGNORECASE)
_IN_FORCE = re.compile(
    r"(?:entr[ée]e\s+en\s+vigueur|inwerkingtreding|inkrafttreten)\s*:\s*(.+)", re.IGNORECASE
)
_TAG_SPAN = re.compile(rf"""<span\s+class=["']tag["']\s*>\s*({NUMAC})\s*</span>""", re.IGNORECASE)
_TITLE_2024 = re.compile(
    r"""<p\s+class=["']list-item--title["']\s*>(.*?)</p>""", re.IGNORECASE | re.DOTALL
)
_TITLE_OLD_B = re.compile(r"<b>(.*?)</b>", re.IGNORECASE | re.DOTALL)
_TEXT_H2 = re.compile(r"<h2[^>]*>\s*([^<]+?)\s*</h2>", re.IGNORECASE)
_EDITORIAL = re.compile(r"\s*(?:\(NOTE\b|\(NOTA\b|<)", re.IGNORECASE)


def parse_law(data: bytes, url: str = "") -> Law:
    """Parse a Justel consolidated-law page into a :class:`Law`.

    Raises :class:`ParseError` when the page is not a recognisable law page
    (the ELI "no result" help page, a bot wall, an empty body), when it is
    cut off inside the text, has no numac or has no article at all: never
    an empty or partial law.
    """
    if not data.strip():
        raise ParseError("empty page")
    page = decode_html(data)

    # A substring test spares old-layout pages a case-insensitive regex pass.
    m_text = _SECTION_2024.search(page) if "list-title-3" in page else None
    if m_text:
        layout = "2024"
        end = _NEXT_BLOCK_2024.search(page, m_text.end())
        if not end:
            raise ParseError("the page ends inside the text block (div#list-title-3): truncated")
        text_html = page[m_text.end() : end.start()]
        m_meta = _META_2024.search(page)
        meta_html = page[m_meta.end() : m_text.start()] if m_meta else ""
    else:
        m_old = _TEXT_OLD.search(page)
        if not m_old:
            raise ParseError(
                "not a Justel law page: neither the 2024 text block (div#list-title-3) "
                "nor the old-layout text anchor (<A name=\"texte\">) is present"
            )
        layout = "old"
        end = _NEXT_SECTION_OLD.search(page, m_old.end())
        if not end:
            raise ParseError("the page ends inside the text section (no anchor after <A name=\"texte\">): truncated")
        text_html = page[m_old.end() : end.start()]
        m_title = _TITLE_OLD.search(page)
        meta_html = page[m_title.end() : m_old.start()] if m_title else ""

    articles = _parse_articles(text_html)
    if not articles:
        raise ParseError(f"Justel page ({layout} layout) has a text section but no article in it")

    meta = _parse_meta(meta_html, layout)
    if not meta["numac"]:
        raise ParseError(f"Justel page ({layout} layout) without a numac: the title block was not recognised")
    language = _language(url, meta_html, text_html)
    return Law(
        url=url,
        layout=layout,
        language=language,
        title=meta["title"] or "",
        numac=meta["numac"],
        dossier=meta["dossier"],
        updated=meta["updated"],
        in_force=meta["in_force"],
        articles=tuple(articles),
    )


def _parse_articles(text_html: str) -> list[Article]:
    # Turn the whole section into text in one pass (a few regex passes over
    # 900 KB beat thousands of small ones), with each anchor replaced by a
    # marker, then cut it at the markers: "…\x01Art.458\x01 text…".
    # Justel's text section holds no script or style (the page's own are
    # outside it), so html_to_text need not look for them.
    text = html_to_text(_mark_anchors(text_html), scripts=False)
    # Removing the <sup> amendment numbers leaves "[ celui"; spaces are
    # already single, so one replace mends every bracket.
    text = text.replace("[ ", "[")
    pieces = text.split(_MARK)
    articles: list[Article] = []
    seen: dict[str, int] = {}
    parts: dict[str, int] = {}
    headings: list[tuple[int, str]] = []
    heading = ""
    for i in range(1, len(pieces) - 1, 2):
        name = pieces[i]
        lines = [line for line in map(str.strip, pieces[i + 1].split("\n")) if line]
        if name[:3].upper() == "LNK":
            _push_heading(headings, " ".join(lines))
            heading = " > ".join(h for _, h in headings)
            continue
        ref = normalize_ref(name[4:] if name.startswith("Art.") else name)
        count = seen.get(ref, 0) + 1
        seen[ref] = count
        if count > 1:
            if articles and base_ref(articles[-1].ref) == ref:
                # Justel repeats an anchor right away when it prints several
                # versions of one article (a future version): "458~2" is
                # 458 too, and watched with it.
                ref = f"{ref}~{count}"
            else:
                # The same anchor again after other articles is another text
                # on the page reusing the number (the law introducing Book II
                # of the new Code pénal has its own art. 79-119 after Book
                # II's, recorded): "113@2" is never 113, and never takes its
                # identity.
                parts[ref] = parts.get(ref, 1) + 1
                ref = f"{ref}@{parts[ref]}"
        articles.append(_article(ref, lines, heading))
    return articles


def _mark_anchors(text_html: str) -> str:
    """Replace each article or heading anchor tag by a marker.

    Justel's own form (``<A NAME='Art.458' HREF=…>``) goes in one fast regex
    pass; any other form (other quotes or case, NAME after HREF) is then
    found by its NAME value and replaced the slow way.
    """
    text_html = _ANCHOR_FAST.sub(lambda m: f"<br>{_MARK}{m.group(1)}{_MARK}", text_html)
    parts: list[str] = []
    pos = 0
    for m in _ANCHOR_NAME.finditer(text_html):
        if not text_html[max(0, m.start() - 8) : m.start()].rstrip().lower().endswith("name"):
            continue
        start = text_html.rfind("<", pos, m.start())
        end = text_html.find(">", m.end())
        if start < 0 or end < 0 or text_html[start + 1 : start + 2] not in ("a", "A"):
            continue
        parts.append(text_html[pos:start])
        parts.append(f"<br>{_MARK}{m.group(1)}{_MARK}")
        pos = end + 1
    if not parts:
        return text_html
    parts.append(text_html[pos:])
    return "".join(parts)


def _push_heading(stack: list[tuple[int, str]], text: str) -> None:
    text = _INLINE_NOTE.sub("", text)
    text = collapse(text)
    if not text:
        return
    first = text.split(" ", 1)[0].lower().rstrip(".")
    level = _HEADING_LEVELS.get(first, 6)
    while stack and stack[-1][0] >= level:
        stack.pop()
    stack.append((level, text))


def _article(ref: str, lines: list[str], heading: str) -> Article:
    number = ref
    if lines:
        m = _LABEL.match(lines[0])
        if m:
            number = m.group(1)
            lines[0] = lines[0][m.end() :]
        if not lines[0].strip():
            lines.pop(0)
    # Whole-text tests first: most articles have no notes line, no inline
    # note and no empty line, and then need no look at each line.
    text = "\n".join(lines)
    tail: list[str] = []  # the footnotes, after the first "-----" line
    if "-----" in text:
        for i, line in enumerate(lines):
            if _is_rule(line):
                lines, tail = lines[:i], [x for x in lines[i + 1 :] if not _is_rule(x)]
                text = "\n".join(lines)
                break
    if "<" not in text and "" not in lines:
        return Article(ref=ref, number=number, text=text, notes=tuple(tail), heading=heading)
    body: list[str] = []
    notes: list[str] = []
    for line in lines:
        if "<" in line:
            found: list[str] = []
            line = _INLINE_NOTE.sub(functools.partial(_note_residue_of, found=found), line)
            if found:
                notes.extend(found)
                line = " ".join(line.split())
        if line:
            body.append(line)
    return Article(ref=ref, number=number, text="\n".join(body), notes=(*notes, *tail), heading=heading)


def _is_rule(line: str) -> bool:
    """A line of dashes ("----------"): the footnotes follow it."""
    return line.startswith("-----") and not line.strip("-")


def _note_residue_of(m: re.Match[str], found: list[str]) -> str:
    return _note_residue(m.group(0), found)


def _note_residue(note: str, found: list[str]) -> str:
    """What an inline amendment note leaves in the legal text.

    Usually nothing, but a repeal is often printed only as a note ("Art. 281.
    <Abrogé par L 2010-03-08/08, ...>"): the text must then say "(Abrogé)",
    or a repealed article would read as an empty one.
    """
    found.append(note)
    word = _REPEAL.match(note)
    return f" ({word.group(1)}) " if word else " "


def _parse_meta(meta_html: str, layout: str) -> dict[str, str | None]:
    title = ""
    numac = None
    if layout == "2024":
        m = _TAG_SPAN.search(meta_html)
        numac = m.group(1) if m else None
        mt = _TITLE_2024.search(meta_html)
        if mt:
            title = " ".join(html_to_lines(mt.group(1)))
    else:
        for mb in _TITLE_OLD_B.finditer(meta_html):
            candidate = " ".join(html_to_lines(mb.group(1)))
            if candidate:
                title = candidate
                break
    lines = html_to_lines(meta_html)
    flat = "\n".join(lines)
    if numac is None:
        m = _NUMAC.search(flat)
        numac = m.group(1) if m else None
    m = _DOSSIER.search(flat)
    dossier = m.group(1) if m else None
    m = _UPDATED.search(flat)
    updated = parse_date(m.group(1)) if m else None
    m = _IN_FORCE.search(flat)
    in_force = parse_date(m.group(1)) if m else None
    # The printed title carries editorial notes and inline references;
    # the law's own title is what comes before them.
    short = _EDITORIAL.split(title, maxsplit=1)[0].strip() if title else ""
    return {
        "title": short or title,
        "numac": numac,
        "dossier": dossier,
        "updated": updated,
        "in_force": in_force,
    }


def _language(url: str, meta_html: str, text_html: str) -> str:
    """The page's language: from the URL when it says, else from its labels."""
    if url:
        parts = urlsplit(url)
        q = parse_qs(parts.query)
        for key in ("language", "lg_txt", "la"):
            if q.get(key):
                v = q[key][0].lower()[:2]
                if v in {"fr", "f"}:
                    return "fr"
                if v in {"nl", "n"}:
                    return "nl"
                if v in {"de", "d"}:
                    return "de"
        if "/eli/wet/" in parts.path:
            return "nl"
        if "/eli/loi/" in parts.path:
            return "fr"
    head = text_html[:600] + meta_html
    m = _TEXT_H2.search(head)
    label = (m.group(1) if m else head).lower()
    if "tekst" in label or "titel" in label or "bijgewerkt" in head.lower():
        return "nl"
    return "fr"


def select(law: Law, articles: tuple[str, ...], matching: tuple[str, ...]) -> list[tuple[Article, tuple[Reason, ...]]]:
    """The articles a source watches, each with the reason it is watched.

    ``articles`` by number (a variant such as a future version of 458 counts
    as 458), ``matching`` by content (case- and accent-insensitive, amendment
    brackets ignored); neither given means every article.
    """
    wanted = {normalize_ref(a) for a in articles}
    phrases = [(p, fold(p)) for p in matching]
    chosen: list[tuple[Article, tuple[Reason, ...]]] = []
    for art in law.articles:
        reasons: list[Reason] = []
        if art.ref in wanted or base_ref(art.ref) in wanted:
            reasons.append(Reason("selected_listed"))
        if phrases:
            folded = fold(art.text)
            hits = [p for p, f in phrases if f in folded]
            if hits:
                reasons.append(Reason("selected_matching", {"phrases": hits}))
        if not wanted and not phrases:
            reasons.append(Reason("selected_all"))
        if reasons:
            chosen.append((art, tuple(reasons)))
    return chosen


def parse(data: bytes, url: str, source: Source) -> Parsed:
    """Adapter entry point: the watched articles of a Justel page as docs."""
    law = parse_law(data, url)
    name = source.title or law.title
    base = url.split("#", 1)[0]
    docs = tuple(
        Doc(
            key=f"{law.numac}:{law.language}:{art.ref}",
            ref=art.ref,
            number=art.number,
            title=f"{name.rstrip('. ')}, art. {art.number}",
            # Justel pages anchor every article: the link lands on it.
            # (a number reused further down, "113@2", has no anchor of its own)
            url=f"{base}#Art.{base_ref(art.ref)}" if "@" not in art.ref else base,
            text=art.text,
            notes=art.notes,
            heading=art.heading,
            reason=reason,
        )
        for art, reason in select(law, source.options["articles"], source.options["articles_matching"])
    )
    texts = {a.ref: a.text for a in law.articles}
    present = {base_ref(r) for r in texts} | set(texts)
    missing = sorted({normalize_ref(a) for a in source.options["articles"]} - present)
    warnings = (f"listed article(s) not on the page: {', '.join(missing)}",) if missing else ()
    facts = {"layout": law.layout, "language": law.language, "numac": law.numac, "dossier": law.dossier,
             "updated": law.updated, "in_force": law.in_force, "articles on the page": str(len(law.articles))}
    return Parsed(identity=law.numac, title=law.title, docs=docs, texts=texts, warnings=warnings, facts=facts)


def collect(ctx: Context) -> Parsed:
    """One conditional fetch of the law page; a 304 means nothing changed."""
    fetched = ctx.fetch(ctx.source.url, conditional=True)
    if fetched is None:
        return Parsed(identity=None, title="", docs=(), not_modified=True)
    return parse(fetched.content, fetched.final_url or ctx.source.url, ctx.source)


KIND = Kind(
    name="justel",
    description=(
        "A consolidated text on Justel (ejustice.just.fgov.be), either page layout, French or Dutch: every version "
        "of the watched articles, diffed word by word. The page is the whole truth: a watched article that is gone "
        "is `removed`; a page that is another law, cut off or unrecognisable is a broken source."
    ),
    mode="snapshot",
    collect=collect,
    preview=parse,
    keys=(
        Key(
            "articles", "list[str]", (),
            'Article numbers to watch, e.g. `["458", "458bis"]`. With neither `articles` nor `articles_matching`: '
            "every article.",
            check=nonempty_items,
        ),
        Key(
            "articles_matching", "list[str]", (),
            "Also watch every article whose text contains one of these phrases (case- and accent-insensitive), so a "
            "watch follows a provision that is renumbered or moved into a new code. An article that starts or stops "
            "matching is reported (`added` / `removed`, with the reason).",
            check=nonempty_items,
        ),
    ),
)
