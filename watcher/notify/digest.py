"""What one digest says, and when it is due.

Which alerts are pending and what was sent live in :mod:`watcher.outbox`;
this module assembles one message's content from them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from ..config import WEEKDAYS, Config, Digest
from ..outbox import digest_start, last_sent, pending, refusals, reported_earlier
from ..sources import kind
from ..store import CHANGE_KINDS, Alert, Store


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
    times: int = 0  # good checks in the period


@dataclass
class Content:
    """Everything one digest message says."""

    digest: Digest
    alerts: list[Alert]
    checked: list[Checked]
    broken: list[Checked]
    period_start: str
    period_end: str
    refused: dict[str, int] = field(default_factory=dict)  # address -> consecutive sends it was refused in
    stories: dict[int, StoryLine] = field(default_factory=dict)  # alert id -> the story it belongs to
    notes: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # alert id -> lawyers' notes


@dataclass(frozen=True)
class StoryLine:
    """What a digest says of an alert's story: its title, dates and what was reported before."""

    id: int
    title: str
    published: str | None
    in_force: str | None
    consolidated: str | None
    earlier: tuple[tuple[str, str], ...]  # (step, sent_at) already in a digest


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


def period_start(store: Store, digest: Digest, now_utc: datetime, *, record: bool = True) -> str:
    sent = last_sent(store, digest.id)
    if sent:
        return str(sent["sent_at"])
    return digest_start(store, digest, now_utc, record=record)


def is_due(store: Store, digest: Digest, now: datetime, has_alerts: bool) -> bool:
    """Whether the digest should go out now (without --force)."""
    if digest.frequency == "immediate":
        return has_alerts
    slot = scheduled_time(digest, now)
    assert slot is not None
    sent = last_sent(store, digest.id)
    if sent and datetime.fromisoformat(str(sent["sent_at"])) >= slot.astimezone(UTC):
        return False
    return has_alerts or digest.send_empty




def checked_since(
    store: Store, config: Config, digest: Digest, since: str, alerts: Sequence[Alert] = ()
) -> tuple[list[Checked], list[Checked]]:
    """Sources checked since ``since`` with the provisions that did *not*
    change (a provision with a change in this digest is not "unchanged"; a
    source whose every provision changed is not listed), and broken ones."""
    changed = {(a.source_id, a.ref) for a in alerts if a.kind in CHANGE_KINDS}
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
        item.times, last = store.good_checks(source.id, since)
        item.last_success = last or item.last_success
        item.times = item.times or 1  # a database from before checks were counted
        if kind(source.kind).mode == "snapshot":
            present = store.present_documents(source.id)
            item.provisions = [f"art. {d.number or d.ref}" for d in present if (source.id, d.ref) not in changed]
            if present and not item.provisions:
                continue  # every provision changed: nothing of it is "unchanged"
        checked.append(item)
    return checked, broken


def build(
    store: Store, config: Config, digest: Digest, now_utc: datetime | None = None, *, record: bool = True
) -> Content:
    """One message's content; with ``record`` false (a dry run) nothing is written."""
    now_utc = now_utc or datetime.now(UTC)
    since = period_start(store, digest, now_utc, record=record)
    alerts = pending(store, digest, digest_start(store, digest, now_utc, record=record))
    checked, broken = checked_since(store, config, digest, since, alerts)
    # Alerts of one story side by side, in the order their first step came.
    known = store.stories_of([a.id for a in alerts])
    story_of = {a.id: known.get(a.id) for a in alerts}
    first: dict[int, int] = {}
    for a in alerts:
        first.setdefault(story_of[a.id] or -a.id, a.id)
    alerts.sort(key=lambda a: (first[story_of[a.id] or -a.id], a.id))
    lines: dict[int, StoryLine | None] = {}  # story id -> its line, read once per story
    for sid in dict.fromkeys(s for s in story_of.values() if s is not None):
        row = store.story(sid)
        lines[sid] = None if row is None else StoryLine(
            sid, row["title"], row["published"], row["in_force"], row["consolidated"],
            tuple(reported_earlier(store, digest.id, sid)),
        )
    stories: dict[int, StoryLine] = {}
    for a in alerts:
        line = lines.get(story_of[a.id] or 0)
        if line is not None:
            stories[a.id] = line
    return Content(
        digest, alerts, checked, broken, since, now_utc.isoformat(timespec="seconds"), refusals(store, digest.id),
        stories, store.notes_for_many([a.id for a in alerts]),
    )
