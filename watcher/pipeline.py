"""Check one source: fetch -> keep the bytes -> parse -> diff -> alerts.

The network call happens first, outside any transaction; everything the
check then writes (fetch record, payload, versions, alerts, health) is one
transaction, so a killed process loses a whole pass or nothing, and the next
pass re-detects what was lost exactly once.

Rules that protect history:

* the first good check of a source is its baseline: no change alerts;
* a fetch failure or an unrecognisable page never marks anything removed:
  it counts towards ``broken`` (a page that no longer parses is broken at
  once), raises one ``source_broken`` alert on entering that state and one
  ``recovered`` alert on leaving it, and the last good versions stay current;
* a page that parses but is another law (another numac) is broken too;
* HTTP validators are saved only once a payload parsed, so a 304 always
  means "same as the last good page" and costs no parse.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from typing import Any, Callable

from .config import Config, Source
from .diff import word_diff
from .errors import FetchError, ParseError, SourceError
from .http import Http
from .models import Fetched
from .sources import Doc, Parsed, adapter
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
    config_hash = _config_hash(source)
    validators = store.validators(source.id, source.url, config_hash)
    started = now()
    try:
        fetched = http.get(source.url, etag=validators.etag, last_modified=validators.last_modified)
    except FetchError as e:
        log.info("fetch %s %s failed: %s", source.id, source.url, e)
        with store.atomic():
            store.record_fetch(
                source_id=source.id, url=source.url, started_at=started, status=e.status, error=str(e)
            )
            return _failure(store, config, source, str(e), at_once=False, when=started)

    log.info(
        "fetch %s %s status=%s bytes=%d duration_ms=%d%s",
        source.id, source.url, fetched.status, len(fetched.content), fetched.duration_ms,
        " not-modified" if fetched.not_modified else "",
    )
    with store.atomic():
        if fetched.not_modified:
            store.record_fetch(**_fetch_row(source, fetched, started, None, None))
            store.touch_present_documents(source.id, started)
            return _success(store, source, started, not_modified=True)

        digest = store.put_payload(fetched.content, fetched.content_type)
        try:
            parsed = adapter(source.kind)(fetched.content, fetched.final_url or source.url, source, fetched.charset)
            _sanity(store.source(source.id) or {}, parsed)
        except ParseError as e:
            store.record_fetch(**_fetch_row(source, fetched, started, digest, f"parse error: {e}"))
            # A page we cannot read must be fetched in full next time.
            store.forget_validators(source.id, source.url)
            return _failure(store, config, source, f"parse error: {e}", at_once=True, when=started)

        fetch_id = store.record_fetch(**_fetch_row(source, fetched, started, digest, None))
        alerts = _apply(store, source, parsed, started, fetch_id, digest, config_hash)
        store.save_validators(source.id, source.url, fetched.etag, fetched.last_modified, digest, config_hash)
        result = _success(store, source, started, not_modified=False, parsed=parsed)
        store.update_source(source.id, config_hash=config_hash)
        return CheckResult(source.id, True, "ok", alerts=alerts + result.alerts)


def _config_hash(source: Source) -> str:
    """What a parse of this source depends on besides the bytes."""
    parts = [source.kind, source.url, "\x1f".join(source.articles), "\x1f".join(source.articles_matching)]
    return hashlib.sha256("\x1e".join(parts).encode()).hexdigest()[:16]


def _sanity(row: dict[str, Any], parsed: Parsed) -> None:
    """Refuse a parse that looks like another page or a truncated one.

    Justel never drops a repealed article (it prints "Abrogé"), so a page
    that lost most of the articles it had is a cut-off or wrong page, and
    reading it would raise false "removed" alerts.
    """
    if row.get("law_numac") and parsed.identity and parsed.identity != row["law_numac"]:
        raise ParseError(
            f"the page now holds numac {parsed.identity}, not {row['law_numac']} as before; "
            "the URL may point to another text"
        )
    previous = set(json.loads(row["refs"])) if row.get("refs") else set()
    if len(previous) >= 4:
        kept = len(previous & parsed.refs)
        if kept * 2 < len(previous):
            raise ParseError(
                f"the page holds only {kept} of the {len(previous)} articles it had; "
                "it looks truncated or is another page"
            )


def _fetch_row(
    source: Source, f: Fetched, started: str, digest: str | None, error: str | None
) -> dict[str, Any]:
    return {
        "source_id": source.id,
        "url": source.url,
        "final_url": f.final_url,
        "started_at": started,
        "status": f.status,
        "bytes": len(f.content),
        "etag": f.etag,
        "last_modified": f.last_modified,
        "duration_ms": f.duration_ms,
        "not_modified": int(f.not_modified),
        "error": error,
        "sha256": digest,
    }


def _success(
    store: Store, source: Source, when: str, *, not_modified: bool, parsed: Parsed | None = None
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
    }
    if parsed is not None:
        values["law_numac"] = parsed.identity or row.get("law_numac")
        values["law_title"] = parsed.title
        values["refs"] = json.dumps(sorted(parsed.refs))
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


def _hash(doc: Doc) -> str:
    return hashlib.sha256(doc.text.encode("utf-8")).hexdigest()


def _apply(
    store: Store, source: Source, parsed: Parsed, when: str, fetch_id: int, digest: str, config_hash: str
) -> int:
    """Store the docs of a good parse and raise the alerts they call for.

    When the operator changed the source's selection since the last good
    parse, articles that were already on the page and merely enter or leave
    the selection are recorded silently: the law did not change.
    """
    row = store.source(source.id) or {}
    baseline = not row.get("baseline_at")
    previous_refs = set(json.loads(row["refs"])) if row.get("refs") else set()
    reselected = bool(row.get("config_hash")) and row.get("config_hash") != config_hash
    known = store.documents(source.id)
    seen: set[str] = set()
    count = 0

    def alert(
        kind: str, doc_row: dict[str, Any], before: str | None, after: str | None, reason: str, *, quiet: bool = False
    ) -> None:
        nonlocal count
        if baseline or quiet:
            return
        store.insert_alert(
            {
                "kind": kind,
                "source_id": source.id,
                "document_id": doc_row["id"],
                "ref": doc_row["ref"],
                "title": doc_row["title"],
                "url": doc_row["url"],
                "detected_at": when,
                "topics": source.topics,
                "before": before,
                "after": after,
                "diff": word_diff(before or "", after or ""),
                "reason": reason,
                "fetch_id": fetch_id,
                "sha256": digest,
            }
        )
        count += 1

    for doc in parsed.docs:
        seen.add(doc.key)
        h = _hash(doc)
        current = known.get(doc.key)
        meta = {"title": doc.title, "url": doc.url, "heading": doc.heading, "number": doc.number, "reason": doc.reason}
        if current is None:
            doc_id = store.insert_document(
                dict(meta, source_id=source.id, key=doc.key, ref=doc.ref, present=1, first_seen=when, last_seen=when)
            )
            version = _new_version(store, doc_id, doc, h, when, fetch_id, digest)
            store.update_document(doc_id, current_version=version)
            was_there = doc.ref in previous_refs
            why = f"now watched: {doc.reason}" if was_there else f"new article on the page ({doc.reason})"
            alert("added", dict(meta, id=doc_id, ref=doc.ref), None, doc.text, why, quiet=was_there and reselected)
            continue
        doc_id = current["id"]
        if current["hash"] == h:
            store.touch_version(current["current_version"], when)
            store.update_document(doc_id, last_seen=when, present=1, **meta)
            if not current["present"]:
                alert("added", dict(meta, id=doc_id, ref=doc.ref), None, doc.text, f"watched again: {doc.reason}")
            continue
        version = _new_version(store, doc_id, doc, h, when, fetch_id, digest)
        store.update_document(doc_id, current_version=version, last_seen=when, present=1, **meta)
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
            # Show what the article says now: a rewording that drops the
            # watched phrase is exactly what readers need to see.
            why = "no longer selected by the source's articles / articles_matching"
            alert("removed", current, current["text"], now_text, why, quiet=reselected and now_text == current["text"])
        else:
            alert("removed", current, current["text"], None, "no longer on the page")
    return count


def _new_version(store: Store, doc_id: int, doc: Doc, h: str, when: str, fetch_id: int, digest: str) -> int:
    return store.insert_version(
        {
            "document_id": doc_id,
            "hash": h,
            "text": doc.text,
            "notes": doc.notes,
            "first_seen": when,
            "last_seen": when,
            "fetch_id": fetch_id,
            "sha256": digest,
        }
    )


def check_all(
    store: Store, http: Http, config: Config, source_ids: list[str] | None = None
) -> list[CheckResult]:
    """Check the chosen sources (default: every enabled one), each on its own.

    One source's failure never stops the others.
    """
    chosen = [config.source(i) for i in source_ids] if source_ids else [s for s in config.sources if s.enabled]
    results = []
    for source in chosen:
        try:
            results.append(check_source(store, http, config, source))
        except SourceError as e:
            results.append(CheckResult(source.id, False, "failing", error=str(e)))
        except Exception as e:  # noqa: BLE001 -- a bug in one adapter must not stop the others
            log.exception("%s: internal error", source.id)
            results.append(CheckResult(source.id, False, "failing", error=f"internal error: {type(e).__name__}: {e}"))
    return results
