"""News pages without a feed (mi-is.be, Brulocalis, VVSG): CSS selectors.

The configuration names the selectors: ``item_selector`` for one item,
and inside it ``link_selector`` (default ``a``), ``title_selector``
(default: the link's text), ``date_selector`` and ``text_selector``.  An item's
identity is its absolute link.  A page where the item selector finds nothing
(a redesign, a bot challenge served instead of the content) is a
ParseError: a broken source, never "no news".
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

from ..config import Source
from ..errors import ParseError
from ..text import collapse, decode_html, parse_date
from . import Context, Doc, Parsed


def parse_page(data: bytes, url: str, source: Source) -> list[Doc]:
    soup = BeautifulSoup(decode_html(data), "lxml")
    items = soup.select(source.item_selector)
    if not items:
        raise ParseError(f'the item selector "{source.item_selector}" finds nothing on the page')
    found: dict[str, Doc] = {}
    for item in items:
        link = item if item.name == "a" and source.link_selector == "a" else item.select_one(source.link_selector)
        href = str(link.get("href") or "") if link is not None else ""
        absolute = urljoin(url, href).split("#", 1)[0] if href else ""
        if not absolute or urlsplit(absolute).scheme not in ("http", "https"):
            continue
        title_el = item.select_one(source.title_selector) if source.title_selector else link
        title = collapse(title_el.get_text(" ")) if title_el is not None else ""
        date_el = item.select_one(source.date_selector) if source.date_selector else None
        text_el = item.select_one(source.text_selector) if source.text_selector else None
        text = collapse(text_el.get_text(" ")) if text_el is not None else ""
        date_text = collapse(date_el.get_text(" ")) if date_el is not None else ""
        doc = Doc(
            key=absolute,
            ref=absolute,
            number="",
            title=title or absolute,
            url=absolute,
            text="\n".join(x for x in (title, date_text, text) if x),
            published=parse_date(date_text) if date_text else None,
        )
        # An image link and a title link to the same article are one item:
        # keep the one that says the most.
        previous = found.get(absolute)
        if previous is None or len(doc.text) > len(previous.text):
            found[absolute] = doc
    if not found:
        raise ParseError(f'the item selector "{source.item_selector}" matches, but no item has an http(s) link')
    return list(found.values())


def collect(ctx: Context) -> Parsed:
    fetched = ctx.fetch(ctx.source.url, conditional=True)
    if fetched is None:
        return Parsed(None, "", (), mode="stream")
    return Parsed(None, "", tuple(parse_page(fetched.content, fetched.final_url or ctx.source.url, ctx.source)), mode="stream")
