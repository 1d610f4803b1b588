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
  selection settings, so a 304 always means "same as the last good page".
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

from .config import Config, Source
from .diff import word_diff
from .errors import FetchError, Interrupted, ParseError, SourceError
from .http import Http
from .matching import Matcher, TopicHits, classify
from .sources import Capture, Context, Doc, Parsed, adapter
from .store import Store, utcnow

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    source_id: str
    ok: bool
    state: str  # ok | failing | broken
    not_modified: bool = False
    alerts: int = 0
    error: str | None = None


def check_source(
    store: Store, http: Http, config: Config, source: Source, *, now: Callable[[], str] = utcnow
) -> CheckResult:
    """Run one check of ``source`` and record everything it learned."""
    store.ensure_source(source.id, source.kind, source.url, source.title)
    row = store.source(source.id) or {}
    config_hash = _config_hash(source)
    matcher = _matcher(config)
    known = store.documents(source.id)

    def validators(url: str) -> tuple[str | None, str | None]:
        v = store.validators(source.id, url, config_hash)
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
    )
    started = now()
    try:
        parsed = adapter(source.kind).collect(ctx)
        if parsed.mode == "snapshot" and not parsed.not_modified:
            _sanity(row, parsed, known)
    except FetchError as e:
        log.info("%s: fetch failed: %s", source.id, e)
        with store.atomic():
            _record(store, source, ctx.captures)
            return _failure(store, config, source, str(e), at_once=False, when=started)
    except ParseError as e:
        log.info("%s: parse error: %s", source.id, e)
        with store.atomic():
            _record(store, source, ctx.captures, error=f"parse error: {e}")
            for url in ctx.earned:
                # A page we could not read must be fetched in full next time.
                store.forget_validators(source.id, url)
            return _failure(store, config, source, f"parse error: {e}", at_once=True, when=started)

    with store.atomic():
        fetch_ids = _record(store, source, ctx.captures)
        main = next((c for c in ctx.captures if c.sha256), None)
        if parsed.not_modified:
            store.touch_present_documents(source.id, started)
            return _success(store, source, started, not_modified=True, state=ctx.state)
        default = (fetch_ids.get(main.sha256) if main and main.sha256 else None, main.sha256 if main else None)
        if parsed.mode == "snapshot":
            alerts = _apply_snapshot(store, matcher, source, parsed, started, default, config_hash)
        else:
            alerts = _apply_stream(store, matcher, source, parsed, started, default, fetch_ids, ctx.baseline)
        for url, (etag, modified, digest) in ctx.earned.items():
            store.save_validators(source.id, url, etag, modified, digest, config_hash)
        result = _success(store, source, started, not_modified=False, parsed=parsed, state=ctx.state)
        store.update_source(source.id, config_hash=config_hash)
        return CheckResult(source.id, True, "ok", alerts=alerts + result.alerts)


_MATCHERS: dict[int, tuple[Config, Matcher]] = {}


def _matcher(config: Config) -> Matcher:
    """One compiled matcher per loaded configuration (it is immutable)."""
    cached = _MATCHERS.get(id(config))
    if cached is None or cached[0] is not config:
        cached = (config, Matcher(config.topics))
        _MATCHERS[id(config)] = cached
    return cached[1]


def _config_hash(source: Source) -> str:
    """What a parse of this source depends on besides the bytes."""
    parts = [source.kind, source.url, "\x1f".join(source.articles), "\x1f".join(source.articles_matching)]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]


def _record(store: Store, source: Source, captures: list[Capture], error: str | None = None) -> dict[str, int]:
    """Write the pass's fetches and payloads; return fetch ids by payload sha256."""
    ids: dict[str, int] = {}
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


def _sanity(row: dict[str, Any], parsed: Parsed, known: dict[str, dict[str, Any]]) -> None:
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
        lost_watched = [d["ref"] for d in known.values() if d["present"] and d["ref"] not in parsed.texts]
        if kept * 2 < len(previous) and lost_watched:
            raise ParseError(
                f"the page holds only {kept} of the {len(previous)} articles it had, and not watched "
                f"article(s) {', '.join(lost_watched[:5])}; it looks truncated or is another page"
            )


