"""Atom feeds of the archive, each entry carrying its diff.

Built with ElementTree, so every text is XML-escaped; the entry content is
HTML (type="html"), itself made of escaped text and our own <del>/<ins>.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from xml.etree import ElementTree as ET
from zoneinfo import ZoneInfo

from flask import Response
from markupsafe import escape

from ..diff import render_html
from ..store import Alert

ATOM = "http://www.w3.org/2005/Atom"
# What XML 1.0 cannot carry at all: one such character makes the feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(text: str) -> str:
    return _NOT_XML.sub("", text)
SIZE = 100  # entries per feed


def atom(rows: list[Alert], base: str, title: str, self_path: str, topics: dict[str, str], tz: ZoneInfo, lang: str = "en",
    notes: dict[int, list[dict[str, Any]]] | None = None,
) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = base + self_path
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="self", href=base + self_path)
    ET.SubElement(feed, f"{{{ATOM}}}link", rel="alternate", href=base)
    updated = rows[0].detected_at if rows else datetime.now(UTC).isoformat(timespec="seconds")
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = updated
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "watcher"
    for r in rows:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        page = f"{base}alerts/{r.id}/"
        ET.SubElement(entry, f"{{{ATOM}}}id").text = page
        ET.SubElement(entry, f"{{{ATOM}}}title").text = _x(" ".join(f"[{r.kind}] {r.title}".split()))
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = r.detected_at
        if r.published:
            ET.SubElement(entry, f"{{{ATOM}}}published").text = f"{r.published}T00:00:00+00:00"
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=page)
        official = r.url or ""
        if official.startswith(("http://", "https://")):
            ET.SubElement(entry, f"{{{ATOM}}}link", rel="related", href=_x(official))
        for t in r.topics:
            ET.SubElement(entry, f"{{{ATOM}}}category", term=_x(t), label=_x(topics.get(t, t)))
        body = [f"<p>{escape(r.reason.text(lang))}</p>"]
        if r.matches:
            body.append(f"<p>{escape(', '.join(r.matches))}</p>")
        for n in (notes or {}).get(r.id, []):
            who = f", {n['author']}" if n["author"] else ""
            words = " / ".join(x for x in (n["fr"], n["nl"]) if x)
            body.append(f"<p><strong>Note ({escape(n['status'])}{escape(who)})</strong>: {escape(words)}</p>")
        if r.diff:
            body.append(f"<p>{render_html(r.diff)}</p>")
        elif r.snippet:
            body.append(f"<p>{escape(r.snippet)}</p>")
        if official.startswith(("http://", "https://")):
            body.append(f'<p><a href="{escape(official)}">{escape(official)}</a></p>')
        content = ET.SubElement(entry, f"{{{ATOM}}}content", type="html")
        content.text = _x("".join(body))
    return bytes(ET.tostring(feed, encoding="utf-8", xml_declaration=True))


def response(body: bytes) -> Response:
    return Response(body, mimetype="application/atom+xml")
