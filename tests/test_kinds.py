"""A source kind is one declared unit: `watcher kinds`, config validation,
the README and the cache key all read the same declaration."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import synthetic
from conftest import ROOT, LocalServer, Watcher, run_watcher
from watcher.config import COMMON_SOURCE_KEYS, source_keys
from watcher.docs import render
from watcher.sources import kinds

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_kinds_json_lists_the_six_kinds_with_their_keys() -> None:
    res = run_watcher("kinds", "--json")
    assert res.code == 0, res.err
    listed = res.json()
    assert [k["kind"] for k in listed] == ["justel", "moniteur", "chamber", "chamber-questions", "feed", "page"]
    for k in listed:
        assert set(k) == {"kind", "description", "mode", "keys"} and k["mode"] in ("snapshot", "stream")
        assert len(k["description"]) > 40
        names = [key["name"] for key in k["keys"]]
        assert names == [key.name for key in source_keys(k["kind"])]
        for key in k["keys"]:
            assert set(key) == {"name", "type", "required", "default", "help"} and key["help"]
    page = {key["name"]: key for key in listed[-1]["keys"]}
    assert page["item_selector"]["required"] is True and page["link_selector"]["default"] == "a"
    justel = {key["name"]: key for key in listed[0]["keys"]}
    assert justel["articles"]["type"] == "list[str]" and justel["articles"]["default"] == []


def test_kinds_text_names_every_kind_and_needs_no_config(tmp_path: Path) -> None:
    res = run_watcher("--config", str(tmp_path / "absent.toml"), "kinds")
    assert res.code == 0, res.err
    for name in kinds():
        assert f"\n{name} (" in res.out


def test_readme_tables_are_generated_from_the_declarations() -> None:
    # `python -m watcher.docs README.md` rewrites them; a hand edit shows here.
    assert render(README) == README, "README tables are stale: run python -m watcher.docs README.md"
    for kind in kinds().values():
        assert f'#### `kind = "{kind.name}"`' in README
        for key in kind.keys:
            assert f"| `{key.name}` |" in README


def test_a_stale_readme_table_is_detected() -> None:
    stale = README.replace("| `catch_up_days` | int | `7` |", "| `catch_up_days` | int | `8` |")
    assert stale != README and render(stale) == README


def test_every_kind_key_is_accepted_only_by_its_kind(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('[[source]]\nid = "a"\nkind = "feed"\nurl = "https://x.example/f"\ncatch_up_days = 3\n', encoding="utf-8")
    res = run_watcher("--config", str(cfg), "check")
    assert res.code == 2
    assert 'key "catch_up_days": is not valid for kind "feed"' in res.err
    assert ", ".join(k.name for k in COMMON_SOURCE_KEYS) in res.err


PAGE = (
    'item_selector = "div.views-row"\nlink_selector = "h3 a"\n'
)
LISTING = [
    ("/fr/publications/europe", "L'Europe à portée de communes", "Le groupe de travail Europe.", "Date de publication : 8 décembre 2025 Analyses"),
    ("/fr/publications/cpas", "Le secret professionnel au CPAS", "Une note pour les assistants sociaux.", "Date de publication : 9 décembre 2025 Analyses"),
]
TOPICS_A = '[[topic]]\nid = "t"\ntitle = "T"\nterms = ["beroepsgeheim"]\n'
TOPICS_B = '[[topic]]\nid = "t"\ntitle = "T"\nterms = ["beroepsgeheim", "secret professionnel"]\n'


def _source(url: str, extra: str) -> str:
    return f'[[source]]\nid = "news"\nkind = "page"\nurl = "{url}"\n{PAGE}{extra}\n'


def _checked_twice(tmp_path: Path, server: LocalServer) -> tuple[str, Watcher]:
    """The synthetic listing watched with TOPICS_A and checked twice (the second check a 304)."""
    url = server.serve("/fr/publications", synthetic.listing(LISTING))
    w = Watcher(tmp_path, server, _source(url, ""), topics=TOPICS_A)
    w.check()
    w.check()
    return url, w


def _conditional(server: LocalServer) -> list[bool]:
    return ["If-None-Match" in headers for path, headers in server.requests if path == "/fr/publications"]


def test_a_changed_selector_applies_on_the_next_check_even_when_the_server_says_304(
    tmp_path: Path, server: LocalServer
) -> None:
    url, w = _checked_twice(tmp_path, server)
    assert _conditional(server) == [False, True]  # the second check was a 304
    con = sqlite3.connect(w.db)
    assert con.execute("SELECT published FROM documents ORDER BY id").fetchall() == [(None,), (None,)]
    # The operator adds a date selector; the page itself does not change.
    Watcher(tmp_path, server, _source(url, 'date_selector = ".publication-date"\n'), topics=TOPICS_A)
    w.check()
    assert _conditional(server)[-1] is False  # validators from the old settings are not sent
    assert con.execute("SELECT published FROM documents ORDER BY id").fetchall() == [("2025-12-08",), ("2025-12-09",)]
    w.check()
    assert _conditional(server)[-1] is True  # and the new ones are
    con.close()


def test_a_changed_topic_is_matched_on_the_next_check_even_when_the_server_says_304(
    tmp_path: Path, server: LocalServer
) -> None:
    url, w = _checked_twice(tmp_path, server)
    assert w.alerts() == []
    Watcher(tmp_path, server, _source(url, ""), topics=TOPICS_B)  # "secret professionnel" added
    w.check()
    assert _conditional(server)[-1] is False
    (a,) = w.alerts()
    assert a["kind"] == "new" and a["reason_code"] == "item_started_matching"
    assert a["url"] == server.url("/fr/publications/cpas")