def _success(
    store: Store,
    source: Source,
    when: str,
    *,
    not_modified: bool,
    state: dict[str, Any],
    parsed: Parsed | None = None,
) -> CheckResult:
    row = store.source(source.id) or {}
    alerts = 0
    if row.get("state") == "broken":
        store.insert_alert(
            {
                "kind": "recovered",
                "source_id": source.id,
                "title": f"{source.title or row.get('law_title') or source.id}: source readable again",
                "url": source.url,
                "detected_at": when,
                "topics": source.topics,
                "reason": f"was broken since {row.get('broken_since')}: {row.get('last_error')}",
            }
        )
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
        if parsed.mode == "snapshot":
            values["law_numac"] = parsed.identity or row.get("law_numac")
            values["refs"] = json.dumps(sorted(parsed.refs))
        values["law_title"] = parsed.title or row.get("law_title")
        values["warning"] = "; ".join(parsed.warnings) or None
        for w in parsed.warnings:
            log.warning("%s: %s", source.id, w)
        if not row.get("baseline_at"):
            values["baseline_at"] = when
    store.update_source(source.id, **values)
    return CheckResult(source.id, True, "ok", not_modified=not_modified, alerts=alerts)


def _failure(store: Store, config: Config, source: Source, error: str, *, at_once: bool, when: str) -> CheckResult:
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
    if broken and not was_broken:
        values["broken_since"] = when
        store.insert_alert(
            {
                "kind": "source_broken",
                "source_id": source.id,
                "title": f"{source.title or row.get('law_title') or source.id}: source broken",
                "url": source.url,
                "detected_at": when,
                "topics": source.topics,
                "reason": error,
            }
        )
        alerts = 1
    store.update_source(source.id, **values)
    return CheckResult(source.id, False, values["state"], alerts=alerts, error=error)


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class _Writer:
    """Stores versions and alerts for one pass; quiet during a baseline."""

    def __init__(self, store: Store, source: Source, when: str, evidence: tuple[int | None, str | None]) -> None:
        self.store = store
        self.source = source
        self.when = when
        self.evidence = evidence
        self.count = 0

    def version(self, doc_id: int, doc: Doc, fetch_id: int | None, sha: str | None) -> int:
        return self.store.insert_version(
            {
                "document_id": doc_id,
                "hash": _hash(doc.text),
                "text": doc.text,
                "notes": doc.notes,
                "status": doc.status,
                "events": json.dumps(list(doc.events), ensure_ascii=False),
                "first_seen": self.when,
                "last_seen": self.when,
                "fetch_id": fetch_id,
                "sha256": sha,
            }
        )

    def alert(
        self,
        kind: str,
        doc_row: dict[str, Any],
        before: str | None,
        after: str | None,
        reason: str,
        *,
        topics: tuple[str, ...] | list[str],
        matches: tuple[str, ...] = (),
        snippet: str = "",
        evidence: tuple[int | None, str | None] | None = None,
    ) -> None:
        fetch_id, sha = evidence or self.evidence
        self.store.insert_alert(
            {
                "kind": kind,
                "source_id": self.source.id,
                "document_id": doc_row["id"],
                "ref": doc_row["ref"],
                "title": doc_row["title"],
                "url": doc_row["url"],
                "published": doc_row.get("published"),
                "detected_at": self.when,
                "topics": list(topics),
                "matches": list(matches),
                "snippet": snippet,
                "before": before,
                "after": after,
                "diff": word_diff(before or "", after or "") if before != after else [],
                "reason": reason,
                "fetch_id": fetch_id,
                "sha256": sha,
            }
        )
        self.count += 1


