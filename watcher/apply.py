"""Turn a good parse into stored versions and alerts: the two appliers.

* :func:`apply_snapshot` (Justel): the page is the whole truth; a watched
  article that is gone is ``removed``, one that appears is ``added``, a new
  text is ``changed``.
* :func:`apply_stream` (every other kind): items come and go from lists; a
  new item touching a topic is ``new``, a tracked item whose text changes is
  ``updated``, whose status or sub-documents change is ``status``.

Both run inside the check's one transaction and stay quiet during a
source's baseline (its first good pass).
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from .config import Source
from .diff import word_diff
from .matching import Matcher, TopicHits, classify
from .reasons import Reason
from .sources import Doc, Parsed
from .store import Document, Store

log = logging.getLogger(__name__)

Evidence = tuple[int | None, str | None]  # (fetch id, payload sha256) an alert cites


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class Writer:
    """Stores versions and alerts for one pass of one source."""

    def __init__(self, store: Store, source: Source, when: str, evidence: Evidence) -> None:
        self.store = store
        self.source = source
        self.when = when
        self.evidence = evidence
        self.ids: list[int] = []  # the alerts raised, in order

    def version(self, doc_id: int, doc: Doc, fetch_id: int | None, sha: str | None) -> int:
        return self.store.insert_version(
            {
                "document_id": doc_id,
                "hash": text_hash(doc.text),
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
        target: dict[str, Any],
        before: str | None,
        after: str | None,
        reason: Reason,
        *,
        topics: tuple[str, ...],
        hits: TopicHits | None = None,
        evidence: Evidence | None = None,
        versions: tuple[int | None, int | None] = (None, None),
    ) -> None:
        """One alert about ``target`` (``id``, ``ref``, ``title``, ``url``, ``published``);
        ``versions`` are the stored versions ``before`` and ``after`` are the texts of."""
        fetch_id, sha = evidence or self.evidence
        alert_id = self.store.insert_alert(
            {
                "kind": kind,
                "source_id": self.source.id,
                "document_id": target["id"],
                "ref": target["ref"],
                "title": target["title"],
                "url": target["url"],
                "published": target.get("published"),
                "detected_at": self.when,
                "topics": list(topics),
                "matches": list(hits.matches) if hits else [],
                "snippet": hits.snippet if hits else "",
                "before": before,
                "after": after,
                "before_version": versions[0],
                "after_version": versions[1],
                "diff": word_diff(before or "", after or "") if before != after else [],
                "reason": reason,
                "fetch_id": fetch_id,
                "sha256": sha,
            }
        )
        self.ids.append(alert_id)
        log.info("alert %s source=%s ref=%s: %s", kind, self.source.id, target["ref"], reason.text("en"))


def _target(doc: Document) -> dict[str, Any]:
    return {"id": doc.id, "ref": doc.ref, "title": doc.title, "url": doc.url, "published": doc.published}


def apply_snapshot(
    store: Store,
    matcher: Matcher,
    source: Source,
    parsed: Parsed,
    when: str,
    evidence: Evidence,
    fingerprint: str,
    row: dict[str, Any],
    known: dict[str, Document],
) -> list[int]:
    """Store the watched articles of a good parse and raise the alerts they call for (their ids).

    ``row`` and ``known`` are the source's row and documents as the check
    read them before fetching (one check per source runs at a time).

    When the operator changed the source's selection since the last good
    parse, articles that were already on the page and merely enter or leave
    the selection are recorded silently: the law did not change.
    """
    baseline = not row.get("baseline_at")
    previous_refs = set(json.loads(row["refs"])) if row.get("refs") else set()
    reselected = bool(row.get("config_hash")) and row.get("config_hash") != fingerprint
    w = Writer(store, source, when, evidence)
    fetch_id, sha = evidence

    def alert(kind: str, target: dict[str, Any], before: str | None, after: str | None, reason: Reason,
              versions: tuple[int | None, int | None]) -> None:
        if baseline:
            return
        hits = classify(matcher, after or before or "", source.topics)
        w.alert(kind, target, before, after, reason, topics=source.topics, hits=hits, versions=versions)

    seen: set[str] = set()
    for doc in parsed.docs:
        seen.add(doc.key)
        why = list(doc.reason)
        current = known.get(doc.key)
        meta = {
            "title": doc.title, "url": doc.url, "heading": doc.heading, "number": doc.number,
            "reason": "; ".join(r.text("en") for r in doc.reason),
        }
        target: dict[str, Any] = dict(meta, ref=doc.ref, published=None)
        if current is None:
            doc_id = store.insert_document(
                dict(meta, source_id=source.id, key=doc.key, ref=doc.ref, present=1, first_seen=when, last_seen=when)
            )
            version = w.version(doc_id, doc, fetch_id, sha)
            store.update_document(doc_id, current_version=version)
            was_there = doc.ref in previous_refs
            if not (was_there and reselected):
                code = "article_now_watched" if was_there else "article_new"
                alert("added", dict(target, id=doc_id), None, doc.text, Reason(code, {"why": why}), (None, version))
            continue
        target["id"] = current.id
        if current.hash == text_hash(doc.text):
            store.touch_version(current.current_version or 0, when)
            store.update_document(current.id, last_seen=when, present=1, **meta)
            if not current.present:
                alert("added", target, None, doc.text, Reason("article_watched_again", {"why": why}),
                      (None, current.current_version))
            continue
        version = w.version(current.id, doc, fetch_id, sha)
        store.update_document(current.id, current_version=version, last_seen=when, present=1, **meta)
        pair = (current.current_version, version)
        if current.present:
            alert("changed", target, current.text, doc.text, Reason("article_changed"), pair)
        else:
            alert("added", target, current.text, doc.text, Reason("article_watched_again", {"why": why}), pair)

    for key, current in known.items():
        if key in seen or not current.present:
            continue
        store.update_document(current.id, present=0)
        now_text = parsed.texts.get(current.ref)
        if now_text is not None:
            if reselected and now_text == current.text:
                continue
            # Show what the article says now: a rewording that drops the
            # watched phrase is exactly what readers need to see.
            alert("removed", _target(current), current.text, now_text, Reason("article_deselected"),
                  (current.current_version, None))
        else:
            alert("removed", _target(current), current.text, None, Reason("article_gone"), (current.current_version, None))
    return w.ids


def apply_stream(
    store: Store,
    matcher: Matcher,
    source: Source,
    parsed: Parsed,
    when: str,
    evidence: Evidence,
    fetch_ids: dict[str, int],
    baseline: bool,
    known: dict[str, Document],
) -> list[int]:
    """Store the items of a pass: new matching items, text and status changes; the alerts' ids."""
    w = Writer(store, source, when, evidence)
    seen: set[str] = set()
    for doc in parsed.docs:
        if doc.key in seen:
            continue  # a feed or a catch-up listing the same item twice: the first one counts
        seen.add(doc.key)
        ev: Evidence = (fetch_ids.get(doc.sha256), doc.sha256) if doc.sha256 else evidence
        hits = classify(matcher, f"{doc.title}\n{doc.text}\n{doc.extra}".rstrip(), source.topics, date=doc.published)
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
            version = w.version(doc_id, doc, *ev)
            store.update_document(doc_id, current_version=version)
            if hits.topics and not baseline:
                w.alert("new", dict(meta, id=doc_id, ref=doc.ref), None, doc.text, Reason("item_new"),
                        topics=hits.topics, hits=hits, evidence=ev, versions=(None, version))
            continue
        topics = tuple(dict.fromkeys(current.topics + hits.topics))
        tracked = current.tracked or bool(hits.topics) or doc.track
        text_changed = current.hash != text_hash(doc.text)
        status_changed = (doc.status or None) != (current.status or None)
        new_events = [e for e in doc.events if e not in current.events]
        if not (text_changed or status_changed or new_events):
            store.touch_version(current.current_version or 0, when)
            if current.tracked or not hits.topics:
                store.update_document(current.id, last_seen=when, present=1)
                continue
            # Same text, but it touches a topic now: the operator changed the
            # topics (the source's fingerprint forced this full read).
            store.update_document(current.id, last_seen=when, present=1, tracked=1, topics=json.dumps(list(topics)))
            if not baseline:
                w.alert("new", dict(meta, id=current.id, ref=doc.ref), None, doc.text, Reason("item_started_matching"),
                        topics=hits.topics, hits=hits, evidence=ev, versions=(None, current.current_version))
            continue
        version = w.version(current.id, doc, *ev)
        pair = (current.current_version, version)
        store.update_document(
            current.id,
            current_version=version,
            last_seen=when,
            present=1,
            tracked=int(tracked),
            topics=json.dumps(list(topics)),
            **meta,
        )
        if baseline or not tracked:
            continue
        target = dict(meta, id=current.id, ref=doc.ref)
        if not current.tracked and hits.topics:
            # An item we stored earlier now touches a topic: it is news.
            w.alert("new", target, current.text, doc.text, Reason("item_started_matching"),
                    topics=hits.topics, hits=hits, evidence=ev, versions=pair)
        elif status_changed or new_events:
            changes = []
            if status_changed:
                changes.append(Reason("status_changed", {"before": current.status or "—", "after": doc.status or "—"}))
            changes.extend(Reason("event_new", {"event": e}) for e in new_events)
            w.alert("status", target, current.text, doc.text, Reason("item_status", {"changes": changes}),
                    topics=topics, hits=hits, evidence=ev, versions=pair)
        else:
            w.alert("updated", target, current.text, doc.text, Reason("item_changed"),
                    topics=topics, hits=hits, evidence=ev, versions=pair)
    return w.ids
