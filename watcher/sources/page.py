"""News pages without a feed (mi-is.be, Brulocalis, VVSG): CSS selectors.

The configuration names the selectors: ``item_selector`` for one item,
and inside it ``link_selector`` (default ``a``), ``title_selector``
(default: the link's text), ``date_selector`` and ``text_selector``.  An item's
identity is its absolute link.  A page where the item selector finds nothing
(a redesign, a bot challenge served instead of the content) is a
ParseError: a broken source, never "no news".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any
from urllib.parse import urljoin, urlsplit

from ..errors import FetchError, ParseError
from ..keys import Key, css_selector
from ..text import collapse, one_line, parse_date
from . import Context, Doc, Kind, Parsed
from ._soup import soup as make_soup


def parse_page(
    data: bytes, url: str, options: Mapping[str, Any], warnings: list[str] | None = None
) -> list[Doc]:
    """The items of a news page, found with the source's selectors (``options``).

    An item that cannot be read (a malformed link) is left out with a line
    in ``warnings``; the other items are read."""
    o = {k.name: options.get(k.name, k.default) for k in KEYS}
    items = make_soup(data).select(o["item_selector"])
    if not items:
        raise ParseError(f'the item selector "{o["item_selector"]}" finds nothing on the page')
    found: dict[str, Doc] = {}
    for n, item in enumerate(items, 1):
        try:
            doc = _item(item, url, o)
        except Exception as err:  # noqa: BLE001 -- one malformed item must not hide the others
            if warnings is not None:
                warnings.append(f"item {n} skipped ({type(err).__name__}: {one_line(str(err))[:200]})")
            continue
        if doc is None:
            continue
        # An image link and a title link to the same article are one item:
        # keep the one that says the most.
        previous = found.get(doc.key)
        if previous is None or len(doc.text) > len(previous.text):
            found[doc.key] = doc
    if not found:
        raise ParseError(f'the item selector "{o["item_selector"]}" matches, but no item has an http(s) link')
    return list(found.values())


def _item(item: Any, url: str, o: Mapping[str, Any]) -> Doc | None:
    link = item if item.name == "a" and o["link_selector"] == "a" else item.select_one(o["link_selector"])
    href = str(link.get("href") or "") if link is not None else ""
    absolute = urljoin(url, href.strip()).split("#", 1)[0] if href.strip() else ""
    if not absolute or urlsplit(absolute).scheme not in ("http", "https"):
        return None
    title_el = item.select_one(o["title_selector"]) if o["title_selector"] else link
    title = collapse(title_el.get_text(" ")) if title_el is not None else ""
    date_el = item.select_one(o["date_selector"]) if o["date_selector"] else None
    text_el = item.select_one(o["text_selector"]) if o["text_selector"] else None
    text = collapse(text_el.get_text(" ")) if text_el is not None else ""
    date_text = collapse(date_el.get_text(" ")) if date_el is not None else ""
    return Doc(
        key=absolute,
        ref=absolute,
        number="",
        title=title or absolute,
        url=absolute,
        text="\n".join(x for x in (title, date_text, text) if x),
        published=parse_date(date_text) if date_text else None,
    )


def collect(ctx: Context) -> Parsed:
    fetched = ctx.fetch(ctx.source.url, conditional=True)
    if fetched is None:
        return Parsed(None, "", ())
    warnings: list[str] = []
    docs = parse_page(fetched.content, fetched.final_url or ctx.source.url, ctx.source.options, warnings)
    if ctx.source.options.get("follow") and not ctx.baseline:
        docs = _follow(ctx, docs, warnings)
    return Parsed(None, "", tuple(docs), warnings=tuple(warnings))


MAX_FOLLOW = 20  # new items whose page is read in one pass


def _follow(ctx: Context, docs: list[Doc], warnings: list[str]) -> list[Doc]:
    """Read the page of each new item once, politely, for the topics to match its text."""
    out = []
    read = 0
    for doc in docs:
        if doc.key in ctx.known or read >= MAX_FOLLOW:
            out.append(doc)
            continue
        read += 1
        try:
            fetched = ctx.fetch(doc.url)
            assert fetched is not None
            out.append(replace(doc, extra=article_text(fetched.content), sha256=ctx.captures[-1].sha256))
        except (FetchError, ParseError) as e:
            warnings.append(f"item {doc.url}: {e}")
            out.append(doc)
    return out


def article_text(data: bytes, limit: int = 100_000) -> str:
    """The readable text of an article page: its <main> or <article>, else its body."""
    tree = make_soup(data)
    for tag in tree(["script", "style", "nav", "header", "footer", "form"]):
        tag.decompose()
    node = tree.select_one("main, article, [role=main]") or tree.body or tree
    return collapse(node.get_text(" "))[:limit]


KEYS = (
    Key("item_selector", "str", "", "CSS selector of one news item.", required=True, check=css_selector),
    Key("link_selector", "str", "a", "CSS selector of the item's link, inside the item.", check=css_selector),
    Key("title_selector", "str", "", "CSS selector of the item's title, inside the item (default: the link's text).", check=css_selector),
    Key("date_selector", "str", "", "CSS selector of the item's date, inside the item.", check=css_selector),
    Key("text_selector", "str", "", "CSS selector of the item's teaser text, inside the item.", check=css_selector),
    Key(
        "follow", "bool", False,
        "Read each new item's own page once (politely, at most 20 a pass) and match the topics on its text, not only "
        "on the listing's title and teaser.",
    ),
)

KIND = Kind(
    name="page",
    description=(
        "A news page without a feed (mi-is.be, Brulocalis, VVSG), read with CSS selectors. An item's identity is "
        "its absolute link; a page where the item selector finds nothing is a broken source, never \"no news\"."
    ),
    mode="stream",
    collect=collect,
    preview=lambda data, url, source: Parsed(None, "", tuple(parse_page(data, url, source.options))),
    keys=KEYS,
)
