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
from typing import Any

from ..errors import ParseError
from ..text import collapse
from . import Context, Doc, Parsed


def _json(data: bytes) -> dict[str, Any]:
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ParseError(f"not a JSON answer from the open-data API: {e}") from None
    if not isinstance(obj, dict) or not isinstance(obj.get("items"), list):
        raise ParseError('open-data answer without an "items" list')
    return obj


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


def _doc(summary: dict[str, Any], full: dict[str, Any] | None, sha: str | None) -> Doc:
    it = {**summary, **(full or {})}
    ident = str(it["SDOCNAME"])
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
    return Doc(
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


def collect(ctx: Context) -> Parsed:
    fetched = ctx.fetch(ctx.source.url, conditional=True)
    if fetched is None:
        return Parsed(None, "", (), mode="stream")
    docs = []
    for summary in parse_list(fetched.content):
        ident = str(summary["SDOCNAME"])
        known = ctx.known.get(ident)
        status = str(summary.get("STATUSQ") or "") or None
        href = (summary.get("link") or {}).get("href")
        relevant = ctx.matches(f"{summary.get('TITF') or ''}\n{summary.get('TITN') or ''}")
        if known is None:
            full = None
            if href and relevant and not ctx.baseline:
                page = ctx.fetch(str(href))
                assert page is not None
                full = parse_item(page.content)
            docs.append(_doc(summary, full, ctx.captures[-1].sha256 if full else None))
        elif known.get("tracked") and status != known.get("status") and href:
            page = ctx.fetch(str(href))
            assert page is not None
            docs.append(_doc(summary, parse_item(page.content), ctx.captures[-1].sha256))
    return Parsed(None, "Questions écrites", tuple(docs), mode="stream")
