"""Reasons are codes with parameters, rendered by key in three languages."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from watcher.reasons import LANGS, MESSAGES, Reason
from watcher.store import MIGRATIONS, Store

SAMPLE = {
    "article_new": {"why": [Reason("selected_listed")]},
    "article_now_watched": {"why": [Reason("selected_matching", {"phrases": ["secret professionnel"]})]},
    "article_watched_again": {"why": [Reason("selected_all")]},
    "selected_matching": {"phrases": ["secret professionnel", "beroepsgeheim"]},
    "item_status": {"changes": [Reason("status_changed", {"before": "HANGEND", "after": "AANGENOMEN"}), Reason("event_new", {"event": "004 AMENDEMENT"})]},
    "status_changed": {"before": "a", "after": "b"},
    "event_new": {"event": "004 AMENDEMENT"},
    "source_broken": {"error": "HTTP 503"},
    "source_recovered": {"since": "2026-11-01", "error": "HTTP 503"},
    "legacy": {"text": "as stored"},
}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_renders_in_every_language_with_no_placeholder_left(code: str) -> None:
    r = Reason(code, SAMPLE.get(code, {}))
    texts = {lang: r.text(lang) for lang in LANGS}
    for text in texts.values():
        assert text and "{" not in text
    again = Reason.from_json(json.loads(json.dumps(r.as_json())))
    assert again == r or again.text("fr") == r.text("fr")


def test_nested_reasons_render_in_the_reader_language() -> None:
    r = Reason("article_now_watched", SAMPLE["article_now_watched"])
    assert r.text("en") == "now watched: contains «secret professionnel»"
    assert r.text("fr") == "désormais suivi : contient «secret professionnel»"
    assert r.text("nl") == "voortaan gevolgd: bevat «secret professionnel»"
    s = Reason("item_status", SAMPLE["item_status"])
    assert s.text("nl") == "status: HANGEND → AANGENOMEN; nieuw: 004 AMENDEMENT"


def test_unknown_code_is_refused() -> None:
    with pytest.raises(ValueError):
        Reason("article_changd")


def old_database(path: Path) -> Any:
    """A database with the previous version's four migrations only."""
    import sqlite_utils

    d = sqlite_utils.Database(path)
    d.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, step in MIGRATIONS[:4]:
        step(d)
        d.execute("INSERT INTO _migrations VALUES (?, ?)", [name, "2026-01-01T00:00:00+00:00"])
    return d


def test_a_database_of_the_previous_version_gets_codes(tmp_path: Path) -> None:
    # alerts as the previous version wrote them (English reasons only)
    db = tmp_path / "old.db"
    d = old_database(db)
    rows = [
        ("changed", "text changed"),
        ("updated", "text changed"),
        ("removed", "no longer on the page"),
        ("source_broken", "HTTP 503 Service Unavailable"),
        ("added", "new article on the page (listed in articles)"),
    ]
    for kind, reason in rows:
        d.execute(
            "INSERT INTO alerts (kind, source_id, detected_at, topics, reason) VALUES (?, 's', '2026-01-01T00:00:00+00:00', '[]', ?)",
            [kind, reason],
        )
    d.close()
    store = Store.open(db)
    try:
        got = [(a.kind, a.reason.code, a.reason.text("fr")) for a in store.alerts()]
    finally:
        store.close()
    assert got == [
        ("changed", "article_changed", "texte modifié"),
        ("updated", "item_changed", "texte modifié"),
        ("removed", "article_gone", "n'est plus sur la page"),
        ("source_broken", "source_broken", "HTTP 503 Service Unavailable"),
        ("added", "legacy", "new article on the page (listed in articles)"),  # kept as it was written
    ]
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM alerts WHERE reason_code IS NULL").fetchone() == (0,)
    con.close()


def test_read_only_commands_on_a_database_not_yet_upgraded_say_so(tmp_path: Path) -> None:
    from watcher.errors import StoreError

    db = tmp_path / "old.db"
    old_database(db).close()
    with pytest.raises(StoreError, match="older watcher"):
        Store.open_readonly(db)
    Store.open(db).close()  # a writing command upgrades it
    Store.open_readonly(db).close()
