"""RSS and Atom feeds (federations, RWLP, UVCW …), through feedparser.

Fetched with a conditional GET; each entry's identity is its guid/id, else
its link.  A payload that feedparser cannot read as a feed (an HTML bot
wall, an error page) is a ParseError, never "no news".
"""

from __future__ import annotations

import time
from typing import Any

from ..errors import ParseError
from ..text import collapse, html_to_lines
from . import Context, Doc, Kind, Parsed


def _iso(entry: Any) -> str | None:
    for key in ("published_parsed", "updated_parsed"):
        t = entry.get(key)
        if t:
            return time.strftime("%Y-%m-%d", t)
    return None


def parse_feed(data: bytes, url: str) -> tuple[str, list[Doc]]:
    """(feed title, entries as docs)."""
    import feedparser  # on first use: most passes never read a feed

    parsed = feedparser.parse(data, response_headers={"content-location": url})
    version = parsed.get("version") or ""
    if not version:
        reason = parsed.get("bozo_exception")
        raise ParseError(f"not an RSS or Atom feed{f' ({reason})' if reason else ''}")
    docs = []
    for e in parsed.entries:
        ident = e.get("id") or e.get("guid") or e.get("link")
        if not ident:
            continue
        content = ""
        if e.get("content"):
            content = " ".join(c.get("value", "") for c in e["content"])
        content = content or e.get("summary", "") or ""
        # A title is text: whatever it holds ("<script>" included) is shown as
        # text, escaped where it is displayed, never interpreted.
        title = collapse(e.get("title", "") or "")
        text = "\n".join(html_to_lines(content))
        docs.append(
            Doc(
                key=str(ident),
                ref=str(ident),
                number="",
                title=title,
                url=str(e.get("link") or ""),
                text=text or title,
                published=_iso(e),
            )
        )
    return " ".join(html_to_lines(parsed.feed.get("title", "") or "")), docs


def collect(ctx: Context) -> Parsed:
    fetched = ctx.fetch(ctx.source.url, conditional=True)
    if fetched is None:
        return Parsed(None, "", ())
    title, docs = parse_feed(fetched.content, fetched.final_url or ctx.source.url)
    return Parsed(None, title, tuple(docs))


KIND = Kind(
    name="feed",
    description=(
        "An RSS or Atom feed (federations, RWLP, UVCW …), read with a conditional GET. An entry's identity is its "
        "guid/id, else its link; a payload that is not a feed (a bot wall, an error page) is a broken source."
    ),
    mode="stream",
    collect=collect,
)
