"""Which alerts go into which digest, when a digest is due, and the outbox.

Exactly once, per ``[[digest]]``: an alert belongs to a digest when its
topics meet the digest's (or the digest takes every topic; broken and
recovered sources go to every digest).  It is pending until a send that
carries it is marked ``sent``.  A send is written as ``sending`` with its
alerts *before* the SMTP conversation and marked ``sent`` after it; a failed
conversation deletes it; a crash in between leaves ``sending``, which does
not count as delivered, so those alerts go out again next time.  watcher
therefore errs towards one duplicate mail, never towards a lost alert: a
federation can shrug off a mail twice, not a missed amendment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

from ..config import WEEKDAYS, Config, Digest
from ..store import Store, utcnow

FIRST_PERIOD = {"immediate": timedelta(days=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}
OPERATIONAL = ("source_broken", "recovered")


@dataclass
class Checked:
    """One line of "checked, unchanged": a source and what it covers."""

    source_id: str
    title: str
    url: str
    state: str
    last_success: str | None
    broken_since: str | None
    error: str | None
    provisions: list[str] = field(default_factory=list)


@dataclass
class Content:
    """Everything one digest message says."""

    digest: Digest
    alerts: list[dict[str, Any]]
    checked: list[Checked]
    broken: list[Checked]
    period_start: str
    period_end: str


def last_sent(store: Store, digest_id: str) -> dict[str, Any] | None:
    rows = list(
        store.db.query(
            "SELECT * FROM sends WHERE digest_id = ? AND state = 'sent' ORDER BY id DESC LIMIT 1", [digest_id]
        )
    )
    return rows[0] if rows else None


def scheduled_time(digest: Digest, now: datetime) -> datetime | None:
    """The latest moment this digest was due at or before ``now`` (local time)."""
    if digest.frequency == "immediate":
        return None
    hour, minute = (int(x) for x in digest.at.split(":"))
    slot = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if digest.frequency == "daily":
        return slot if slot <= now else slot - timedelta(days=1)
    days_back = (now.weekday() - WEEKDAYS.index(digest.weekday)) % 7
    slot -= timedelta(days=days_back)
    return slot if slot <= now else slot - timedelta(days=7)


def digest_start(store: Store, digest: Digest, now_utc: datetime) -> str:
    """When this digest began (fixed the first time it is seen): one period
    before that moment, so the first digest carries the latest news."""
    row = store.db.execute("SELECT start FROM digests WHERE id = ?", [digest.id]).fetchone()
    if row:
        return str(row[0])
    start = (now_utc - FIRST_PERIOD[digest.frequency]).isoformat(timespec="seconds")
    store.db.execute("INSERT OR IGNORE INTO digests (id, start) VALUES (?, ?)", [digest.id, start])
    return start


def period_start(store: Store, digest: Digest, now_utc: datetime) -> str:
    sent = last_sent(store, digest.id)
    if sent:
        return str(sent["sent_at"])
    return digest_start(store, digest, now_utc)


def pending(store: Store, digest: Digest, start: str) -> list[dict[str, Any]]:
    """Alerts of this digest detected since it began and not yet in a sent digest."""
    sql = (
        "SELECT * FROM alerts a WHERE a.detected_at >= ? AND NOT EXISTS ("
        " SELECT 1 FROM send_items i JOIN sends s ON s.id = i.send_id"
        " WHERE i.alert_id = a.id AND s.digest_id = ? AND s.state = 'sent')"
    )
    args: list[Any] = [start, digest.id]
    if digest.topics:
        # Topics filtered in SQL: only this digest's alerts are decoded.
        marks = ", ".join("?" for _ in digest.topics)
        sql += f" AND (a.kind IN ('source_broken', 'recovered') OR EXISTS (SELECT 1 FROM json_each(a.topics) WHERE value IN ({marks})))"
        args.extend(digest.topics)
    out = []
    for row in store.db.query(sql + " ORDER BY a.id", args):
        row["topics"] = json.loads(row["topics"])
        row["matches"] = json.loads(row["matches"]) if row["matches"] else []
        row["diff"] = json.loads(row["diff"]) if row["diff"] else []
        out.append(row)
    return out


def is_due(store: Store, digest: Digest, now: datetime, has_alerts: bool) -> bool:
    """Whether the digest should go out now (without --force)."""
    if digest.frequency == "immediate":
        return has_alerts
    slot = scheduled_time(digest, now)
    assert slot is not None
    sent = last_sent(store, digest.id)
    if sent and datetime.fromisoformat(str(sent["sent_at"])) >= slot.astimezone(timezone.utc):
        return False
    return has_alerts or digest.send_empty


def checked_since(store: Store, config: Config, digest: Digest, since: str) -> tuple[list[Checked], list[Checked]]:
    """Sources verified since ``since`` with what they cover, and broken ones."""
    rows = {r["id"]: r for r in store.sources()}
    wanted = set(digest.topics)
    checked: list[Checked] = []
    broken: list[Checked] = []
    for source in config.sources:
        row = rows.get(source.id)
        if row is None or not source.enabled:
            continue
        off_topic = bool(wanted and source.topics and not wanted & set(source.topics))
        item = Checked(
            source.id,
            source.title or row.get("law_title") or source.id,
            source.url,
            row["state"],
            row["last_success"],
            row["broken_since"],
            row["last_error"],
        )
        if row["state"] == "broken":
            broken.append(item)  # reported in every digest, whatever its topics
            continue
        if off_topic or not row["last_success"] or row["last_success"] < since:
            continue
        if source.kind == "justel":
            docs = store.db.query(
                "SELECT number, ref FROM documents WHERE source_id = ? AND present = 1 ORDER BY id", [source.id]
            )
            item.provisions = [f"art. {d['number'] or d['ref']}" for d in docs]
        checked.append(item)
    return checked, broken


def build(store: Store, config: Config, digest: Digest, now_utc: datetime | None = None) -> Content:
    now_utc = now_utc or datetime.now(timezone.utc)
    since = period_start(store, digest, now_utc)
    alerts = pending(store, digest, digest_start(store, digest, now_utc))
    checked, broken = checked_since(store, config, digest, since)
    return Content(digest, alerts, checked, broken, since, now_utc.isoformat(timespec="seconds"))


def begin_send(store: Store, digest: Digest, content: Content, message_id: str) -> int:
    """Write the send as 'sending' with its alerts, before talking to SMTP."""
    with store.atomic():
        send_id = int(
            store.db["sends"]
            .insert(
                {
                    "digest_id": digest.id,
                    "state": "sending",
                    "message_id": message_id,
                    "created_at": utcnow(),
                    "period_start": content.period_start,
                    "alert_count": len(content.alerts),
                }
            )
            .last_pk
        )
        store.db["send_items"].insert_all(
            [{"send_id": send_id, "alert_id": a["id"]} for a in content.alerts], pk=("send_id", "alert_id")
        )
    return send_id


def finish_send(store: Store, send_id: int, *, error: str | None = None) -> None:
    """Mark a send delivered, or forget it (its alerts stay pending)."""
    with store.atomic():
        if error is None:
            store.db["sends"].update(send_id, {"state": "sent", "sent_at": utcnow()})
        else:
            store.db.execute("DELETE FROM send_items WHERE send_id = ?", [send_id])
            store.db["sends"].update(send_id, {"state": "failed", "error": error})


def local(ts: str | None, tz: ZoneInfo) -> str:
    if not ts:
        return "—"
    return datetime.fromisoformat(ts).astimezone(tz).strftime("%Y-%m-%d %H:%M")
