"""The archive's read queries: alert pages, search, evidence, timelines.

Beside :mod:`watcher.store`, which decodes every row it returns
(:class:`~watcher.store.Alert`, :class:`~watcher.store.Document`,
:class:`~watcher.store.Version`); the archive, the feeds, the export and the
JSON API read through these and hold no SQL of their own.  The archive opens
its database read-only: nothing here can write.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import sqlite3
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .errors import StoreError
from .migrations import FTS_TOKENIZE
from .store import ALERT_KINDS, Alert, Document, Store, Version
from .text import fold

PAGE_SIZE = 25


@dataclass(frozen=True)
class Filters:
    topic: str = ""
    source: str = ""
    kind: str = ""
    since: str = ""  # UTC ISO timestamp, inclusive
    until: str = ""  # UTC ISO timestamp, exclusive
    q: str = ""

    def where(self, store: Store | None = None) -> tuple[str, list[Any]]:
        """The SQL condition; ``store`` lets a search's prefixes become exact terms (:func:`fts_query`)."""
        clauses: list[str] = []
        args: list[Any] = []
        if self.topic:
            clauses.append("EXISTS (SELECT 1 FROM json_each(alerts.topics) WHERE value = ?)")
            args.append(self.topic)
        if self.source:
            clauses.append("alerts.source_id = ?")
            args.append(self.source)
        if self.kind:
            clauses.append("alerts.kind = ?")
            args.append(self.kind)
        if self.since:
            clauses.append("alerts.detected_at >= ?")
            args.append(self.since)
        if self.until:
            clauses.append("alerts.detected_at < ?")  # the caller passes the exclusive UTC bound
            args.append(self.until)
        if self.q:
            clauses.append("alerts.id IN (SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH ?)")
            args.append(fts_query(self.q, store))
        return (" WHERE " + " AND ".join(clauses)) if clauses else "", args


MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 12
SEARCH_BUDGET = 0.5  # seconds of SQLite work one search may take
YEARS = (1900, 2200)


class BadInput(ValueError):
    """A visitor's filter or search that the archive refuses, with the reason to show."""


def read_query(q: str) -> str:
    """A visitor's search words, bounded in length and number."""
    q = q.strip()
    if len(q) > MAX_QUERY_CHARS:
        raise BadInput(f"the search is limited to {MAX_QUERY_CHARS} characters")
    if len(re.findall(r"\w+", q)) > MAX_QUERY_WORDS:
        raise BadInput(f"the search is limited to {MAX_QUERY_WORDS} words")
    return q


def read_day(value: str, tz: ZoneInfo, *, next_day: bool = False) -> str:
    """The UTC instant a local date (or date and time) stands for; with
    ``next_day``, the start of the following day.  Dates outside 1900–2200
    are refused: nothing watcher keeps is from then, and they break date
    arithmetic."""
    try:
        dt = datetime.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{value[:40]!r} is not an ISO date such as 2026-11-01") from None
    if not YEARS[0] <= dt.year <= YEARS[1]:
        raise BadInput(f"dates run from {YEARS[0]} to {YEARS[1]}")
    if next_day:
        dt = datetime(dt.year, dt.month, dt.day) + timedelta(days=1)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz)
    return dt.astimezone(UTC).isoformat(timespec="seconds")


@contextlib.contextmanager
def budget(store: Store, seconds: float = SEARCH_BUDGET) -> Iterator[None]:
    """Stop a full-text query that works longer than ``seconds`` (a visitor's
    search is never a way to keep the server busy)."""
    end = time.monotonic() + seconds
    conn = store.db.conn
    conn.set_progress_handler(lambda: int(time.monotonic() > end), 10_000)
    try:
        yield
    except sqlite3.OperationalError as e:
        if "interrupted" in str(e):
            raise BadInput("the search takes too long; use fewer or more precise words") from None
        raise
    finally:
        conn.set_progress_handler(None, 0)


MAX_EXPANSION = 40  # a prefix standing for more terms than this is left to FTS5 as a prefix


def fts_query(q: str, store: Store | None = None) -> str:
    """A user's words as a safe FTS5 query: each word a quoted prefix term.

    With ``store``, a prefix becomes the exact terms it stands for, read from
    ``fts_terms`` (``"secret"*`` is ``("secret" OR "secrets" OR "secretaire")``):
    the same matches, but FTS5 reads an exact term's rows lazily, newest first,
    and stops at the page's limit, where a prefix makes it merge every row of
    every such term first (60 ms instead of 0.1 ms for a common word in a
    million texts).  A word the terms cannot answer for stays a prefix."""
    words = re.findall(r"\w+", q)
    if not words:
        return '""'
    return " AND ".join(_expanded(store, w) if store is not None else f'"{w}"*' for w in words)


