"""The database's schema: its ordered migrations, and how a text is packed.

Each migration is a function of the open database, run once, in order,
inside a transaction (:meth:`watcher.store.Store.open`); the list is only
ever appended to.  Packing is part of the format migration 0011 writes:
a version's text deflated with the next version's text as the dictionary
(a reverse delta), or alone every :data:`KEYFRAME` versions.
"""

from __future__ import annotations

import hashlib
import json
import logging
import zlib
from collections.abc import Callable
from typing import Any

from .db import Database
from .reasons import legacy_code
from .text import clean_identity

log = logging.getLogger(__name__)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


FTS_TOKENIZE = "unicode61 remove_diacritics 2"  # accents folded: "electronique" finds "électronique"
KEYFRAME = 16  # a packed version is never more than this many inflations from its text


def pack(text: str, base: str | None) -> bytes:
    """``text`` deflated (raw, level 9), with ``base`` as the dictionary when given."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, *([base.encode("utf-8")] if base else []))
    return c.compress(text.encode("utf-8")) + c.flush()


def unpack(blob: bytes, base: str | None) -> str:
    d = zlib.decompressobj(-15, *([base.encode("utf-8")] if base else []))
    return (d.decompress(blob) + d.flush()).decode("utf-8")


def pack_diff(diff: str | None, before: str | None, after: str | None) -> bytes | None:
    """An alert's diff (JSON) packed against its after, else before, text:
    its unchanged runs are that text's words, so it shrinks to its changes."""
    if not diff or diff == "[]":
        return None
    return pack(diff, after or before)


def delta_run(bases: list[int | None]) -> int:
    """How many older versions reach a text through this one: the leading
    packed-as-delta rows of ``bases`` (newest first)."""
    n = 0
    for b in bases:
        if b is None:
            break
        n += 1
    return n