def _apply_snapshot(
    store: Store,
    matcher: Matcher,
    source: Source,
    parsed: Parsed,
    when: str,
    evidence: tuple[int | None, str | None],
    config_hash: str,
) -> int:
    """Store the watched articles of a good parse and raise the alerts they call for.

    When the operator changed the source's selection since the last good
    parse, articles that were already on the page and merely enter or leave
    the selection are recorded silently: the law did not change.
    """
    row = store.source(source.id) or {}
    baseline = not row.get("baseline_at")
    previous_refs = set(json.loads(row["refs"])) if row.get("refs") else set()
    reselected = bool(row.get("config_hash")) and row.get("config_hash") != config_hash
    known = store.documents(source.id)
    w = _Writer(store, source, when, evidence)
    fetch_id, sha = evidence

    def alert(kind: str, doc_row: dict[str, Any], before: str | None, after: str | None, reason: str) -> None:
        if baseline:
            return
        hits = classify(matcher, after or before or "", source.topics)
        w.alert(kind, doc_row, before, after, reason, topics=source.topics, matches=hits.matches, snippet=hits.snippet)

    seen: set[str] = set()
    for doc in parsed.docs:
        seen.add(doc.key)
        h = _hash(doc.text)
        current = known.get(doc.key)
        meta = {"title": doc.title, "url": doc.url, "heading": doc.heading, "number": doc.number, "reason": doc.reason}
        if current is None:
            doc_id = store.insert_document(
                dict(meta, source_id=source.id, key=doc.key, ref=doc.ref, present=1, first_seen=when, last_seen=when)
            )
            store.update_document(doc_id, current_version=w.version(doc_id, doc, fetch_id, sha))
            was_there = doc.ref in previous_refs
            if not (was_there and reselected):
                why = f"now watched: {doc.reason}" if was_there else f"new article on the page ({doc.reason})"
                alert("added", dict(meta, id=doc_id, ref=doc.ref), None, doc.text, why)
            continue
        doc_id = current["id"]
        if current["hash"] == h:
            store.touch_version(current["current_version"], when)
            store.update_document(doc_id, last_seen=when, present=1, **meta)
            if not current["present"]:
                alert("added", dict(meta, id=doc_id, ref=doc.ref), None, doc.text, f"watched again: {doc.reason}")
            continue
        store.update_document(
            doc_id, current_version=w.version(doc_id, doc, fetch_id, sha), last_seen=when, present=1, **meta
        )
        if current["present"]:
            alert("changed", dict(meta, id=doc_id, ref=doc.ref), current["text"], doc.text, "text changed")
        else:
            alert("added", dict(meta, id=doc_id, ref=doc.ref), current["text"], doc.text, f"watched again: {doc.reason}")

    for key, current in known.items():
        if key in seen or not current["present"]:
            continue
        store.update_document(current["id"], present=0)
        now_text = parsed.texts.get(current["ref"])
        if now_text is not None:
            if reselected and now_text == current["text"]:
                continue
            # Show what the article says now: a rewording that drops the
            # watched phrase is exactly what readers need to see.
            alert("removed", current, current["text"], now_text, "no longer selected by the source's articles / articles_matching")
        else:
            alert("removed", current, current["text"], None, "no longer on the page")
    return w.count