@functools.lru_cache(maxsize=4096)
def index_form(word: str) -> str | None:
    """``word`` as the index stores it, by SQLite's own tokenizer (Python's
    case and accent folding differs from it outside Latin letters); None
    when it is not exactly one token ("a_b" is two)."""
    with _TOKENIZER_LOCK:
        conn = _tokenizer()
        conn.execute("INSERT INTO w (rowid, t) VALUES (1, ?)", [word])
        terms = [t for (t,) in conn.execute("SELECT term FROM v")]
        conn.execute("DELETE FROM w")
    return terms[0] if len(terms) == 1 else None


_TOKENIZER_LOCK = threading.Lock()


@functools.lru_cache(maxsize=1)
def _tokenizer() -> sqlite3.Connection:
    # An in-memory database: the archive's own connection is read-only.
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.execute(f"CREATE VIRTUAL TABLE w USING fts5(t, tokenize='{FTS_TOKENIZE}')")
    conn.execute("CREATE VIRTUAL TABLE v USING fts5vocab(w, instance)")  # one row per token
    return conn


def _expanded(store: Store, word: str) -> str:
    folded = index_form(word)
    if folded is None:  # "a_b" is two tokens to FTS5: left to it
        return f'"{word}"*'
    terms = [t for (t,) in store.db.execute(
        "SELECT term FROM fts_terms WHERE term >= ? AND term < ? ORDER BY term LIMIT ?",
        [folded, folded + "\U0010ffff", MAX_EXPANSION + 1],
    )]
    if not terms or len(terms) > MAX_EXPANSION:
        return f'"{word}"*'
    return "(" + " OR ".join(f'"{t}"' for t in terms) + ")"