def _m1_initial(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE sources (
            id TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            url TEXT NOT NULL,
            title TEXT,
            state TEXT NOT NULL DEFAULT 'new',      -- new | ok | failing | broken
            baseline_at TEXT,                       -- first good check; no change alerts before
            last_checked TEXT,
            last_success TEXT,
            consecutive_failures INTEGER NOT NULL DEFAULT 0,
            last_error TEXT,
            broken_since TEXT,
            law_numac TEXT,                         -- what the page said it is, to catch a wrong page
            law_title TEXT,
            refs TEXT,                              -- JSON: every article ref of the last good parse
            warning TEXT,                           -- e.g. listed articles missing from the page
            config_hash TEXT,                       -- selection settings of the last good parse
            state_json TEXT,                        -- adapter state, e.g. the last Moniteur day read
            next_run TEXT                           -- when `watcher run` will check it next
        );
        CREATE TABLE http_cache (                   -- per source: two sources on one URL each parse it
            source_id TEXT NOT NULL,
            url TEXT NOT NULL,
            etag TEXT,
            last_modified TEXT,
            sha256 TEXT,
            config_hash TEXT,                       -- the source's settings these validators were earned with
            updated_at TEXT NOT NULL,
            PRIMARY KEY (source_id, url)
        );
        CREATE TABLE payloads (
            sha256 TEXT PRIMARY KEY,
            size INTEGER NOT NULL,
            compression TEXT NOT NULL,              -- zlib
            content_type TEXT,
            data BLOB NOT NULL,
            first_seen TEXT NOT NULL
        );
        CREATE TABLE fetches (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL,
            url TEXT NOT NULL,
            final_url TEXT,
            started_at TEXT NOT NULL,
            status INTEGER,
            bytes INTEGER,
            etag TEXT,
            last_modified TEXT,
            duration_ms INTEGER,
            not_modified INTEGER NOT NULL DEFAULT 0,
            error TEXT,
            sha256 TEXT REFERENCES payloads(sha256)
        );
        CREATE INDEX fetches_source ON fetches(source_id, started_at);
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            source_id TEXT NOT NULL,
            key TEXT NOT NULL,                      -- numac:language:ref
            ref TEXT NOT NULL,
            number TEXT,
            title TEXT,
            url TEXT,
            heading TEXT,
            present INTEGER NOT NULL DEFAULT 1,
            reason TEXT,                            -- why it is (or was) watched
            published TEXT,                         -- ISO date, for items that have one
            tracked INTEGER NOT NULL DEFAULT 0,     -- stream items: follow its changes (it touched a topic)
            topics TEXT,                            -- JSON: topics it touched
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            current_version INTEGER,
            UNIQUE (source_id, key)
        );
        CREATE TABLE versions (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id),
            hash TEXT NOT NULL,
            text TEXT NOT NULL,
            notes TEXT NOT NULL,                    -- JSON list
            status TEXT,                            -- a dossier's or question's status
            events TEXT,                            -- JSON list: sub-documents, answers
            first_seen TEXT NOT NULL,
            last_seen TEXT NOT NULL,
            fetch_id INTEGER REFERENCES fetches(id),
            sha256 TEXT REFERENCES payloads(sha256)
        );
        CREATE INDEX versions_document ON versions(document_id, id);
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            source_id TEXT NOT NULL,
            document_id INTEGER REFERENCES documents(id),
            ref TEXT,
            title TEXT,
            url TEXT,
            published TEXT,
            detected_at TEXT NOT NULL,
            topics TEXT NOT NULL,                   -- JSON list
            matches TEXT,                           -- JSON list: the terms that matched
            snippet TEXT,                           -- text around the first match
            before TEXT,
            after TEXT,
            diff TEXT,                              -- JSON [[op, text], ...]
            reason TEXT,
            fetch_id INTEGER REFERENCES fetches(id),
            sha256 TEXT REFERENCES payloads(sha256)
        );
        CREATE INDEX alerts_source ON alerts(source_id, id);
        CREATE INDEX alerts_detected ON alerts(detected_at);
        """
    )


def _m2_outbox(db: Database) -> None:
    db.executescript(
        """
        -- The digests' outbox: a send is written (state 'sending', with its
        -- alerts) before the SMTP conversation and marked 'sent' after it.
        -- Only 'sent' sends count as delivered, so a crash in between sends
        -- those alerts again next time (at most one duplicate, never a loss).
        CREATE TABLE sends (
            id INTEGER PRIMARY KEY,
            digest_id TEXT NOT NULL,
            state TEXT NOT NULL,                    -- sending | sent | failed
            message_id TEXT NOT NULL,
            created_at TEXT NOT NULL,
            sent_at TEXT,
            period_start TEXT,                      -- what "checked, unchanged" covers
            alert_count INTEGER NOT NULL,
            error TEXT
        );
        CREATE INDEX sends_digest ON sends(digest_id, state, id);
        CREATE TABLE send_items (
            send_id INTEGER NOT NULL REFERENCES sends(id),
            alert_id INTEGER NOT NULL REFERENCES alerts(id),
            PRIMARY KEY (send_id, alert_id)
        );
        CREATE INDEX send_items_alert ON send_items(alert_id);
        """
    )


def _m3_search(db: Database) -> None:
    # Full-text search for the archive, kept in step by triggers; accents
    # folded so "electronique" finds "électronique".  (0011 replaces both.)
    import sqlite_utils  # what this migration was written with; only a new or old database runs it

    fts = sqlite_utils.Database(db.conn)
    fts.table("alerts").enable_fts(["title", "reason", "snippet", "before", "after"], create_triggers=True, tokenize=FTS_TOKENIZE)
    fts.table("versions").enable_fts(["text"], create_triggers=True, tokenize=FTS_TOKENIZE)


def _m4_digest_start(db: Database) -> None:
    # When each [[digest]] began: its alerts are those detected since, so a
    # digest added after a year never mails the whole year.
    db.execute("CREATE TABLE digests (id TEXT PRIMARY KEY, start TEXT NOT NULL)")


def _m5_reason_codes(db: Database) -> None:
    # Reasons become codes with parameters, rendered in each language by key;
    # ``reason`` keeps the English text.  Earlier rows get the code their
    # English text stands for, or "legacy" (shown as stored).
    db.execute("ALTER TABLE alerts ADD COLUMN reason_code TEXT")
    db.execute("ALTER TABLE alerts ADD COLUMN reason_params TEXT")
    rows = db.execute("SELECT id, kind, reason FROM alerts").fetchall()
    for alert_id, kind, text in rows:
        code, params = legacy_code(kind, text)
        db.execute(
            "UPDATE alerts SET reason_code = ?, reason_params = ? WHERE id = ?",
            [code, json.dumps(params, ensure_ascii=False), alert_id],
        )


def _m6_clean_identities(db: Database) -> None:
    # Identities are now cleaned at the door (no control or bidi characters):
    # a document stored under a raw guid is re-keyed to the clean one, so the
    # next pass knows it instead of raising it as new.  Where both exist, the
    # raw one was the duplicate: it stays, marked absent.
    rows = db.execute("SELECT id, source_id, key, ref, url FROM documents").fetchall()
    for doc_id, source_id, key, ref, url in rows:
        clean_key = clean_identity(key)
        if clean_key == key:
            continue
        taken = db.execute(
            "SELECT 1 FROM documents WHERE source_id = ? AND key = ?", [source_id, clean_key]
        ).fetchone()
        if taken:
            db.execute("UPDATE documents SET present = 0 WHERE id = ?", [doc_id])
            continue
        db.execute(
            "UPDATE documents SET key = ?, ref = ?, url = ? WHERE id = ?",
            [clean_key, clean_identity(ref), clean_identity(url or ""), doc_id],
        )


def _m7_refused(db: Database) -> None:
    # The recipients the SMTP server refused in each send (JSON list), so
    # that an address refused digest after digest is shown, not only logged.
    db.execute("ALTER TABLE sends ADD COLUMN refused TEXT")


def _m8_pass_requests(db: Database) -> None:
    # What a source's last pass cost the sites: JSON {host: requests}.
    db.execute("ALTER TABLE sources ADD COLUMN pass_requests TEXT")


def _m9_checks(db: Database) -> None:
    # One row per check of a source, so that a digest can say "checked N
    # times, last on …" for the period it covers.
    db.executescript(
        """
        CREATE TABLE checks (
            source_id TEXT NOT NULL,
            at TEXT NOT NULL,
            ok INTEGER NOT NULL
        );
        CREATE INDEX checks_source ON checks(source_id, at);
        """
    )


def _m10_stories(db: Database) -> None:
    # Stories: one legislative event followed across sources (stories.py);
    # the three dates of a legal change on its alerts; a lawyer's notes.
    db.executescript(
        """
        CREATE TABLE stories (
            id INTEGER PRIMARY KEY,
            title TEXT NOT NULL,
            created_at TEXT NOT NULL,
            published TEXT,                         -- in the Moniteur
            in_force TEXT,                          -- as the pages state it
            consolidated TEXT                       -- Justel's "mise à jour au"
        );
        CREATE TABLE story_keys (                   -- the identities that join alerts: dossier:, numac:, amends:
            story_id INTEGER NOT NULL REFERENCES stories(id),
            key TEXT NOT NULL UNIQUE,
            how TEXT NOT NULL
        );
        CREATE TABLE story_alerts (
            story_id INTEGER NOT NULL REFERENCES stories(id),
            alert_id INTEGER NOT NULL UNIQUE REFERENCES alerts(id),
            step TEXT NOT NULL,                     -- filed | amended | adopted | published | in_force | consolidated
            how TEXT NOT NULL,                      -- how the link was made
            linked_at TEXT NOT NULL
        );
        CREATE TABLE story_unlinks (                -- `watcher story unlink`: never linked again automatically
            alert_id INTEGER PRIMARY KEY REFERENCES alerts(id),
            at TEXT NOT NULL
        );
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            alert_id INTEGER REFERENCES alerts(id),
            story_id INTEGER REFERENCES stories(id),
            status TEXT NOT NULL,                   -- checked | disputed | irrelevant
            fr TEXT,
            nl TEXT,
            author TEXT,
            at TEXT NOT NULL
        );
        CREATE INDEX notes_alert ON notes(alert_id);
        CREATE INDEX notes_story ON notes(story_id);
        ALTER TABLE alerts ADD COLUMN in_force TEXT;
        ALTER TABLE alerts ADD COLUMN consolidated TEXT;
        """
    )


ALERT_FTS_COLUMNS = ("title", "reason", "snippet", "before", "after")

_SCHEMA_0011 = f"""
    CREATE TABLE versions (
        id INTEGER PRIMARY KEY,
        document_id INTEGER NOT NULL REFERENCES documents(id),
        hash TEXT,                              -- sha256 of the text; NULL once packed (it is the text's)
        text TEXT,                              -- the whole text, while it is its document's current one
        packed BLOB,                            -- else the text deflated (pack) …
        base INTEGER REFERENCES versions(id),   -- … with this version's text as dictionary (NULL: alone)
        notes TEXT NOT NULL,                    -- JSON list
        status TEXT,                            -- a dossier's or question's status
        events TEXT,                            -- JSON list: sub-documents, answers
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        fetch_id INTEGER REFERENCES fetches(id),
        sha256 TEXT REFERENCES payloads(sha256),
        CHECK ((text IS NULL) != (packed IS NULL))
    );
    CREATE VIRTUAL TABLE versions_fts USING fts5(text, tokenize='{FTS_TOKENIZE}', content='', columnsize=0);
    CREATE VIRTUAL TABLE alerts_fts USING fts5({", ".join(ALERT_FTS_COLUMNS)}, tokenize='{FTS_TOKENIZE}', content='', columnsize=0);
    CREATE TABLE fts_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;  -- every word of both indexes, folded
"""


def _m11_compact(db: Database) -> None:
    # Each text once: versions packed as reverse deltas, alerts pointing to
    # versions instead of repeating their texts, full-text indexes without a
    # copy of what they index.  Every alert's before, after and diff read the
    # same afterwards (tests/test_migrate_compact.py); VACUUM follows.
    for table in ("alerts", "versions"):
        for trigger in ("ai", "ad", "au"):
            db.execute(f"DROP TRIGGER IF EXISTS [{table}_{trigger}]")
        db.execute(f"DROP TABLE IF EXISTS [{table}_fts]")
    count = db.execute("SELECT count(*) FROM versions").fetchone()[0]
    if count > 10_000:
        log.warning("migration 0011: packing %d versions, so that each text is stored once; "
                    "this takes about a minute and a half per million", count)
    db.execute("ALTER TABLE versions RENAME TO versions_0010")
    db.execute("CREATE INDEX versions_0010_hash ON versions_0010(document_id, hash)")
    db.executescript(_SCHEMA_0011)
    current = {v for (v,) in db.execute("SELECT current_version FROM documents WHERE current_version IS NOT NULL")}
    rows = db.execute(
        "SELECT id, document_id, hash, text, notes, status, events, first_seen, last_seen, fetch_id, sha256 "
        "FROM versions_0010 ORDER BY document_id, id"
    )
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        db.conn.executemany(
            "INSERT INTO versions (id, document_id, hash, text, packed, base, notes, status, events, first_seen, "
            "last_seen, fetch_id, sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [r[:-1] for r in batch],
        )
        db.conn.executemany("INSERT INTO versions_fts (rowid, text) VALUES (?, ?)", [(r[0], r[-1]) for r in batch])
        batch.clear()

    group: list[tuple[Any, ...]] = []

    def pack_group() -> None:
        # Oldest first, as they were written: each packed against the next
        # one, alone after KEYFRAME - 1 deltas in a row.  Written newest
        # first, so that each base exists when its deltas reference it.
        run = 0
        rows_out: list[tuple[Any, ...]] = []
        for i, (vid, doc, h, text, *rest) in enumerate(group):
            following = group[i + 1][3] if i + 1 < len(group) else None
            packed_hash = None if h == sha256(text.encode("utf-8")) else h
            row: tuple[Any, ...]
            if vid in current:
                row = (vid, doc, h, text, None, None)
            elif following is None or run >= KEYFRAME - 1:
                row, run = (vid, doc, packed_hash, None, pack(text, None), None), 0
            else:
                row, run = (vid, doc, packed_hash, None, pack(text, following), group[i + 1][0]), run + 1
            rows_out.append((*row, *rest, text))
        batch.extend(reversed(rows_out))
        group.clear()
        if len(batch) >= 5000:
            flush()

    for r in rows:
        if group and group[-1][1] != r[1]:
            pack_group()
        group.append(tuple(r))
    if group:
        pack_group()
    flush()

    db.executescript(
        """
        ALTER TABLE alerts ADD COLUMN before_version INTEGER REFERENCES versions(id);
        ALTER TABLE alerts ADD COLUMN after_version INTEGER REFERENCES versions(id);
        ALTER TABLE alerts ADD COLUMN diff_packed BLOB;  -- the diff, packed against the after (else before) text
        INSERT INTO alerts_fts (rowid, title, reason, snippet, before, after)
            SELECT id, title, reason, snippet, before, after FROM alerts;
        """
    )
    # An alert's texts become the versions holding them: the latest one
    # seen by the time of the alert with exactly that text.
    updates = []
    for alert_id, doc, when, before, after, diff in db.execute(
        "SELECT id, document_id, detected_at, before, after, diff FROM alerts WHERE document_id IS NOT NULL "
        "AND (before IS NOT NULL OR after IS NOT NULL)"
    ).fetchall():
        ids = []
        for text in (before, after):
            found = None
            if text is not None:
                found = db.execute(
                    "SELECT id FROM versions_0010 WHERE document_id = ? AND hash = ? AND text = ? "
                    "ORDER BY first_seen <= ? DESC, id DESC LIMIT 1",
                    [doc, sha256(text.encode("utf-8")), text, when],
                ).fetchone() or db.execute(  # a version stored with another kind of hash
                    "SELECT id FROM versions_0010 WHERE document_id = ? AND text = ? "
                    "ORDER BY first_seen <= ? DESC, id DESC LIMIT 1",
                    [doc, text, when],
                ).fetchone()
            ids.append(found[0] if found else None)
        if ids != [None, None]:
            packed = pack_diff(diff, before, after)
            updates.append((ids[0], ids[0], ids[1], ids[1], packed, packed, alert_id))
    db.conn.executemany(
        "UPDATE alerts SET before_version = ?, before = CASE WHEN ? IS NULL THEN before END, "
        "after_version = ?, after = CASE WHEN ? IS NULL THEN after END, "
        "diff_packed = ?, diff = CASE WHEN ? IS NULL THEN diff END WHERE id = ?",
        updates,
    )
    db.execute("DROP TABLE versions_0010")
    db.execute("CREATE INDEX versions_document ON versions(document_id, id)")
    for table in ("alerts_fts", "versions_fts"):
        db.execute(f"CREATE VIRTUAL TABLE temp.[{table}_terms] USING fts5vocab(main, [{table}], row)")
        db.execute(f"INSERT OR IGNORE INTO fts_terms (term) SELECT term FROM temp.[{table}_terms]")
        db.execute(f"DROP TABLE temp.[{table}_terms]")


MIGRATIONS: tuple[tuple[str, Callable[[Database], None]], ...] = (
    ("0001_initial", _m1_initial),
    ("0002_outbox", _m2_outbox),
    ("0003_search", _m3_search),
    ("0004_digest_start", _m4_digest_start),
    ("0005_reason_codes", _m5_reason_codes),
    ("0006_clean_identities", _m6_clean_identities),
    ("0007_refused_recipients", _m7_refused),
    ("0008_pass_requests", _m8_pass_requests),
    ("0009_checks", _m9_checks),
    ("0010_stories", _m10_stories),
    ("0011_compact", _m11_compact),
)
"""Ordered schema changes; append, never edit one that has shipped."""

VACUUM_AFTER = {"0011_compact"}  # migrations that free much space: VACUUM once they are done