def _apply_stream(
    store: Store,
    matcher: Matcher,
    source: Source,
    parsed: Parsed,
    when: str,
    evidence: tuple[int | None, str | None],
    fetch_ids: dict[str, int],
    baseline: bool,
) -> int:
    """Store the items of a pass: new matching items, text and status changes."""
    known = store.documents(source.id)
    w = _Writer(store, source, when, evidence)
    seen: set[str] = set()
    for doc in parsed.docs:
        if doc.key in seen:
            continue  # a feed or a catch-up listing the same item twice: the first one counts
        seen.add(doc.key)
        ev = (fetch_ids.get(doc.sha256), doc.sha256) if doc.sha256 else evidence
        hits = classify(matcher, f"{doc.title}\n{doc.text}", source.topics)
        if doc.track and not hits.topics:
            # followed because the config names it: it belongs to the source's topics
            hits = TopicHits(tuple(source.topics), (), "")
        current = known.get(doc.key)
        meta: dict[str, Any] = {"title": doc.title, "url": doc.url, "number": doc.number, "published": doc.published}
        if current is None:
            tracked = bool(hits.topics) or doc.track
            doc_id = store.insert_document(
                dict(
                    meta, source_id=source.id, key=doc.key, ref=doc.ref, present=1, first_seen=when, last_seen=when,
                    tracked=int(tracked), topics=json.dumps(list(hits.topics)),
                )
            )
            store.update_document(doc_id, current_version=w.version(doc_id, doc, *ev))
            if hits.topics and not baseline:
                w.alert(
                    "new", dict(meta, id=doc_id, ref=doc.ref), None, doc.text, "new item touching a followed topic",
                    topics=hits.topics, matches=hits.matches, snippet=hits.snippet, evidence=ev,
                )
            continue
        doc_id = current["id"]
        old_topics = tuple(json.loads(current["topics"] or "[]"))
        topics = tuple(dict.fromkeys(old_topics + hits.topics))
        tracked = bool(current["tracked"]) or bool(hits.topics) or doc.track
        text_changed = current["hash"] != _hash(doc.text)
        old_events = tuple(json.loads(current["events"] or "[]")) if current.get("events") is not None else ()
        status_changed = (doc.status or None) != (current.get("status") or None)
        new_events = [e for e in doc.events if e not in old_events]
        if not (text_changed or status_changed or new_events):
            store.touch_version(current["current_version"], when)
            store.update_document(doc_id, last_seen=when, present=1)
            continue
        store.update_document(
            doc_id,
            current_version=w.version(doc_id, doc, *ev),
            last_seen=when,
            present=1,
            tracked=int(tracked),
            topics=json.dumps(list(topics)),
            **meta,
        )
        if baseline or not tracked:
            continue
        row = dict(meta, id=doc_id, ref=doc.ref)
        if not current["tracked"] and hits.topics:
            # An item we stored earlier now touches a topic: it is news.
            w.alert("new", row, current["text"], doc.text, "now touches a followed topic",
                    topics=hits.topics, matches=hits.matches, snippet=hits.snippet, evidence=ev)
        elif status_changed or new_events:
            parts = []
            if status_changed:
                parts.append(f"status: {current.get('status') or '—'} → {doc.status or '—'}")
            parts.extend(f"new: {e}" for e in new_events)
            w.alert("status", row, current["text"], doc.text, "; ".join(parts),
                    topics=topics, matches=hits.matches, snippet=hits.snippet, evidence=ev)
        else:
            w.alert("updated", row, current["text"], doc.text, "text changed",
                    topics=topics, matches=hits.matches, snippet=hits.snippet, evidence=ev)
    return w.count


def check_all(
    store: Store, http: Http, config: Config, source_ids: list[str] | None = None
) -> list[CheckResult]:
    """Check the chosen sources (default: every enabled one), one after the other.

    One source's failure never stops the others.
    """
    return [_check_one(store, http, config, s) for s in _chosen(config, source_ids)]


def check_parallel(
    db_path: Path, http: Http, config: Config, source_ids: list[str] | None = None, workers: int = 4
) -> list[CheckResult]:
    """Like :func:`check_all`, several sources at a time, each worker with its
    own database connection.  Politeness holds: the shared :class:`Http`
    spaces requests per host whatever the number of workers."""
    chosen = _chosen(config, source_ids)
    local = threading.local()
    stores: list[Store] = []
    lock = threading.Lock()

    def run(source: Source) -> CheckResult:
        store = getattr(local, "store", None)
        if store is None:
            store = local.store = Store.open(db_path)
            with lock:
                stores.append(store)
        return _check_one(store, http, config, source)

    try:
        if workers <= 1 or len(chosen) <= 1:
            return [run(s) for s in chosen]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check") as pool:
            return list(pool.map(run, chosen))
    finally:
        for store in stores:
            store.close()


def _chosen(config: Config, source_ids: list[str] | None) -> list[Source]:
    return [config.source(i) for i in source_ids] if source_ids else [s for s in config.sources if s.enabled]


def _check_one(store: Store, http: Http, config: Config, source: Source) -> CheckResult:
    try:
        return check_source(store, http, config, source)
    except SourceError as e:
        return CheckResult(source.id, False, "failing", error=str(e))
    except Interrupted:
        raise
    except Exception as e:  # noqa: BLE001 -- a bug in one adapter must not stop the others
        log.exception("%s: internal error", source.id)
        return CheckResult(source.id, False, "failing", error=f"internal error: {type(e).__name__}: {e}")