def alerts(
    store: Store, f: Filters, page: int = 1, size: int = PAGE_SIZE, *, count: bool = True
) -> tuple[list[Alert], int]:
    """One page of alerts, newest first, and the number of pages.

    With ``count=False`` the number of pages is only "this one, and one more
    if there is more": counting 100,000 rows on every page view is what
    would make the archive slow after years.
    """
    where, args = f.where(store)
    with budget(store):
        rows = store.alerts_where(where, args, limit=size + 1, offset=(page - 1) * size)
    if count:
        total = store.db.execute(f"SELECT count(*) FROM alerts{where}", args).fetchone()[0]
        pages = max(1, -(-total // size))
    else:
        pages = page + 1 if len(rows) > size else page
    return rows[:size], pages


def all_alerts(store: Store, f: Filters, limit: int | None = None) -> list[Alert]:
    """Alerts matching ``f``, newest first."""
    where, args = f.where(store)
    with budget(store):
        return store.alerts_where(where, args, limit=limit)


def evidence(store: Store, a: Alert) -> dict[str, Any] | None:
    """The capture an alert was read from: time, URL, status, sha256, size."""
    if not a.fetch_id and not a.sha256:
        return None
    rows = []
    if a.fetch_id:
        rows = list(store.db.query("SELECT * FROM fetches WHERE id = ?", [a.fetch_id]))
    if not rows and a.sha256:
        rows = list(store.db.query("SELECT * FROM fetches WHERE sha256 = ? ORDER BY id LIMIT 1", [a.sha256]))
    if not rows:
        return None
    f = rows[0]
    size = store.db.execute("SELECT size FROM payloads WHERE sha256 = ?", [f["sha256"]]).fetchone()
    return {
        "captured_at": f["started_at"],
        "url": f["final_url"] or f["url"],
        "status": f["status"],
        "sha256": f["sha256"],
        "bytes": size[0] if size else f["bytes"],
    }


_SAFE_REF = re.compile(r"^[A-Za-z0-9._~-]+(?:/[A-Za-z0-9._~-]+)*$")


def doc_slug(ref: str) -> str:
    """A document's path segment: its ref when that is path-safe ("458bis",
    "433novies/5", "56K1110"), else "h-" and a hash (a feed guid that is a
    URL would not survive a static host's decoding)."""
    if _SAFE_REF.match(ref) and not ref.startswith("h-"):
        return ref
    return "h-" + hashlib.sha1(ref.encode("utf-8")).hexdigest()[:16]


def document_by_slug(store: Store, source_id: str, slug: str) -> Document | None:
    if not slug.startswith("h-"):
        return store.document(source_id, slug)
    for _, ref in store.document_refs(source_id):
        if doc_slug(ref) == slug:
            return store.document(source_id, ref)
    return None


def timeline(store: Store, document_id: int) -> list[Version]:
    """Every version of a document, oldest first, with its status and events."""
    return store.versions(document_id)


def sources(store: Store) -> list[dict[str, Any]]:
    rows = store.sources()
    counts = store.present_counts()
    for r in rows:
        r["documents"] = counts.get(r["id"], 0)
    return rows


_MARK_OPEN, _MARK_CLOSE = "\x02", "\x03"


def search(store: Store, q: str, limit: int = 50) -> dict[str, list[Any]]:
    """Alerts and stored texts matching ``q``, newest first, with highlight
    markers (\\x02 … \\x03) that the page turns into <mark> after escaping.

    Newest first rather than by rank: FTS5 then stops at the limit instead
    of scoring every match, which keeps a common word fast in a million texts."""
    q = read_query(q)
    with budget(store):
        return _search(store, q, limit)


def _search(store: Store, q: str, limit: int) -> dict[str, list[Any]]:
    query = fts_query(q, store)
    found = store.alerts_from_rows(
        store.db.query(
            "SELECT a.* FROM alerts_fts JOIN alerts a ON a.id = alerts_fts.rowid "
            "WHERE alerts_fts MATCH ? ORDER BY alerts_fts.rowid DESC LIMIT ?",
            [query, limit],
        )
    )
    words = [index_form(w) or fold(w) for w in re.findall(r"\w+", q)]
    hits_alerts = [
        replace(a, hit=excerpt([a.title, a.reason.text("en"), a.snippet, a.before or "", a.after or ""], words))
        for a in found
    ]
    hits_texts = list(
        store.db.query(
            "SELECT v.id, v.first_seen, v.last_seen, d.source_id, d.ref, d.title, d.url FROM versions_fts "
            "JOIN versions v ON v.id = versions_fts.rowid JOIN documents d ON d.id = v.document_id "
            "WHERE versions_fts MATCH ? ORDER BY versions_fts.rowid DESC LIMIT ?",
            [query, limit],
        )
    )
    texts = store.version_texts(r["id"] for r in hits_texts)
    for r in hits_texts:
        r["hit"] = excerpt([texts[r["id"]]], words)
    return {"alerts": hits_alerts, "texts": hits_texts}


_TOKEN = re.compile(r"[^\W_]+")


@functools.lru_cache(maxsize=1)
def _variants() -> dict[str, str]:
    """Each ASCII letter with the Latin letters that fold to it, both cases ("e": "eEéèêë…ÉÈ…")."""
    out: dict[str, str] = {}
    for code in range(0xC0, 0x250):
        folded = fold(chr(code))
        if len(folded) == 1 and folded.isascii():
            out[folded] = out.get(folded, folded + folded.upper()) + chr(code)
    for letter in "abcdefghijklmnopqrstuvwxyz":
        out.setdefault(letter, letter + letter.upper())
    return out


@functools.lru_cache(maxsize=256)
def _word_pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    """A token starting with one of ``words`` (folded), matched in the text
    as written: any case, any accent; group n is the n-th word."""
    variants = _variants()

    def letters(word: str) -> str:
        return "".join(
            (f"[{re.escape(variants[c])}]" if c in variants else re.escape(c)) + "[\u0300-\u036f]*" for c in word
        )

    # Both cases spelt out rather than IGNORECASE, and no look-behind for the
    # token's start: a pattern that opens on plain letter classes lets the
    # engine skip to them (several times faster); _token_starts filters after.
    return re.compile("|".join(f"({letters(w)})" for w in words))


def _token_starts(pattern: re.Pattern[str], text: str) -> Iterator[re.Match[str]]:
    for m in pattern.finditer(text):
        i = m.start()
        if i == 0 or not _TOKEN.match(text, i - 1, i):
            yield m


def excerpt(columns: list[str], words: list[str], size: int = 24) -> str:
    """Up to ``size`` words around the searched ones, marked \\x02 … \\x03,
    from the column holding the most of them (what FTS5's snippet() gave
    when the indexes kept a copy of their texts)."""
    pattern = _word_pattern(tuple(sorted({w for w in words if w}, key=len, reverse=True)))
    best: tuple[int, int, str] | None = None
    for text in dict.fromkeys(columns):  # an unchanged before and after are read once
        # The score counts a word met inside another one too: only the chosen
        # column's marks need the exact token starts.
        found = [m.lastindex for m in pattern.finditer(text)] if pattern.groups else []
        score = (len(set(found)), len(found), text)
        if best is None or score[:2] > best[:2]:
            best = score
    if best is None or not _TOKEN.search(best[2]):
        return ""
    text = best[2]
    tokens = list(_TOKEN.finditer(text))
    starts = {m.start() for m in _token_starts(pattern, text)} if pattern.groups else set()
    hits = [t.start() in starts for t in tokens]
    first = hits.index(True) if any(hits) else 0
    start = max(0, min(first - size // 4, len(tokens) - size))
    end = min(len(tokens), start + size)
    out = [" … "] if start else []
    pos = tokens[start].start() if start else 0
    for i in range(start, end):
        t = tokens[i]
        out.append(text[pos:t.start()])
        out.append(f"{_MARK_OPEN}{t.group()}{_MARK_CLOSE}" if hits[i] else t.group())
        pos = t.end()
    out.append(" … " if end < len(tokens) else text[pos:])
    return "".join(out)


def payload(store: Store, sha: str) -> bytes | None:
    if not re.fullmatch(r"[0-9a-f]{64}", sha):
        return None
    try:
        return store.payload(sha)
    except (StoreError, zlib.error):  # unknown or unreadable: a 404, not a 500
        return None


def alert_kinds() -> list[str]:
    """The alert kinds a filter offers (a constant: a DISTINCT over 100,000
    alerts on every page view would cost more than the page itself)."""
    return list(ALERT_KINDS)
