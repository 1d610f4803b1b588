"""A source's health: ok, failing, broken, and the alerts for its changes.

The state machine, in one place:

* a good pass makes the source ``ok``; leaving ``broken`` raises one
  ``recovered`` alert;
* a failed pass counts one failure: ``failing`` until
  ``failures_before_broken`` failures in a row, then ``broken`` with one
  ``source_broken`` alert (a page that no longer parses is broken at once);
* nothing here ever touches a source's documents: a failure never makes a
  watched text look removed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from .config import Config, Source
from .reasons import Reason
from .sources import Parsed
from .store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    source_id: str
    ok: bool
    state: str  # ok | failing | broken
    not_modified: bool = False
    alerts: int = 0
    error: str | None = None


def _name(source: Source, row: dict[str, Any]) -> str:
    return source.title or row.get("law_title") or source.id


def record_success(
    store: Store,
    source: Source,
    when: str,
    *,
    not_modified: bool,
    state: dict[str, Any],
    parsed: Parsed | None = None,
    snapshot: bool = False,
    row: dict[str, Any] | None = None,
) -> CheckResult:
    """A good pass: back to ``ok`` (with a ``recovered`` alert when it was broken).

    ``row`` is the source's row as the check read it, when it has it (one
    check of a source runs at a time, so nothing else changed it since)."""
    row = row if row is not None else (store.source(source.id) or {})
    alerts = 0
    if row.get("state") == "broken":
        store.insert_alert(
            {
                "kind": "recovered",
                "source_id": source.id,
                "title": f"{_name(source, row)}: source readable again",
                "url": source.url,
                "detected_at": when,
                "topics": source.topics,
                "reason": Reason("source_recovered", {"since": row.get("broken_since"), "error": row.get("last_error")}),
            }
        )
        log.warning("%s: recovered (broken since %s)", source.id, row.get("broken_since"))
        alerts = 1
    values: dict[str, Any] = {
        "state": "ok",
        "last_checked": when,
        "last_success": when,
        "consecutive_failures": 0,
        "last_error": None,
        "broken_since": None,
        "state_json": json.dumps(state, ensure_ascii=False, sort_keys=True) if state else None,
    }
    if parsed is not None:
        if snapshot:
            values["law_numac"] = parsed.identity or row.get("law_numac")
            values["refs"] = json.dumps(sorted(parsed.refs))
        values["law_title"] = parsed.title or row.get("law_title")
        values["warning"] = "; ".join(parsed.warnings) or None
        for w in parsed.warnings:
            log.warning("%s: %s", source.id, w)
        if not row.get("baseline_at"):
            values["baseline_at"] = when
    store.update_source(source.id, **values)
    store.record_check(source.id, when, True)
    return CheckResult(source.id, True, "ok", not_modified=not_modified, alerts=alerts)


def record_failure(store: Store, config: Config, source: Source, error: str, *, at_once: bool, when: str) -> CheckResult:
    """A failed pass: one more failure, and ``broken`` (with its one alert) when it is time."""
    row = store.source(source.id) or {}
    failures = int(row.get("consecutive_failures") or 0) + 1
    broken = at_once or failures >= config.settings.failures_before_broken
    was_broken = row.get("state") == "broken"
    values: dict[str, Any] = {
        "last_checked": when,
        "consecutive_failures": failures,
        "last_error": error,
        "state": "broken" if broken or was_broken else "failing",
    }
    alerts = 0
    if values["state"] != row.get("state"):
        log.info("%s: %s -> %s (%s)", source.id, row.get("state") or "new", values["state"], error)
    if broken and not was_broken:
        values["broken_since"] = when
        store.insert_alert(
            {
                "kind": "source_broken",
                "source_id": source.id,
                "title": f"{_name(source, row)}: source broken",
                "url": source.url,
                "detected_at": when,
                "topics": source.topics,
                "reason": Reason("source_broken", {"error": error}),
            }
        )
        log.warning("%s: broken: %s", source.id, error)
        alerts = 1
    store.update_source(source.id, **values)
    store.record_check(source.id, when, False)
    return CheckResult(source.id, False, values["state"], alerts=alerts, error=error)
