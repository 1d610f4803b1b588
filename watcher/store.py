"""The SQLite store: one file, read and written through typed records.

Tables (see :mod:`watcher.migrations` for the exact schema):

* ``sources``: one row per configured source, with its health;
* ``http_cache``: ETag / Last-Modified per URL, saved only after a payload
  parsed, so a 304 always means "same as the last good page";
* ``payloads``: every raw payload, zlib-compressed, keyed by its sha256, so
  history can be re-parsed offline;
* ``fetches``: every fetch (URL, time, status, bytes, ETag, duration, error);
* ``documents``: one per watched article, identity ``numac:language:ref``
  within a source, never the URL;
* ``versions``: every distinct text of a document, with first and last seen.
  A document's current text is stored whole; an older one is *packed*:
  deflated with the next version's text as the dictionary (a reverse delta,
  tens of bytes for a changed word), or alone every :data:`KEYFRAME`
  versions, so reading any version inflates at most that many;
* ``alerts``: what people are told.  Their before and after texts point to
  versions (``before_version``, ``after_version``) instead of repeating them;
* ``alerts_fts``, ``versions_fts``: contentless full-text indexes, written by
  the store itself, and ``fts_terms``, every word they hold, so that a prefix
  search becomes a few exact terms (see :mod:`watcher.queries`).

All writes of one source's check happen inside one :meth:`Store.atomic`
block, so a killed process leaves either all of a pass's work or none of it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

from .db import Database
from .errors import StoreError
from .migrations import FTS_TOKENIZE, KEYFRAME, MIGRATIONS, VACUUM_AFTER, delta_run, pack, pack_diff, sha256, unpack
from .reasons import Reason

log = logging.getLogger(__name__)

# A changed page is kept compressed at zlib level 4: on the 906 KB Code
# pénal page, 10 ms and 176 KB, against 22 ms and 162 KB at level 6.  Any
# level reads back the same bytes.
PAYLOAD_LEVEL = 4


def _pk(value: int | None) -> int:
    """A new row's id (``lastrowid``, which the type checker sees as optional)."""
    assert value is not None
    return value


