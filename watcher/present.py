"""How times and alerts are shown: one shape for `watcher alerts --json`,
the archive's `/api/alerts` and its static `api/alerts.json`, and one way
to write a time for people."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from .store import Alert
from .text import isolate


def local(ts: str | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 in the configured time zone (stored times are UTC)."""
    if not ts:
        return ts
    return datetime.fromisoformat(ts).astimezone(tz).isoformat(timespec="seconds")


def when(ts: str | None, tz: ZoneInfo) -> str:
    """"2026-11-30 17:05" in the configured time zone, "—" for no time: for people."""
    if not ts:
        return "—"
    return datetime.fromisoformat(ts).astimezone(tz).strftime("%Y-%m-%d %H:%M")


def bidi_safe(value: Any) -> Any:
    """Jinja ``finalize`` for pages and mail: every string shown is bidi-isolated
    (a no-op unless it carries bidi controls); markup keeps its markup."""
    if isinstance(value, str):
        isolated = isolate(value)
        if isolated is value:
            return value
        return Markup(isolated) if isinstance(value, Markup) else isolated
    return value


def note_json(n: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    return {"status": n["status"], "fr": n["fr"], "nl": n["nl"], "by": n["author"], "at": local(n["at"], tz),
            "on": "story" if n["story_id"] else "alert"}


def alert_json(
    a: Alert, tz: ZoneInfo, *, story: int | None = None, notes: Sequence[dict[str, Any]] = ()
) -> dict[str, Any]:
    return {
        "id": a.id,
        "kind": a.kind,
        "source_id": a.source_id,
        "ref": a.ref,
        "title": a.title,
        "url": a.url,
        "detected_at": local(a.detected_at, tz),
        "topics": list(a.topics),
        "matches": list(a.matches),
        "snippet": a.snippet,
        "published": a.published,
        "in_force": a.in_force,
        "consolidated": a.consolidated,
        "story": story,
        "notes": [note_json(n, tz) for n in notes],
        "before": a.before,
        "after": a.after,
        "diff": [list(op) for op in a.diff] if a.diff else None,
        "reason": a.reason.text("en"),
        "reason_code": a.reason.code,
        "reason_params": a.reason.as_json()["params"],
        "sha256": a.sha256,
    }
