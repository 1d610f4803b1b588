"""Written questions of the Chamber, from its open-data API (``/v0/qrva``).

Recorded shapes (../shared/fixtures/chamber/opendata_api):

* the list, ``qrva?leg=56``: ``{"disclaimer", "start", "total", "items": [...]}``,
  each item with ``link.href``, ``SDOCNAME``, ``TITF``/``TITN``, ``STATUSQ``
  (e.g. ``answerReceived``, ``answerLessPublicated``), ``DEPTF``/``DEPTN``;
* one question, ``qrva/{id}``: ``{"items": [{...}]}`` with ``DEPOTDAT``
  (YYYYMMDD), ``TEXTQF``/``TEXTQN`` (``{"br": [...]}``) and the answers
  ``TEXTA1F``…``TEXTA4N``; an unknown id answers ``{"items": []}``.

A new question is read in full (question text) when it is new; a tracked
question is read again when its status changes, so a newly received answer
is a ``status`` alert carrying the answer's words.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import ParseError
from ..text import collapse
from . import Context, Doc, Kind, Parsed

if TYPE_CHECKING:
    from ..config import Source

ACCEPT = "application/json, application/xml;q=0.5"
"""What we ask the API for: JSON (as recorded), XML accepted (the same API serves both)."""


def _json(data: bytes) -> dict[str, Any]:
    """An open-data answer, JSON or XML, as the JSON shape: ``{"items": [...], ...}``."""
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return _xml(data)
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"not a JSON or XML answer from the open-data API: {e}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("items"), list):
        raise ParseError('open-data answer without an "items" list')
    return obj


def _xml(data: bytes) -> dict[str, Any]:
    """The XML form (``<result><items><QRVADOC><TITF>…``) in the JSON shape.

    Entities are never resolved and nothing is fetched.  Some XML text is
    UTF-8 read as Latin-1 twice ("numÃ©rique", recorded); it is repaired.
    """
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as e:
        raise ParseError(f"not a JSON or XML answer from the open-data API: {e}") from None
    items_el = root.find("items")
    if root.tag != "result" or items_el is None:
        raise ParseError("open-data XML answer without <result><items>")
    items: list[dict[str, Any]] = []
    for doc in items_el:
        if not isinstance(doc.tag, str):
            continue
        item: dict[str, Any] = {}
        for field in doc:
            if not isinstance(field.tag, str):
                continue
            if field.tag == "link":
                item["link"] = {"href": field.get("href") or "", "rel": field.get("rel") or ""}
                continue
            text = _repair("".join(field.itertext()).strip())
            item[field.tag] = text or None
        items.append(item)
    out: dict[str, Any] = {"items": items}
    for name in ("start", "total"):
        el = root.find(name)
        if el is not None and (el.text or "").strip().isdigit():
            out[name] = int((el.text or "").strip())
    return out


def _repair(text: str) -> str:
    """"numÃ©rique" -> "numérique": UTF-8 bytes that were decoded as Latin-1."""
    if "Ã" not in text and "Â" not in text:
        return text
    try:
        return text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return text


def _text(value: Any) -> str:
    """``{"br": ["…", "…"]}``, a list or a plain string, as text lines."""
    if value is None:
        return ""
    if isinstance(value, dict):
        value = value.get("br", [])
    if isinstance(value, list):
        return "\n".join(collapse(str(v)) for v in value if v and str(v).strip())
    return collapse(str(value))


def parse_list(data: bytes) -> list[dict[str, Any]]:
    """The question summaries of a list answer; an empty list is a ParseError
    (the API has questions for every legislature: none means something broke)."""
    items = _json(data)["items"]
    out = []
    for it in items:
        if not isinstance(it, dict) or not it.get("SDOCNAME"):
            continue
        out.append(it)
    if not out:
        raise ParseError("the open-data API returned no question")
    return out


def parse_item(data: bytes) -> dict[str, Any] | None:
    """One question in full, or None when the API does not know it."""
    items = _json(data)["items"]
    return items[0] if items and isinstance(items[0], dict) else None


def _date(value: Any) -> str | None:
    s = str(value or "")
    return f"{s[:4]}-{s[4:6]}-{s[6:8]}" if len(s) == 8 and s.isdigit() else None


def _doc(summary: dict[str, Any], full: dict[str, Any] | None, sha: str | None, ident: str | None = None) -> Doc:
    """A question as a doc; ``ident`` when the answer does not carry its list id
    (a single question's answer has ``DOCNAME``, not the list's ``SDOCNAME``)."""
    it = {**summary, **(full or {})}
    ident = ident or str(it.get("SDOCNAME") or "")
    if not ident:
        raise ParseError("an open-data question without its id (SDOCNAME)")
    title_f, title_n = collapse(str(it.get("TITF") or "")), collapse(str(it.get("TITN") or ""))
    lines = [title_f, title_n]
    if full:
        lines += [_text(full.get("TEXTQF")), _text(full.get("TEXTQN"))]
    answers = []
    for n in range(1, 5):
        if full and (full.get(f"TEXTA{n}F") or full.get(f"TEXTA{n}N")):
            answers.append(f"answer {n}")
            lines += [f"— Réponse / Antwoord {n}:", _text(full.get(f"TEXTA{n}F")), _text(full.get(f"TEXTA{n}N"))]
    href = (it.get("link") or {}).get("href") or ""
    subjects = " | ".join(_text(it.get(k)) for k in _THESAURUS if it.get(k))
    return Doc(
        extra=subjects,
        key=ident,
        ref=ident,
        number=ident,
        title=title_f or title_n,
        url=str(href),
        text="\n".join(line for line in lines if line),
        published=_date(it.get("DEPOTDAT")),
        status=str(it.get("STATUSQ") or "") or None,
        events=tuple(answers),
        sha256=sha,
    )


MAX_PAGES = 20  # a pass reads at most this many list pages (10 questions each)
MAX_REPOLLS = 50  # and re-reads at most this many unanswered tracked questions
MAX_NEW_READS = 60  # and reads at most this many new questions in full
_THESAURUS = ("MAIN_THESAF", "MAIN_THESAN", "THESAF", "THESAN", "DESCF", "DESCN", "FREEF", "FREEN")


def _page_url(url: str, start: int) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k != "start"] + [("start", str(start))]
    return urlunsplit(parts._replace(query=urlencode(query)))


def preview(data: bytes, url: str, source: Source) -> Parsed:
    """A list answer as its questions, or one question's answer in full."""
    answer = _json(data)
    items = [it for it in answer["items"] if isinstance(it, dict)]
    if items and not items[0].get("SDOCNAME"):
        full = items[0]
        ident = str(full.get("DOCNAME") or full.get("ID") or "")
        return Parsed(None, "Question écrite", (_doc(full, full, None, ident=ident),))
    summaries = parse_list(data)
    return Parsed(None, "Questions écrites", tuple(_doc(s, None, None) for s in summaries),
                  facts={"total": str(answer.get("total") or len(summaries))})


