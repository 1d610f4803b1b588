"""Migration 0011: texts stored once, packed, indexed without a copy.

A database is built as watcher 0010 wrote it (every alert carrying its
before and after texts, versions whole, FTS5 tables copying both), then
opened by the current store: every alert's before, after and diff, every
version's text and hash, and every search must read the same.
"""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from pathlib import Path
from typing import Any

from watcher import queries
from watcher.diff import word_diff
from watcher.store import KEYFRAME, Store

WORDS = ["secret", "professionnel", "dépositaires", "CPAS", "centre", "public", "action", "sociale", "dossier", "électronique", "procureur", "danger", "mineur", "\u200fשלום\u200f", "révélé", "témoignage"]


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _diff(before: str, after: str) -> str:
    # word_diff is quadratic in words: the 9,000-word text gets a stand-in (only its bytes matter here)
    if len(before) > 20_000:
        return json.dumps([["=", before[:30]], ["+", after[-30:]]], ensure_ascii=False)
    return json.dumps(word_diff(before, after), ensure_ascii=False) if before != after else "[]"


def _old_database(path: Path) -> dict[str, Any]:
    """A 0010 database, written as the old code wrote it; what it holds."""
    Store.open(path, until="0010_stories").close()
    con = sqlite3.connect(path)
    rng = random.Random(11)
    con.execute("INSERT INTO sources (id, kind, url, title, state) VALUES ('cp', 'justel', 'https://x/', 'CP', 'ok')")
    texts: dict[int, list[tuple[int, str]]] = {}
    for doc in (1, 2, 3):
        con.execute(
            "INSERT INTO documents (id, source_id, key, ref, title, first_seen, last_seen) VALUES (?, 'cp', ?, ?, ?, '2026', '2026')",
            [doc, f"k{doc}", str(doc), f"art. {doc}"],
        )
        words = [rng.choice(WORDS) for _ in range(60 if doc != 3 else 9000)]  # doc 3: over deflate's 32 KB window
        n = {1: 2 * KEYFRAME + 7, 2: 3, 3: 4}[doc]
        for k in range(n):
            if k:
                words[rng.randrange(len(words))] = rng.choice(WORDS)
            text = " ".join(words) if not (doc == 2 and k == 2) else texts[2][0][1]  # doc 2 returns to its first text
            h = _h(text) if (doc, k) != (1, 3) else "legacy-hash"  # an odd stored hash is kept as it is
            vid = con.execute(
                "INSERT INTO versions (document_id, hash, text, notes, first_seen, last_seen) VALUES (?, ?, ?, '[]', ?, ?)",
                [doc, h, text, f"2026-01-{k + 1:02d}T00:00:00+00:00", f"2026-01-{k + 1:02d}T00:00:00+00:00"],
            ).lastrowid
            texts.setdefault(doc, []).append((int(vid or 0), text))
        con.execute("UPDATE documents SET current_version = ? WHERE id = ?", [texts[doc][-1][0], doc])

    def alert(kind: str, doc: int | None, before: str | None, after: str | None, when: str) -> None:
        con.execute(
            "INSERT INTO alerts (kind, source_id, document_id, ref, title, detected_at, topics, matches, snippet, "
            "before, after, diff, reason, reason_code, reason_params) "
            "VALUES (?, 'cp', ?, ?, ?, ?, '[\"secret\"]', '[]', ?, ?, ?, ?, 'text changed', 'article_changed', '{}')",
            [kind, doc, str(doc), f"art. {doc}", when, (after or "")[:80], before, after,
             _diff(before or "", after or "")],
        )

    for doc, versions in texts.items():
        alert("added", doc, None, versions[0][1], "2026-01-01T00:00:00+00:00")
        for k in range(1, len(versions)):
            alert("changed", doc, versions[k - 1][1], versions[k][1], f"2026-01-{k + 1:02d}T00:00:00+00:00")
    alert("removed", 1, texts[1][-1][1], "a text no version holds: the article left the selection", "2026-02-01T00:00:00+00:00")
    alert("removed", 2, texts[2][-1][1], None, "2026-02-02T00:00:00+00:00")
    alert("source_broken", None, None, None, "2026-02-03T00:00:00+00:00")
    con.commit()
    held = {
        "alerts": [tuple(r) for r in con.execute("SELECT id, before, after, diff FROM alerts ORDER BY id")],
        "versions": {vid: text for doc in texts.values() for vid, text in doc},
        "hashes": dict(con.execute("SELECT id, hash FROM versions")),
        "found": {w: sorted(r[0] for r in con.execute("SELECT rowid FROM alerts_fts WHERE alerts_fts MATCH ?", [f'"{w}"*']))
                  for w in ("secret", "electroni", "temoignage", "selection", "shalom", "art")},
        "texts_found": sorted(r[0] for r in con.execute("SELECT rowid FROM versions_fts WHERE versions_fts MATCH 'procureur'")),
    }
    con.close()
    return held


