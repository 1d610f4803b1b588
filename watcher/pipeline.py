"""Check one source: fetch -> keep the bytes -> parse -> diff -> alerts.

The network calls happen first, outside any transaction (the adapter's
``collect`` only records them); everything the check then writes (fetch
records, payloads, versions, alerts, health) is one transaction, so a killed
process loses a whole pass or nothing, and the next pass re-detects what was
lost exactly once.

Rules that protect history:

* the first good check of a source is its baseline: no change alerts;
* a fetch failure or an unrecognisable page never marks anything removed:
  it counts towards ``broken`` (a page that no longer parses is broken at
  once), raises one ``source_broken`` alert on entering that state and one
  ``recovered`` alert on leaving it, and the last good versions stay current;
* a snapshot page that parses but is another law (another numac) or lost
  most of its articles is broken too;
* HTTP validators are saved only once a payload parsed, per source and per
  settings that change the parse (the source's fingerprint), so a 304 always
  means "same as the last good page, read the same way".
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from . import stories
from .apply import apply_snapshot, apply_stream
from .config import Config, Source
from .errors import FetchError, Interrupted, ParseError, StoreError
from .health import CheckResult, record_failure, record_success
from .http import Http
from .matching import Matcher, classify
from .sources import Capture, Context, Parsed, kind
from .store import Document, Store, utcnow
from .text import one_line

log = logging.getLogger(__name__)

__all__ = ["CheckResult", "check_source"]


def check_source(
    store: Store,
    http: Http,
    config: Config,
    source: Source,
    matcher: Matcher,
    *,
    now: Callable[[], str] = utcnow,
) -> CheckResult:
    """Run one check of ``source`` and record everything it learned."""
    row = store.ensure_source(source.id, source.kind, source.url, source.title)
    fingerprint = config.fingerprint(source)
    declared = kind(source.kind)
    snapshot = declared.mode == "snapshot"
    known = store.documents(source.id)

    def validators(url: str) -> tuple[str | None, str | None]:
        v = store.validators(source.id, url, fingerprint)
        return v.etag, v.last_modified

    ctx = Context(
        source,
        http,
        now=now,
        today=datetime.now(ZoneInfo(config.settings.timezone)).date(),
        validators=validators,
        state=json.loads(row["state_json"]) if row.get("state_json") else {},
        known=known,
        matches=lambda text: bool(classify(matcher, text, source.topics).topics),
        baseline=not row.get("baseline_at"),
        until=time.monotonic() + config.settings.source_deadline,
        settings=config.settings,
    )
    started = now()
    try:
        parsed = declared.collect(ctx)
        if snapshot and not parsed.not_modified:
            _sanity(row, parsed, known)
    except FetchError as e:
        log.info("%s: fetch failed: %s", source.id, e)
        with store.atomic():
            _record(store, source, ctx.captures)
            return record_failure(store, config, source, str(e), at_once=False, when=started)
    except ParseError as e:
        log.info("%s: parse error: %s", source.id, e)
        with store.atomic():
            _record(store, source, ctx.captures, error=f"parse error: {e}")
            _forget(store, source, ctx)
            return record_failure(store, config, source, f"parse error: {e}", at_once=True, when=started)
    except (Interrupted, StoreError):
        raise
    except Exception as e:
        # Counted like any failure (failing, then broken with its one alert),
        # never "checked, unchanged"; the traceback is logged when the state
        # changes, not on every pass.
        error = f"internal error: {type(e).__name__}: {one_line(str(e))}"
        with store.atomic():
            _record(store, source, ctx.captures, error=error)
            _forget(store, source, ctx)
            before = (store.source(source.id) or {}).get("state")
            result = record_failure(store, config, source, error, at_once=False, when=started)
        if result.state != before:
            log.error("%s: %s", source.id, error, exc_info=True)
        else:
            log.warning("%s: %s (again)", source.id, error)
        return result

    with store.atomic():
        fetch_ids = _record(store, source, ctx.captures)
        main = next((c for c in ctx.captures if c.sha256), None)
        if parsed.not_modified:
            store.touch_present_documents(source.id, started)
            return record_success(store, source, started, not_modified=True, state=ctx.state, row=row)
        default = (fetch_ids.get(main.sha256) if main and main.sha256 else None, main.sha256 if main else None)
        if snapshot:
            raised = apply_snapshot(store, matcher, source, parsed, started, default, fingerprint, row, known)
        else:
            raised = apply_stream(store, matcher, source, parsed, started, default, fetch_ids, ctx.baseline, known)
        consolidated = parsed.facts.get("updated") if snapshot else None
        for alert_id in raised:
            a = store.alert(alert_id)
            if a is not None:
                stories.link(store, a, source.kind, consolidated=consolidated)
        for url, (etag, modified, digest) in ctx.earned.items():
            store.save_validators(source.id, url, etag, modified, digest, fingerprint)
        result = record_success(
            store, source, started, not_modified=False, parsed=parsed, state=ctx.state, snapshot=snapshot, row=row
        )
        store.update_source(source.id, config_hash=fingerprint)
        return CheckResult(source.id, True, "ok", alerts=len(raised) + result.alerts)


def _forget(store: Store, source: Source, ctx: Context) -> None:
    """A page we could not read must be fetched in full next time."""
    for url in ctx.earned:
        store.forget_validators(source.id, url)


def _record(store: Store, source: Source, captures: list[Capture], error: str | None = None) -> dict[str, int]:
    """Write the pass's fetches and payloads, and what the pass cost each host;
    return fetch ids by payload sha256."""
    ids: dict[str, int] = {}
    hosts: dict[str, int] = {}
    for c in captures:
        host = urlsplit(c.url).hostname or "?"
        hosts[host] = hosts.get(host, 0) + 1
    store.update_source(source.id, pass_requests=json.dumps(hosts, sort_keys=True))
    for c in captures:
        f = c.fetched
        if f is not None and c.sha256:
            store.put_payload(f.content, f.content_type)
        fetch_id = store.record_fetch(
            source_id=source.id,
            url=c.url,
            final_url=f.final_url if f else None,
            started_at=c.started_at,
            status=f.status if f else None,
            bytes=len(f.content) if f else None,
            etag=f.etag if f else None,
            last_modified=f.last_modified if f else None,
            duration_ms=f.duration_ms if f else None,
            not_modified=int(f.not_modified) if f else 0,
            error=c.error or (error if f and c is captures[-1] else None),
            sha256=c.sha256,
        )
        if f is not None:
            log.info(
                "fetch source=%s url=%s status=%s bytes=%d duration_ms=%d%s",
                source.id, c.url, f.status, len(f.content), f.duration_ms, " not-modified" if f.not_modified else "",
            )
        if c.sha256:
            ids[c.sha256] = fetch_id
    return ids


def _sanity(row: dict[str, Any], parsed: Parsed, known: dict[str, Document]) -> None:
    """Refuse a parse that is another law, or a cut-off page that would
    make watched articles look removed.

    Justel never drops a repealed article (it prints "Abrogé"), so a page
    that lost most of the articles it had is cut off or wrong.  It is only
    refused when that would cost a watched article: a shorter page that
    still holds every watched article (an excerpt, another view of the same
    law) is read as usual.
    """
    if row.get("law_numac") and parsed.identity and parsed.identity != row["law_numac"]:
        raise ParseError(
            f"the page now holds numac {parsed.identity}, not {row['law_numac']} as before; "
            "the URL may point to another text"
        )
    previous = set(json.loads(row["refs"])) if row.get("refs") else set()
    if len(previous) >= 4:
        kept = len(previous & parsed.refs)
        lost_watched = [d.ref for d in known.values() if d.present and d.ref not in parsed.texts]
        if kept * 2 < len(previous) and lost_watched:
            raise ParseError(
                f"the page holds only {kept} of the {len(previous)} articles it had, and not watched "
                f"article(s) {', '.join(lost_watched[:5])}; it looks truncated or is another page"
            )
