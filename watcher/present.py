"""How an alert is shown as data: one shape for `watcher alerts --json`,
the archive's `/api/alerts` and its static `api/alerts.json`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def local(ts: str | None, tz: ZoneInfo) -> str | None:
    """ISO 8601 in the configured time zone (stored times are UTC)."""
    if not ts:
        return ts
    return datetime.fromisoformat(ts).astimezone(tz).isoformat(timespec="seconds")


def alert_json(r: dict[str, Any], tz: ZoneInfo) -> dict[str, Any]:
    return {
        "id": r["id"],
        "kind": r["kind"],
        "source_id": r["source_id"],
        "ref": r["ref"],
        "title": r["title"],
        "url": r["url"],
        "detected_at": local(r["detected_at"], tz),
        "topics": r["topics"],
        "matches": r["matches"],
        "snippet": r["snippet"] or "",
        "published": r["published"],
        "before": r["before"],
        "after": r["after"],
        "diff": r["diff"],
        "reason": r["reason"],
        "sha256": r["sha256"],
    }