def test_every_alert_and_version_reads_the_same_after_migrating(tmp_path: Path) -> None:
    path = tmp_path / "w.db"
    held = _old_database(path)
    size_before = path.stat().st_size
    store = Store.open(path)
    alerts = {a.id: a for a in store.alerts()}
    assert len(alerts) == len(held["alerts"])
    for alert_id, before, after, diff in held["alerts"]:
        a = alerts[alert_id]
        assert (a.before, a.after) == (before, after), alert_id
        assert [list(d) for d in a.diff] == json.loads(diff), alert_id
    for doc in (1, 2, 3):
        for v in store.versions(doc):
            assert v.text == held["versions"][v.id]
            assert v.hash == held["hashes"][v.id]
    # the texts are stored once: an alert keeps only what no version holds
    inline = store.db.execute("SELECT count(*) FROM alerts WHERE before IS NOT NULL OR after IS NOT NULL").fetchone()[0]
    assert inline == 1
    whole = store.db.execute("SELECT count(*) FROM versions WHERE text IS NOT NULL").fetchone()[0]
    assert whole == 3  # one current text per document, the rest packed
    # search finds what it found
    for word, ids in held["found"].items():
        got = sorted(a.id for a in queries.all_alerts(store, queries.Filters(q=word)))
        assert got == ids, word
    assert sorted(r["id"] for r in queries.search(store, "procureur", limit=10_000)["texts"]) == held["texts_found"]
    store.close()
    assert path.stat().st_size < size_before  # VACUUMed after the migration


def test_a_long_history_is_packed_in_bounded_chains_and_reads_back(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "w.db")
    store.db.execute("INSERT INTO sources (id, kind, url, title) VALUES ('s', 'justel', 'https://x/', 'S')")
    doc = store.insert_document({"source_id": "s", "key": "k", "ref": "1", "first_seen": "t", "last_seen": "t"})
    rng = random.Random(3)
    words = [rng.choice(WORDS) for _ in range(80)]
    written = []
    for _ in range(3 * KEYFRAME + 2):
        words[rng.randrange(len(words))] = rng.choice(WORDS)
        text = " ".join(words)
        vid = store.insert_version({"document_id": doc, "hash": _h(text), "text": text, "notes": [],
                                    "first_seen": "t", "last_seen": "t"})
        store.update_document(doc, current_version=vid)
        written.append((vid, text))
    assert [(v.id, v.text, v.hash) for v in store.versions(doc)] == [(i, t, _h(t)) for i, t in written]
    rows = {r[0]: (r[1], r[2]) for r in store.db.execute("SELECT id, text IS NOT NULL, base FROM versions")}
    assert [i for i, (whole, _) in rows.items() if whole] == [written[-1][0]]

    def depth(vid: int) -> int:
        whole, base = rows[vid]
        return 0 if whole or base is None else 1 + depth(base)

    assert max(depth(i) for i in rows) <= KEYFRAME
    packed = store.db.execute("SELECT sum(length(packed)) FROM versions").fetchone()[0]
    assert packed < sum(len(t) for _, t in written[:-1]) / 5  # deltas, not whole texts
    # the search's terms learnt every word, accents folded
    assert store.db.execute("SELECT 1 FROM fts_terms WHERE term = 'electronique'").fetchone()


def test_a_rolled_back_check_leaves_no_stale_text_and_the_next_one_writes(tmp_path: Path) -> None:
    """SQLite gives a rolled-back row's id to the next row: nothing read
    inside the failed transaction may be remembered, and the temp tokenizer
    the transaction made (and lost) is made again."""
    import pytest

    from watcher.reasons import Reason

    store = Store.open(tmp_path / "w.db")
    store.db.execute("INSERT INTO sources (id, kind, url, title) VALUES ('s', 'page', 'https://x/', 'S')")
    doc = store.insert_document({"source_id": "s", "key": "k", "ref": "1", "first_seen": "t", "last_seen": "t"})

    def write(text: str) -> int:
        vid = store.insert_version({"document_id": doc, "hash": _h(text), "text": text, "notes": [],
                                    "first_seen": "t", "last_seen": "t"})
        store.update_document(doc, current_version=vid)
        return store.insert_alert({"kind": "new", "source_id": "s", "document_id": doc, "ref": "1", "title": "t",
                                   "detected_at": "t", "topics": [], "after": text, "after_version": vid,
                                   "diff": [["+", text]], "reason": Reason("item_new")})

    with pytest.raises(RuntimeError), store.atomic():
        first = write("premier texte")
        assert store.alert(first).after == "premier texte"  # type: ignore[union-attr]
        raise RuntimeError("the check failed")
    with store.atomic():
        again = write("autre chose")
    assert again == first  # the same id, given again
    a = store.alert(again)
    assert a is not None and a.after == "autre chose" and a.diff == (("+", "autre chose"),)
    fresh = Store.open(tmp_path / "w.db").alert(again)
    assert fresh == a
