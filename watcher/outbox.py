"""The digests' outbox, beside the store: what was sent, what is pending.

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
from datetime import datetime, timedelta
from typing import Any, Protocol

from .config import Digest
from .store import HEALTH_KINDS, Alert, Store, _pk, utcnow

_HEALTH = ", ".join(f"'{k}'" for k in HEALTH_KINDS)  # constants, for SQL

FIRST_PERIOD = {"immediate": timedelta(days=1), "daily": timedelta(days=1), "weekly": timedelta(days=7)}


def last_sent(store: Store, digest_id: str) -> dict[str, Any] | None:
    rows = list(
        store.db.query(
            "SELECT * FROM sends WHERE digest_id = ? AND state = 'sent' ORDER BY id DESC LIMIT 1", [digest_id]
        )
    )
    return rows[0] if rows else None


class Channel(Protocol):
    """What the outbox needs of a [[digest]] or a [[notify]]: its id (the outbox key) and topics."""

    @property
    def id(self) -> str: ...

    @property
    def topics(self) -> tuple[str, ...]: ...


def digest_start(store: Store, digest: Digest, now_utc: datetime, *, record: bool = True) -> str:
    """When this digest began (fixed the first time it is seen, unless
    ``record`` is false, as in a dry run): one period before that moment, so
    the first digest carries the latest news."""
    return channel_start(store, digest.id, now_utc - FIRST_PERIOD[digest.frequency], record=record)


def channel_start(store: Store, key: str, start: datetime, *, record: bool = True) -> str:
    """When a digest or a notify target began: ``start`` the first time it
    is seen (kept, unless ``record`` is false), the kept moment after that."""
    row = store.db.execute("SELECT start FROM digests WHERE id = ?", [key]).fetchone()
    if row:
        return str(row[0])
    first = start.isoformat(timespec="seconds")
    if record:
        store.db.execute("INSERT OR IGNORE INTO digests (id, start) VALUES (?, ?)", [key, first])
    return first


def pending(store: Store, digest: Channel, start: str, *, key: str | None = None, changes_only: bool = False) -> list[Alert]:
    """Alerts of this digest detected since it began and not yet in a sent digest."""
    sql = "SELECT * FROM alerts a WHERE a.detected_at >= ?"
    args: list[Any] = [start]
    if digest.topics:
        # Topics filtered in SQL: only this digest's alerts are decoded.  This
        # test comes first: SQLite tries the terms in the order written, and
        # it is the cheap one that leaves out most rows (half a digest's SQL).
        # A topic id is a slug, so its JSON form is the id in quotes: a plain
        # substring test leaves out most rows before json_each reads any.
        marks = ", ".join("?" for _ in digest.topics)
        quick = " OR ".join("instr(a.topics, ?)" for _ in digest.topics)
        sql += (f" AND (a.kind IN ({_HEALTH}) OR (({quick})"
                f" AND EXISTS (SELECT 1 FROM json_each(a.topics) WHERE value IN ({marks}))))")
        args.extend(f'"{t}"' for t in digest.topics)
        args.extend(digest.topics)
    if changes_only:
        sql += f" AND a.kind NOT IN ({_HEALTH})"
    sql += (
        " AND NOT EXISTS ("
        " SELECT 1 FROM send_items i JOIN sends s ON s.id = i.send_id"
        " WHERE i.alert_id = a.id AND s.digest_id = ? AND s.state = 'sent')"
        # a lawyer's "irrelevant" (on the alert or its story) keeps it out of
        # digests, until a later note says otherwise: the latest note decides
        " AND coalesce((SELECT n.status FROM notes n WHERE n.alert_id = a.id"
        " OR n.story_id = (SELECT story_id FROM story_alerts WHERE alert_id = a.id)"
        " ORDER BY n.id DESC LIMIT 1), '') != 'irrelevant'"
    )
    args.append(key or digest.id)
    return store.alerts_from_rows(store.db.query(sql + " ORDER BY a.id", args))


def begin_send(store: Store, digest: Channel | str, alerts: list[Alert], period_start: str, message_id: str) -> int:
    """Write the send as 'sending' with its alerts, before talking to SMTP."""
    with store.atomic():
        send_id = _pk(
            store.db.table("sends")
            .insert(
                {
                    "digest_id": digest if isinstance(digest, str) else digest.id,
                    "state": "sending",
                    "message_id": message_id,
                    "created_at": utcnow(),
                    "period_start": period_start,
                    "alert_count": len(alerts),
                }
            )
            .last_pk
        )
        store.db.table("send_items").insert_all(
            [{"send_id": send_id, "alert_id": a.id} for a in alerts], pk=("send_id", "alert_id")
        )
    return send_id


def finish_send(store: Store, send_id: int, *, error: str | None = None, refused: list[str] | None = None) -> None:
    """Mark a send delivered (with the recipients the server refused), or
    forget it (its alerts stay pending)."""
    with store.atomic():
        if error is None:
            values = {"state": "sent", "sent_at": utcnow(), "refused": json.dumps(sorted(refused or []))}
            store.db.table("sends").update(send_id, values)
        else:
            store.db.execute("DELETE FROM send_items WHERE send_id = ?", [send_id])
            store.db.table("sends").update(send_id, {"state": "failed", "error": error})


def refusals(store: Store, digest_id: str, window: int = 10) -> dict[str, int]:
    """Addresses the SMTP server refused in each of this digest's latest
    sends, with in how many sends in a row (the latest first)."""
    columns = {c.name for c in store.db.table("sends").columns}
    if "refused" not in columns:  # a database not migrated yet (read-only dry run)
        return {}
    rows = store.db.execute(
        "SELECT refused FROM sends WHERE digest_id = ? AND state = 'sent' ORDER BY id DESC LIMIT ?",
        [digest_id, window],
    ).fetchall()
    streak: dict[str, int] = {}
    alive: set[str] | None = None
    for (refused,) in rows:
        now = set(json.loads(refused)) if refused else set()
        alive = now if alive is None else alive & now
        if not alive:
            break
        for address in alive:
            streak[address] = streak.get(address, 0) + 1
    return dict(sorted(streak.items()))


def reported_earlier(store: Store, digest_id: str, story_id: int) -> list[tuple[str, str]]:
    """(step, sent_at) of the story's alerts this digest already carried."""
    rows = store.db.execute(
        "SELECT sa.step, max(s.sent_at) FROM story_alerts sa JOIN send_items i ON i.alert_id = sa.alert_id "
        "JOIN sends s ON s.id = i.send_id AND s.state = 'sent' AND s.digest_id = ? "
        "WHERE sa.story_id = ? GROUP BY sa.alert_id ORDER BY 2",
        [digest_id, story_id],
    ).fetchall()
    return [(str(step), str(at)) for step, at in rows if step]