def _in_transaction(conn: sqlite3.Connection) -> bool:
    """``conn.in_transaction``, read through a call: mypy would take it as
    still false after the check before, where a failed statement may change it."""
    return conn.in_transaction


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def decode_diff(diff: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((op, text) for op, text in json.loads(diff)) if diff else ()


class _Memo:
    """A bounded memo of things that never change once written (a
    version's text, an alert's diff, by id; an alert, by its whole row),
    within one connection's life: a digest run reads each alert again for
    every digest it is in."""

    def __init__(self, budget: int = 8_000_000) -> None:
        self.items: dict[Any, Any] = {}
        self.budget = budget
        self.used = 0

    def get(self, key: Any) -> Any:
        item = self.items.get(key)
        return None if item is None else item[0]

    def put(self, key: Any, value: Any, size: int, conn: sqlite3.Connection) -> None:
        # What a transaction reads may yet be rolled back, and SQLite then
        # gives the same ids to other rows: only committed rows are kept.
        if size > self.budget // 8 or conn.in_transaction:
            return
        while self.used + size > self.budget and self.items:
            old = next(iter(self.items))  # the oldest entry (dicts keep insertion order)
            self.used -= self.items.pop(old)[1]
        self.items[key] = (value, size)
        self.used += size




CHANGE_KINDS = ("changed", "added", "removed", "new", "updated", "status")  # something in a text changed
HEALTH_KINDS = ("source_broken", "recovered")  # about a source, not a text
ALERT_KINDS = CHANGE_KINDS + HEALTH_KINDS


@dataclass(frozen=True)
class Alert:
    """One alert as every reader sees it: CLI, digests, pages, feeds, export.

    Decoded from its row in one place (:meth:`Alert.from_row`): lists are
    tuples, a missing diff is an empty tuple, the reason is a :class:`Reason`.
    """

    id: int
    kind: str
    source_id: str
    detected_at: str  # UTC ISO 8601
    document_id: int | None = None
    ref: str | None = None
    title: str = ""
    url: str | None = None
    published: str | None = None
    topics: tuple[str, ...] = ()
    matches: tuple[str, ...] = ()
    snippet: str = ""
    before: str | None = None
    after: str | None = None
    diff: tuple[tuple[str, str], ...] = ()
    reason: Reason = field(default_factory=lambda: Reason("legacy", {"text": ""}))
    fetch_id: int | None = None
    sha256: str | None = None
    hit: str = ""  # a search result's highlighted excerpt
    in_force: str | None = None  # a legal change's entry into force, as its page states it
    consolidated: str | None = None  # Justel's "mise à jour au" when the change was read

    @classmethod
    def from_row(cls, row: dict[str, Any], diff: tuple[tuple[str, str], ...] | None = None) -> Alert:
        """``diff``: the decoded diff, when the caller has it already."""
        return cls(
            id=row["id"],
            kind=row["kind"],
            source_id=row["source_id"],
            detected_at=row["detected_at"],
            document_id=row.get("document_id"),
            ref=row.get("ref"),
            title=row.get("title") or "",
            url=row.get("url"),
            published=row.get("published"),
            topics=tuple(json.loads(row["topics"])) if row.get("topics") else (),
            matches=tuple(json.loads(row["matches"])) if row.get("matches") else (),
            snippet=row.get("snippet") or "",
            before=row.get("before"),
            after=row.get("after"),
            diff=diff if diff is not None else decode_diff(row.get("diff")),
            reason=Reason.stored(row.get("reason_code"), row.get("reason_params"), row.get("reason")),
            fetch_id=row.get("fetch_id"),
            sha256=row.get("sha256"),
            hit=row.get("hit") or "",
            in_force=row.get("in_force"),
            consolidated=row.get("consolidated"),
        )


@dataclass(frozen=True)
class Document:
    """One watched unit (an article, a publication, a dossier …) with its current version."""

    id: int
    source_id: str
    key: str
    ref: str
    present: bool
    first_seen: str
    last_seen: str
    number: str | None = None
    title: str | None = None
    url: str | None = None
    heading: str | None = None
    reason: str | None = None
    published: str | None = None
    tracked: bool = False
    topics: tuple[str, ...] = ()
    current_version: int | None = None
    hash: str | None = None  # of the current version's text
    text: str | None = None
    status: str | None = None
    events: tuple[str, ...] = ()
    changed_at: str | None = None  # when its current version was first seen

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Document:
        return cls(
            id=row["id"],
            source_id=row["source_id"],
            key=row["key"],
            ref=row["ref"],
            present=bool(row["present"]),
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            number=row.get("number"),
            title=row.get("title"),
            url=row.get("url"),
            heading=row.get("heading"),
            reason=row.get("reason"),
            published=row.get("published"),
            tracked=bool(row.get("tracked")),
            topics=tuple(json.loads(row["topics"])) if row.get("topics") else (),
            current_version=row.get("current_version"),
            hash=row.get("hash"),
            text=row.get("text"),
            status=row.get("status"),
            events=tuple(json.loads(row["events"])) if row.get("events") else (),
            changed_at=row.get("changed_at"),
        )


@dataclass(frozen=True)
class Version:
    """One distinct text of a document, with the dates it was seen."""

    id: int
    document_id: int
    hash: str
    text: str
    first_seen: str
    last_seen: str
    notes: tuple[str, ...] = ()
    status: str | None = None
    events: tuple[str, ...] = ()
    sha256: str | None = None
    fetch_id: int | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Version:
        return cls(
            id=row["id"],
            document_id=row["document_id"],
            hash=row["hash"] or sha256(row["text"].encode("utf-8")),  # a packed version's is its text's
            text=row["text"],
            first_seen=row["first_seen"],
            last_seen=row["last_seen"],
            notes=tuple(json.loads(row["notes"])) if row.get("notes") else (),
            status=row.get("status"),
            events=tuple(json.loads(row["events"])) if row.get("events") else (),
            sha256=row.get("sha256"),
            fetch_id=row.get("fetch_id"),
        )


@dataclass(frozen=True)
class Validators:
    etag: str | None
    last_modified: str | None


class Store:
    """The watcher database.  Open with :meth:`Store.open`."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path
        self._texts = _Memo()  # version id -> text
        self._diffs = _Memo()  # alert id -> decoded diff
        self._alerts = _Memo()  # an alert row's values -> its Alert

    @classmethod
    def open_readonly(cls, path: str | Path) -> Store:
        """For the archive: no write can happen through this connection."""
        path = Path(path)
        if not path.exists():
            raise StoreError(f"no database at {path} yet; run `watcher check` first")
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False, timeout=30)
            conn.execute("PRAGMA query_only = ON")
            done = {r[0] for r in conn.execute("SELECT name FROM _migrations")}
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path}: cannot use database: {e}") from None
        missing = [name for name, _ in MIGRATIONS if name not in done]
        if missing:
            conn.close()
            raise StoreError(
                f"{path}: made by an older watcher (without {', '.join(missing)}); "
                "run `watcher check` (or `watcher status`) once to upgrade it"
            )
        try:
            return cls(Database(conn), path)
        except sqlite3.DatabaseError as e:
            raise StoreError(f"{path}: cannot use database: {e}") from None

    @classmethod
    def open(cls, path: str | Path, *, create: bool = True, until: str | None = None) -> Store:
        """Open (and create, and upgrade) the database; ``until`` stops after
        that migration, for tests and benchmarks that build an older one."""
        path = Path(path)
        if not create and not path.exists():
            raise StoreError(f"no database at {path} yet; run `watcher check` first")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # One thread at a time uses a connection, but not always the one
            # that made it (a worker's connection is closed by the caller).
            conn = sqlite3.connect(str(path), timeout=30, check_same_thread=False)
            # No implicit transactions: every write is either a single
            # autocommitted statement or inside Store.atomic().
            conn.isolation_level = None
            db = Database(conn)
            db.execute("PRAGMA journal_mode=WAL")
            # WAL + synchronous=NORMAL never corrupts and survives a killed
            # process; a power cut may undo the last passes, which the next
            # pass then redoes (a change is re-detected, a digest re-sent):
            # nothing is lost, and each pass is spared an fsync.
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("PRAGMA foreign_keys=ON")
            store = cls(db, path)
            store._migrate(until)
        except (sqlite3.DatabaseError, OSError) as e:
            raise StoreError(f"{path}: cannot use database: {e}") from None
        return store

    def close(self) -> None:
        self.db.close()

    def _migrate(self, until: str | None = None) -> None:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
        )
        done = {r[0] for r in self.db.execute("SELECT name FROM _migrations").fetchall()}
        known = {name for name, _ in MIGRATIONS}
        unknown = done - known
        if unknown:
            raise StoreError(
                f"{self.path}: made by a newer watcher (migrations {', '.join(sorted(unknown))}); upgrade watcher"
            )
        vacuum = False
        for name, step in MIGRATIONS:
            if until is not None and name > until:
                break
            if name in done:
                continue
            # BEGIN IMMEDIATE, then look again: another process (`watcher run`
            # starting while `watcher status` opens the file) may have applied
            # it while we waited for the write lock.
            with self.atomic():
                if self.db.execute("SELECT 1 FROM _migrations WHERE name = ?", [name]).fetchone():
                    continue
                step(self.db)
                self.db.execute("INSERT INTO _migrations VALUES (?, ?)", [name, utcnow()])
                vacuum = vacuum or name in VACUUM_AFTER
        if vacuum:
            # Outside the migration's transaction, as VACUUM must be.  It needs
            # as much free disk as the database: without it the space is
            # simply not given back yet, and watcher goes on.
            try:
                self.db.execute("VACUUM")
            except sqlite3.OperationalError as e:
                log.warning("%s: migrated, but VACUUM failed (%s); the file keeps its old size until "
                            "`sqlite3 %s VACUUM` succeeds", self.path, e, self.path)

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction; nested calls become savepoints.

        The outermost one is BEGIN IMMEDIATE: it takes the write lock at once
        (waiting up to the busy timeout), so parallel checks queue instead of
        failing with "database is locked" when two read-then-write
        transactions would otherwise deadlock.
        """
        conn = self.db.conn
        if conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            if _in_transaction(conn):  # read again: the statement that failed may have ended it
                conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    # -- sources ---------------------------------------------------------

    def ensure_source(self, source_id: str, kind: str, url: str, title: str) -> dict[str, Any]:
        row = self.source(source_id)
        if row is None:
            self.db.execute(
                "INSERT INTO sources (id, kind, url, title) VALUES (?, ?, ?, ?)", [source_id, kind, url, title]
            )
        elif (row["kind"], row["url"], row["title"]) != (kind, url, title):
            values: dict[str, Any] = {"kind": kind, "url": url, "title": title}
            if row["url"] != url:
                # What the old URL held says nothing about the new one.
                values.update(law_numac=None, refs=None)
            self.update_source(source_id, **values)
        else:
            return row
        row = self.source(source_id)
        assert row is not None
        return row

    def source(self, source_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM sources WHERE id = ?", [source_id]))
        return rows[0] if rows else None

    def sources(self) -> list[dict[str, Any]]:
        return list(self.db.query("SELECT * FROM sources ORDER BY id"))

    def update_source(self, source_id: str, **values: Any) -> None:
        columns = ", ".join(f"[{k}] = ?" for k in values)
        self.db.execute(f"UPDATE sources SET {columns} WHERE id = ?", [*values.values(), source_id])

    # -- HTTP cache and payloads --------------------------------------------

    def validators(self, source_id: str, url: str, config_hash: str) -> Validators:
        """The ETag / Last-Modified to send, or none when the source's settings
        changed since (a 304 would then hide articles newly selected)."""
        rows = list(self.db.query(
            "SELECT etag, last_modified, config_hash FROM http_cache WHERE source_id = ? AND url = ?", [source_id, url]
        ))
        if not rows or rows[0]["config_hash"] != config_hash:
            return Validators(None, None)
        return Validators(rows[0]["etag"], rows[0]["last_modified"])

    def save_validators(
        self, source_id: str, url: str, etag: str | None, last_modified: str | None, digest: str, config_hash: str
    ) -> None:
        self.db.table("http_cache").upsert(
            {
                "source_id": source_id,
                "url": url,
                "etag": etag,
                "last_modified": last_modified,
                "sha256": digest,
                "config_hash": config_hash,
                "updated_at": utcnow(),
            },
            pk=("source_id", "url"),
        )

    def forget_validators(self, source_id: str, url: str) -> None:
        self.db.execute("DELETE FROM http_cache WHERE source_id = ? AND url = ?", [source_id, url])

    def put_payload(self, data: bytes, content_type: str | None) -> str:
        digest = sha256(data)
        # A page seen before (a site serving an earlier version again) is
        # already kept: compressing it again would be thrown away.
        if self.db.execute("SELECT 1 FROM payloads WHERE sha256 = ?", [digest]).fetchone() is None:
            self.db.execute(
                "INSERT OR IGNORE INTO payloads (sha256, size, compression, content_type, data, first_seen) "
                "VALUES (?, ?, 'zlib', ?, ?, ?)",
                [digest, len(data), content_type, zlib.compress(data, PAYLOAD_LEVEL), utcnow()],
            )
        return digest

    def payload(self, digest: str) -> bytes:
        rows = self.db.execute("SELECT compression, data FROM payloads WHERE sha256 = ?", [digest]).fetchall()
        if not rows:
            raise StoreError(f"no payload {digest}")
        compression, data = rows[0]
        return zlib.decompress(data) if compression == "zlib" else bytes(data)

    def record_fetch(self, **values: Any) -> int:
        columns = ", ".join(f"[{k}]" for k in values)
        marks = ", ".join("?" for _ in values)
        cursor = self.db.execute(f"INSERT INTO fetches ({columns}) VALUES ({marks})", list(values.values()))
        return int(cursor.lastrowid or 0)

    # -- documents, versions, alerts ---------------------------------------

    def documents(self, source_id: str) -> dict[str, Document]:
        """Documents of a source by key, each with its current version's hash and text."""
        docs = list(self.db.query(
            "SELECT d.*, v.hash AS hash, v.text AS text, v.status AS status, v.events AS events, "
            "v.first_seen AS changed_at FROM documents d "
            "LEFT JOIN versions v ON v.id = d.current_version WHERE d.source_id = ?",
            [source_id],
        ))
        # A current version is stored whole; read it through version_texts
        # should one ever be packed.
        texts = self.version_texts(r["current_version"] for r in docs if r["current_version"] and r["text"] is None)
        return {
            r["key"]: Document.from_row(dict(r, text=texts[r["current_version"]]) if r["current_version"] in texts else r)
            for r in docs
        }

    def document(self, source_id: str, ref: str) -> Document | None:
        """The document a reader means by ``ref``: the present one, else the latest."""
        rows = list(
            self.db.query(
                "SELECT * FROM documents WHERE source_id = ? AND ref = ? ORDER BY present DESC, id DESC",
                [source_id, ref],
            )
        )
        return Document.from_row(rows[0]) if rows else None

    def present_documents(self, source_id: str) -> list[Document]:
        return [
            Document.from_row(r)
            for r in self.db.query("SELECT * FROM documents WHERE source_id = ? AND present = 1 ORDER BY id", [source_id])
        ]

    def document_refs(self, source_id: str | None = None) -> list[tuple[str, str]]:
        """(source id, ref) of every document, once each."""
        if source_id is None:
            return [(r[0], r[1]) for r in self.db.execute("SELECT DISTINCT source_id, ref FROM documents ORDER BY source_id, ref")]
        return [
            (source_id, r[0])
            for r in self.db.execute("SELECT DISTINCT ref FROM documents WHERE source_id = ?", [source_id])
        ]

    def insert_document(self, values: dict[str, Any]) -> int:
        return _pk(self.db.table("documents").insert(values).last_pk)

    def update_document(self, doc_id: int, **values: Any) -> None:
        self.db.table("documents").update(doc_id, values)

    def insert_version(self, values: dict[str, Any]) -> int:
        """Store a document's new text, which the caller makes its current
        version; the one it replaces is packed against it."""
        values = dict(values, notes=json.dumps(list(values.get("notes", ())), ensure_ascii=False))
        text: str = values["text"]
        previous = self.db.execute(
            "SELECT v.id, v.text FROM documents d JOIN versions v ON v.id = d.current_version WHERE d.id = ?",
            [values["document_id"]],
        ).fetchone()
        version_id = _pk(self.db.table("versions").insert(values).last_pk)
        self._index("versions_fts", version_id, {"text": text})
        if previous and previous[1] is not None:
            self._pack(previous[0], previous[1], values["document_id"], version_id, text)
        return version_id

    def _pack(self, version_id: int, text: str, document_id: int, newer_id: int, newer_text: str) -> None:
        # A delta against the newer text, unless KEYFRAME - 1 older versions
        # already reach their texts through this one: then it stands alone.
        bases = [r[0] for r in self.db.execute(
            "SELECT base FROM versions WHERE document_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
            [document_id, version_id, KEYFRAME],
        )]
        alone = delta_run(bases) >= KEYFRAME - 1
        self.db.execute(
            "UPDATE versions SET text = NULL, packed = ?, base = ?, hash = CASE WHEN hash = ? THEN NULL ELSE hash END "
            "WHERE id = ?",
            [pack(text, None if alone else newer_text), None if alone else newer_id,
             sha256(text.encode("utf-8")), version_id],
        )

    def version_texts(self, ids: Iterable[int]) -> dict[int, str]:
        """The texts of these versions, unpacking each delta chain once."""
        rows: dict[int, tuple[str | None, bytes | None, int | None]] = {}
        out: dict[int, str] = {}
        wanted = set()
        for i in ids:
            if i is not None:
                known = self._texts.get(i)
                if known is None:
                    wanted.add(i)
                else:
                    out[i] = known
        while wanted:
            found = self.db.execute(
                "SELECT id, text, packed, base FROM versions WHERE id IN (SELECT value FROM json_each(?))",
                [json.dumps(sorted(wanted))],
            ).fetchall()
            for vid, text, packed, base in found:
                rows[vid] = (text, packed, base)
            wanted = {r[2] for r in rows.values() if r[0] is None and r[2] is not None and r[2] not in rows}
            for base in list(wanted):
                known = self._texts.get(base)
                if known is not None:
                    out[base] = known
                    wanted.discard(base)

        def text_of(vid: int) -> str:
            if vid not in out:
                text, packed, base = rows[vid]
                out[vid] = text if text is not None else unpack(packed or b"", None if base is None else text_of(base))
                self._texts.put(vid, out[vid], len(out[vid]), self.db.conn)
            return out[vid]

        for vid in list(rows):
            text_of(vid)
        return out

    def _index(self, table: str, rowid: int, columns: dict[str, str | None]) -> None:
        """Index a row's texts, and learn their words (see :mod:`watcher.queries`)."""
        names = ", ".join(columns)
        marks = ", ".join("?" for _ in columns)
        self.db.execute(f"INSERT INTO {table} (rowid, {names}) VALUES (?, {marks})", [rowid, *columns.values()])
        conn = self.db.conn
        # SQLite's own tokenizer, in this connection's temp schema: the words
        # learnt are exactly the index's terms.  Made inside the caller's
        # transaction, so asked for each time: a rollback takes it away.
        conn.execute(f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.watcher_words USING fts5(t, tokenize='{FTS_TOKENIZE}')")
        conn.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.watcher_words_terms USING fts5vocab(temp, watcher_words, row)")
        conn.execute("INSERT INTO temp.watcher_words (t) VALUES (?)", ["\n".join(v for v in columns.values() if v)])
        conn.execute("INSERT OR IGNORE INTO fts_terms (term) SELECT term FROM temp.watcher_words_terms")
        conn.execute("DELETE FROM temp.watcher_words")

    def touch_version(self, version_id: int, when: str) -> None:
        self.db.execute("UPDATE versions SET last_seen = ? WHERE id = ?", [when, version_id])

    def touch_present_documents(self, source_id: str, when: str) -> None:
        self.db.execute(
            "UPDATE versions SET last_seen = ? WHERE id IN "
            "(SELECT current_version FROM documents WHERE source_id = ? AND present = 1)",
            [when, source_id],
        )
        self.db.execute(
            "UPDATE documents SET last_seen = ? WHERE source_id = ? AND present = 1", [when, source_id]
        )

    def versions(self, document_id: int) -> list[Version]:
        rows = list(self.db.query("SELECT * FROM versions WHERE document_id = ? ORDER BY id", [document_id]))
        texts = self.version_texts(r["id"] for r in rows if r["text"] is None)
        return [Version.from_row(dict(r, text=texts[r["id"]]) if r["text"] is None else r) for r in rows]

    def insert_alert(self, values: dict[str, Any]) -> int:
        """Store an alert; ``values["reason"]`` is a :class:`Reason`.  A text
        that is a version's (``before_version``, ``after_version``) is stored
        as that version only."""
        values = dict(values)
        texts = {"before": values.get("before"), "after": values.get("after")}
        for side in ("before", "after"):
            if values.get(f"{side}_version") is not None:
                values[side] = None
            else:
                values.pop(f"{side}_version", None)
        reason: Reason = values.pop("reason")
        values["reason"] = reason.text("en")
        values["reason_code"] = reason.code
        values["reason_params"] = reason.params_json()
        values["topics"] = json.dumps(list(values.get("topics", ())), ensure_ascii=False)
        values["matches"] = json.dumps(list(values.get("matches", ())), ensure_ascii=False)
        if values.get("diff") is not None:
            values["diff"] = json.dumps(values["diff"], ensure_ascii=False)
            values["diff_packed"] = pack_diff(values["diff"], texts["before"], texts["after"])
            if values["diff_packed"] is not None:
                values["diff"] = None
        alert_id = _pk(self.db.table("alerts").insert(values).last_pk)
        self._index("alerts_fts", alert_id, {
            "title": values.get("title"), "reason": values["reason"], "snippet": values.get("snippet"), **texts,
        })
        return alert_id

    def alerts_from_rows(self, rows: Iterable[dict[str, Any]]) -> list[Alert]:
        """Decode alert rows (``alerts.*``), reading the versions their texts are.

        An alert read again with exactly the same row (a digest run reads
        each alert once per digest it is in) is decoded once."""
        rows = list(rows)
        keys = [tuple(r.values()) for r in rows]
        known = [self._alerts.get(k) for k in keys]
        if all(a is not None for a in known):
            return cast(list[Alert], known)
        fresh = iter(self._decode_alerts([r for r, a in zip(rows, known, strict=True) if a is None]))
        out = []
        for key, a in zip(keys, known, strict=True):
            if a is None:
                a = next(fresh)
                size = sum(len(v) for v in key if isinstance(v, str | bytes)) + len(a.before or "") + len(a.after or "")
                self._alerts.put(key, a, size, self.db.conn)
            out.append(a)
        return out

    def _decode_alerts(self, rows: list[dict[str, Any]]) -> list[Alert]:
        texts = self.version_texts(
            r[f"{side}_version"] for r in rows for side in ("before", "after") if r.get(f"{side}_version")
        )
        out = []
        for r in rows:
            for side in ("before", "after"):
                if r.get(f"{side}_version") in texts and r.get(side) is None:
                    r = dict(r, **{side: texts[r[f"{side}_version"]]})
            diff = self._diffs.get(r["id"])
            if diff is None:
                raw = r.get("diff")
                if r.get("diff_packed") is not None:
                    raw = unpack(r["diff_packed"], r.get("after") or r.get("before"))
                diff = decode_diff(raw)
                self._diffs.put(r["id"], diff, len(raw or ""), self.db.conn)
            out.append(Alert.from_row(r, diff))
        return out

    def alerts(self, *, source_id: str | None = None, since: str | None = None) -> list[Alert]:
        """Alerts, oldest first."""
        where, params = [], []
        if source_id:
            where.append("source_id = ?")
            params.append(source_id)
        if since:
            where.append("detected_at >= ?")
            params.append(since)
        sql = "SELECT * FROM alerts" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY id"
        return self.alerts_from_rows(self.db.query(sql, params))

    def alerts_where(self, where: str, args: list[Any], *, order: str = "id DESC", limit: int | None = None,
                     offset: int = 0) -> list[Alert]:
        """Alerts matching a WHERE clause built by :mod:`watcher.queries` (never from user text)."""
        sql = f"SELECT * FROM alerts{where} ORDER BY alerts.{order}"
        if limit is not None:
            sql += " LIMIT ? OFFSET ?"
            args = [*args, limit, offset]
        return self.alerts_from_rows(self.db.query(sql, args))

    def alert(self, alert_id: int) -> Alert | None:
        found = self.alerts_from_rows(self.db.query("SELECT * FROM alerts WHERE id = ?", [alert_id]))
        return found[0] if found else None

    def record_check(self, source_id: str, at: str, ok: bool) -> None:
        self.db.execute("INSERT INTO checks (source_id, at, ok) VALUES (?, ?, ?)", [source_id, at, int(ok)])

    def good_checks(self, source_id: str, since: str) -> tuple[int, str | None]:
        """How many good checks of a source since ``since``, and the last one."""
        n, last = self.db.execute(
            "SELECT count(*), max(at) FROM checks WHERE source_id = ? AND ok = 1 AND at >= ?", [source_id, since]
        ).fetchone()
        return int(n), last

    # -- stories and notes -----------------------------------------------------

    def story_of(self, alert_id: int) -> int | None:
        row = self.db.execute("SELECT story_id FROM story_alerts WHERE alert_id = ?", [alert_id]).fetchone()
        return int(row[0]) if row else None

    def is_unlinked(self, alert_id: int) -> bool:
        return self.db.execute("SELECT 1 FROM story_unlinks WHERE alert_id = ?", [alert_id]).fetchone() is not None

    def stories_with_keys(self, keys: list[str]) -> list[int]:
        marks = ", ".join("?" for _ in keys)
        rows = self.db.execute(f"SELECT DISTINCT story_id FROM story_keys WHERE key IN ({marks}) ORDER BY story_id", keys)
        return [int(r[0]) for r in rows]

    def story_keys(self, story_id: int) -> set[str]:
        return {r[0] for r in self.db.execute("SELECT key FROM story_keys WHERE story_id = ?", [story_id])}

    def new_story(self, title: str, when: str) -> int:
        return _pk(self.db.table("stories").insert({"title": title, "created_at": when}).last_pk)

    def add_story_key(self, story_id: int, key: str, how: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO story_keys (story_id, key, how) VALUES (?, ?, ?)", [story_id, key, how])

    def add_story_alert(self, story_id: int, alert_id: int, step: str, how: str, when: str) -> None:
        self.db.execute(
            "INSERT OR IGNORE INTO story_alerts (story_id, alert_id, step, how, linked_at) VALUES (?, ?, ?, ?, ?)",
            [story_id, alert_id, step, how, when],
        )

    def merge_story(self, other: int, *, into: int) -> None:
        for table in ("story_keys", "story_alerts", "notes"):
            self.db.execute(f"UPDATE {table} SET story_id = ? WHERE story_id = ?", [into, other])
        row = self.db.execute("SELECT published, in_force, consolidated FROM stories WHERE id = ?", [other]).fetchone()
        if row:
            self.update_story_dates(into, published=row[0], in_force=row[1], consolidated=row[2])
        self.db.execute("DELETE FROM stories WHERE id = ?", [other])

    def update_story_dates(self, story_id: int, *, published: str | None, in_force: str | None, consolidated: str | None) -> None:
        # The first publication and entry into force stand; the latest consolidation counts.
        self.db.execute(
            "UPDATE stories SET published = coalesce(published, ?), in_force = coalesce(in_force, ?), "
            "consolidated = max(coalesce(consolidated, ''), coalesce(?, '')) WHERE id = ?",
            [published, in_force, consolidated, story_id],
        )
        self.db.execute("UPDATE stories SET consolidated = NULL WHERE id = ? AND consolidated = ''", [story_id])

    def set_story_title(self, story_id: int, title: str) -> None:
        self.db.execute("UPDATE stories SET title = ? WHERE id = ?", [title, story_id])

    def set_alert_dates(self, alert_id: int, *, in_force: str | None, consolidated: str | None) -> None:
        self.db.execute(
            "UPDATE alerts SET in_force = coalesce(?, in_force), consolidated = coalesce(?, consolidated) WHERE id = ?",
            [in_force, consolidated, alert_id],
        )

    def unlink_alert(self, alert_id: int, when: str) -> int | None:
        """Take an alert out of its story for good; the story it left."""
        if self.alert(alert_id) is None:
            raise StoreError(f"no alert {alert_id}")
        story = self.story_of(alert_id)
        self.db.execute("DELETE FROM story_alerts WHERE alert_id = ?", [alert_id])
        self.db.execute("INSERT OR REPLACE INTO story_unlinks (alert_id, at) VALUES (?, ?)", [alert_id, when])
        return story

    def clear_stories(self) -> None:
        """Forget every automatic link (unlink decisions stay; see :meth:`story_note_alerts`)."""
        self.db.execute("DELETE FROM story_alerts")
        self.db.execute("DELETE FROM story_keys")
        self.db.execute("DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM notes WHERE story_id IS NOT NULL)")
        self.db.execute("UPDATE stories SET published = NULL, in_force = NULL, consolidated = NULL")

    def story_note_alerts(self) -> dict[int, list[int]]:
        """Note id -> the alerts of the story it was written on."""
        out: dict[int, list[int]] = {}
        for note_id, alert_id in self.db.execute(
            "SELECT n.id, s.alert_id FROM notes n JOIN story_alerts s ON s.story_id = n.story_id ORDER BY s.alert_id"
        ):
            out.setdefault(int(note_id), []).append(int(alert_id))
        return out

    def move_note(self, note_id: int, story_id: int | None) -> None:
        if story_id is not None:
            self.db.execute("UPDATE notes SET story_id = ? WHERE id = ?", [story_id, note_id])

    def drop_empty_stories(self) -> None:
        self.db.execute("DELETE FROM stories WHERE id NOT IN (SELECT story_id FROM story_alerts) "
                        "AND id NOT IN (SELECT story_id FROM notes WHERE story_id IS NOT NULL)")

    def clear_story_keys(self, story_id: int) -> None:
        self.db.execute("DELETE FROM story_keys WHERE story_id = ?", [story_id])

    def count_alerts(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM alerts").fetchone()[0])

    def count_stories(self) -> int:
        return int(self.db.execute(
            "SELECT count(*) FROM stories WHERE id IN (SELECT story_id FROM story_alerts)"
        ).fetchone()[0])

    def story(self, story_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM stories WHERE id = ?", [story_id]))
        return rows[0] if rows else None

    def story_steps(self, story_id: int) -> list[tuple[str, str, Alert]]:
        """(step, how, alert) of a story, in the order they were detected."""
        rows = self.db.query(
            "SELECT s.step, s.how, a.* FROM story_alerts s JOIN alerts a ON a.id = s.alert_id "
            "WHERE s.story_id = ? ORDER BY a.detected_at, "
            "instr('filed amended adopted published in_force consolidated', s.step), a.id",
            [story_id],
        )
        found = list(rows)
        return [(r["step"], r["how"], a) for r, a in zip(found, self.alerts_from_rows(found), strict=True)]

    def stories(self, *, pending_consolidation: bool = False) -> list[dict[str, Any]]:
        where = " AND s.published IS NOT NULL AND s.consolidated IS NULL" if pending_consolidation else ""
        return list(self.db.query(
            "SELECT s.*, count(a.alert_id) AS steps FROM stories s JOIN story_alerts a ON a.story_id = s.id "
            f"WHERE 1 = 1{where} GROUP BY s.id ORDER BY s.id DESC"
        ))

    def add_note(self, *, alert_id: int | None, story_id: int | None, status: str, fr: str, nl: str,
                 author: str, when: str) -> int:
        return _pk(self.db.table("notes").insert({
            "alert_id": alert_id, "story_id": story_id, "status": status, "fr": fr or None, "nl": nl or None,
            "author": author or None, "at": when,
        }).last_pk)

    def stories_of(self, alert_ids: list[int]) -> dict[int, int]:
        """Alert id -> its story, for many alerts in one query."""
        if not alert_ids:
            return {}
        rows = self.db.execute(
            "SELECT alert_id, story_id FROM story_alerts WHERE alert_id IN (SELECT value FROM json_each(?))",
            [json.dumps(alert_ids)],
        )
        return {int(a): int(s) for a, s in rows}

    def notes_for_many(self, alert_ids: list[int]) -> dict[int, list[dict[str, Any]]]:
        """Alert id -> the notes on it and on its story, for many alerts in one query."""
        out: dict[int, list[dict[str, Any]]] = {}
        if not alert_ids or not self.db.execute("SELECT 1 FROM notes LIMIT 1").fetchone():
            return out
        rows = self.db.query(
            "SELECT a.value AS for_alert, n.* FROM json_each(?) a JOIN notes n ON n.alert_id = a.value "
            "OR n.story_id = (SELECT story_id FROM story_alerts WHERE alert_id = a.value) ORDER BY n.id",
            [json.dumps(alert_ids)],
        )
        for r in rows:
            out.setdefault(int(r.pop("for_alert")), []).append(r)
        return out

    def notes_for(self, alert_id: int) -> list[dict[str, Any]]:
        """Notes on an alert and on its story, oldest first."""
        return list(self.db.query(
            "SELECT * FROM notes WHERE alert_id = ? OR story_id = "
            "(SELECT story_id FROM story_alerts WHERE alert_id = ?) ORDER BY id",
            [alert_id, alert_id],
        ))

    def story_notes(self, story_id: int) -> list[dict[str, Any]]:
        return list(self.db.query(
            "SELECT * FROM notes WHERE story_id = ? OR alert_id IN "
            "(SELECT alert_id FROM story_alerts WHERE story_id = ?) ORDER BY id",
            [story_id, story_id],
        ))

    def present_counts(self) -> dict[str, int]:
        """Present documents per source, in one query."""
        return {
            str(sid): int(n)
            for sid, n in self.db.execute("SELECT source_id, count(*) FROM documents WHERE present = 1 GROUP BY source_id")
        }