def collect(ctx: Context) -> Parsed:
    """Read the newest list pages until one holds only known questions, then
    re-read the tracked questions still waiting for an answer."""
    first = ctx.fetch(ctx.source.url, conditional=True, accept=ACCEPT)
    summaries: list[dict[str, Any]] = []
    if first is not None:
        page, answer = parse_list(first.content), _json(first.content)
        summaries.extend(page)
        start, total = int(answer.get("start") or 0), int(answer.get("total") or 0)
        pages = 1
        # The list is paged (10 a page); "start" is the recorded answer's own key.
        while (
            not ctx.baseline
            and pages < MAX_PAGES
            and start + len(page) < total
            and any(str(it["SDOCNAME"]) not in ctx.known for it in page)
        ):
            start += len(page)
            more = ctx.fetch(_page_url(ctx.source.url, start), accept=ACCEPT)
            assert more is not None
            page = parse_list(more.content)
            summaries.extend(page)
            pages += 1
    docs: list[Doc] = []
    listed: set[str] = set()
    reads = 0
    for summary in summaries:
        ident = str(summary["SDOCNAME"])
        listed.add(ident)
        known = ctx.known.get(ident)
        status = str(summary.get("STATUSQ") or "") or None
        href = (summary.get("link") or {}).get("href")
        if known is None:
            full = None
            # Every new question is read in full (its text and thesaurus
            # fields are what a topic matches, not only its title), within a
            # bound per pass; none during the baseline.
            if href and not ctx.baseline and reads < MAX_NEW_READS:
                reads += 1
                fetched = ctx.fetch(str(href), accept=ACCEPT)
                assert fetched is not None
                full = parse_item(fetched.content)
            docs.append(_doc(summary, full, ctx.captures[-1].sha256 if full else None))
        elif known.tracked and status != known.status and href:
            fetched = ctx.fetch(str(href), accept=ACCEPT)
            assert fetched is not None
            docs.append(_doc(summary, parse_item(fetched.content), ctx.captures[-1].sha256))
    # Tracked questions no longer on the newest pages are read one by one
    # until their answer is in.
    waiting = [k for k in ctx.tracked() if k.key not in listed and k.status != "answerReceived" and k.url]
    for known in waiting[:MAX_REPOLLS]:
        fetched = ctx.fetch(str(known.url), accept=ACCEPT)
        assert fetched is not None
        full = parse_item(fetched.content)
        if full is not None and str(full.get("STATUSQ") or "") != (known.status or ""):
            docs.append(_doc(full, full, ctx.captures[-1].sha256, ident=known.key))
    return Parsed(None, "Questions écrites", tuple(docs))


KIND = Kind(
    name="chamber-questions",
    description=(
        "Written parliamentary questions from the Chamber's open-data API (`/v0/qrva`): new questions touching a "
        "topic, and the answer to a tracked question as a `status` alert."
    ),
    mode="stream",
    collect=collect,
    preview=preview,
    accept=ACCEPT,
)
