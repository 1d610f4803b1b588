"""Full-text search over contentless indexes: prefixes expanded to the
exact terms the store learnt, excerpts built in Python."""

from __future__ import annotations

from pathlib import Path

from watcher import queries
from watcher.reasons import Reason
from watcher.store import Store

TEXTS = [
    "Les dépositaires du secret professionnel, au sein du CPAS",
    "Le SECRÉTARIAT du centre public d'action sociale",
    "La secrétaire communale et l'Été électronique",
    "a_b secret_x, procureur du Roi",
    "Un texte sans rapport",
    "άλφα και αλφαβητο, ёлка и елка, ΣΟΦΟΣ σοφός",
]


def _store(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "w.db")
    store.db.execute("INSERT INTO sources (id, kind, url, title) VALUES ('s', 'page', 'https://x/', 'S')")
    for i, text in enumerate(TEXTS):
        doc = store.insert_document({"source_id": "s", "key": f"k{i}", "ref": str(i), "first_seen": "t", "last_seen": "t"})
        vid = store.insert_version({"document_id": doc, "hash": "h", "text": text, "notes": [], "first_seen": "t", "last_seen": "t"})
        store.update_document(doc, current_version=vid)
        store.insert_alert({"kind": "new", "source_id": "s", "document_id": doc, "ref": str(i), "title": f"Item {i}",
                            "detected_at": f"2026-01-0{i + 1}", "topics": [], "after": text, "after_version": vid,
                            "reason": Reason("item_new")})
    return store


def test_an_expanded_prefix_finds_exactly_what_the_prefix_finds(tmp_path: Path) -> None:
    store = _store(tmp_path)
    for q in ("secret", "SECR", "electroni", "été", "procureur secret", "a_b", "depositaire", "zzz", "s",
              "άλφα", "αλφα", "ёлка", "елка", "σοφοσ", "ΣΟΦΌΣ", "a_a"):
        expanded = queries.fts_query(q, store)
        plain = queries.fts_query(q)
        for table in ("alerts_fts", "versions_fts"):
            got = [r[0] for r in store.db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid", [expanded])]
            want = [r[0] for r in store.db.execute(f"SELECT rowid FROM {table} WHERE {table} MATCH ? ORDER BY rowid", [plain])]
            assert got == want, (q, table, expanded)
    assert queries.fts_query("secret", store) == '("secret" OR "secretaire" OR "secretariat")'
    assert queries.fts_query("a_b", store) == '"a_b"*'  # two tokens to FTS5: left to it


def test_the_excerpt_marks_the_words_as_written(tmp_path: Path) -> None:
    store = _store(tmp_path)
    found = queries.search(store, "secret ete")
    hits = {a.ref: a.hit for a in found["alerts"]}
    assert hits["2"] == "La \x02secrétaire\x03 communale et l'\x02Été\x03 électronique"
    texts = {r["id"]: r["hit"] for r in found["texts"]}
    assert "\x02Été\x03" in texts[3]
    long = " ".join(["mot"] * 60 + ["secret"] + ["mot"] * 60)
    cut = queries.excerpt(["", long], ["secret"])
    assert cut.startswith(" … ") and cut.endswith(" … ") and "\x02secret\x03" in cut
    assert len(cut.split()) == 24 + 2
