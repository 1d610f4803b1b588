"""RSS and Atom feeds (federations, RWLP, UVCW …), through feedparser.

Fetched with a conditional GET; each entry's identity is its guid/id, else
its link.  A payload that feedparser cannot read as a feed (an HTML bot
wall, an error page) is a ParseError, never "no news".
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from ..errors import ParseError
from ..text import clean_identity, collapse, decode_html, html_to_lines, one_line
from . import Context, Doc, Kind, Parsed

if TYPE_CHECKING:
    from ..config import Source


def _iso(entry: Any) -> str | None:
    """The entry's date as its publisher wrote it (their day, not UTC's)."""
    for key in ("published", "updated"):
        raw = entry.get(key)
        if raw:
            day = _own_day(str(raw))
            if day:
                return day
    for key in ("published_parsed", "updated_parsed"):
        t = entry.get(key)
        if t:
            return time.strftime("%Y-%m-%d", t)
    return None


def _own_day(raw: str) -> str | None:
    try:
        return parsedate_to_datetime(raw).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(raw.strip().replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        return None


def _read(data: bytes, url: str) -> Any:
    """feedparser's reading of the bytes; a crash inside feedparser on hostile
    bytes (a bogus encoding declaration, an impossible character reference)
    is retried once on the bytes decoded as watcher decodes pages, then is a
    ParseError: a broken source, never an unrecorded crash."""
    import feedparser  # on first use: most passes never read a feed

    headers = {"content-location": url}
    try:
        return feedparser.parse(data, response_headers=headers)
    except Exception as first:  # noqa: BLE001 -- a dependency's bug must stay inside this document
        text = _XML_DECL.sub("", decode_html(data), count=1)
        text = _BAD_REF.sub("", text)
        try:
            return feedparser.parse(text.encode("utf-8"), response_headers=headers)
        except Exception:  # noqa: BLE001
            raise ParseError(f"the feed cannot be read ({type(first).__name__}: {one_line(str(first))[:200]})") from None


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_BAD_REF = re.compile(r"&#(?:x0*(?:[1-9a-fA-F][0-9a-fA-F]{6,}|11[0-9a-fA-F]{4})|0*(?:[2-9]\d{6,}|1[2-9]\d{5}|11[2-9]\d{4}));")


def parse_feed(data: bytes, url: str, warnings: list[str] | None = None) -> tuple[str, list[Doc]]:
    """(feed title, entries as docs).  An entry that cannot be read is left
    out with a line in ``warnings``; the other entries are read."""
    parsed = _read(data, url)
    version = parsed.get("version") or ""
    if not version:
        reason = parsed.get("bozo_exception")
        raise ParseError(f"not an RSS or Atom feed{f' ({reason})' if reason else ''}")
    docs = []
    for n, e in enumerate(parsed.entries, 1):
        try:
            doc = _entry(e)
        except Exception as err:  # noqa: BLE001 -- one bad entry must not hide the good ones
            if warnings is not None:
                warnings.append(f"entry {n} skipped ({type(err).__name__}: {one_line(str(err))[:200]})")
            continue
        if doc is not None:
            docs.append(doc)
    return " ".join(html_to_lines(parsed.feed.get("title", "") or "")), docs


def _entry(e: Any) -> Doc | None:
    ident = e.get("id") or e.get("guid") or e.get("link")
    if not ident or not clean_identity(str(ident)):
        return None
    content = ""
    if e.get("content"):
        content = " ".join(c.get("value", "") for c in e["content"])
    content = content or e.get("summary", "") or ""
    # A title is text: whatever it holds ("<script>" included) is shown as
    # text, escaped where it is displayed, never interpreted.
    title = collapse(e.get("title", "") or "")
    text = "\n".join(html_to_lines(content))
    return Doc(
        key=str(ident),
        ref=str(ident),
        number="",
        title=title,
        url=str(e.get("link") or ""),
        text=text or title,
        published=_iso(e),
    )


def preview(data: bytes, url: str, source: Source) -> Parsed:
    warnings: list[str] = []
    title, docs = parse_feed(data, url, warnings)
    return Parsed(None, title, tuple(docs), warnings=tuple(warnings), facts={"entries": str(len(docs))})


def collect(ctx: Context) -> Parsed:
    fetched = ctx.fetch(ctx.source.url, conditional=True)
    if fetched is None:
        return Parsed(None, "", ())
    warnings: list[str] = []
    title, docs = parse_feed(fetched.content, fetched.final_url or ctx.source.url, warnings)
    return Parsed(None, title, tuple(docs), warnings=tuple(warnings))


KIND = Kind(
    name="feed",
    description=(
        "An RSS or Atom feed (federations, RWLP, UVCW …), read with a conditional GET. An entry's identity is its "
        "guid/id, else its link; a payload that is not a feed (a bot wall, an error page) is a broken source."
    ),
    mode="stream",
    collect=collect,
    preview=preview,
)
