"""Strict configuration: one clear message naming file, table, key and line; exit 2; nothing touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_watcher
from watcher.config import load

GOOD_SOURCE = """
[[source]]
id = "code-penal-fr"
kind = "justel"
url = "https://www.ejustice.just.fgov.be/cgi_loi/change_lg.pl?language=fr&la=F&cn=1867060801&table_name=loi"
articles = ["458", "458bis"]
topics = ["secret-professionnel"]
"""

TOPIC = """
[[topic]]
id = "secret-professionnel"
terms = ["secret professionnel"]
"""


def test_shipped_sources_toml_is_valid() -> None:
    cfg = load(ROOT / "sources.toml")
    ids = [s.id for s in cfg.sources]
    assert "code-penal-1867-fr" in ids and "code-penal-2024-livre2-nl" in ids
    assert {"cpas-wallonie-fr", "ocmw-vlaanderen-nl", "cpas-germanophone-fr", "cpas-bruxelles-fr"} <= set(ids)
    assert {s.kind for s in cfg.sources} == {"justel", "moniteur", "chamber", "chamber-questions", "feed", "page"}
    assert {"moniteur-fr", "chambre-documents-recents-fr", "chambre-questions-ecrites", "rwlp-feed", "uvcw-feed",
            "mi-is-nouvelles", "brulocalis-publications", "vvsg-nieuws"} <= set(ids)
    assert {t.id for t in cfg.topics} >= {"secret-professionnel", "cpas-loi-organique", "dossier-social-electronique"}
    assert cfg.settings.timezone == "Europe/Brussels"


CASES = [
    (
        "syntax",
        TOPIC + '[[source]]\nid = "x"\nkind = "justel\n',
        ['TOML syntax error', "line 7", '[[source]] #1 key "kind"'],
    ),
    (
        "unknown-key",
        TOPIC + GOOD_SOURCE.replace("articles =", "artciles ="),
        ['line 10', '[[source]] #1 (id "code-penal-fr")', 'key "artciles"', 'did you mean "articles"'],
    ),
    (
        "unknown-kind",
        TOPIC + GOOD_SOURCE.replace('kind = "justel"', 'kind = "justell"'),
        ['line 8', 'key "kind"', '"justell" is not a known kind', "justel"],
    ),
    (
        "wrong-type",
        TOPIC + GOOD_SOURCE.replace('articles = ["458", "458bis"]', "articles = 458"),
        ['line 10', 'key "articles"', "must be a list of strings, not the number 458"],
    ),
    (
        "wrong-item-type",
        TOPIC + GOOD_SOURCE.replace('articles = ["458", "458bis"]', 'articles = ["458", 459]'),
        ['key "articles"', "must be a list of strings"],
    ),
    (
        "duplicate-id",
        TOPIC + GOOD_SOURCE + GOOD_SOURCE,
        ['[[source]] #2 (id "code-penal-fr")', 'key "id"', 'duplicate id "code-penal-fr"', "#1", "line 14"],
    ),
    (
        "malformed-url",
        TOPIC + GOOD_SOURCE.replace("https://www.ejustice", "htps//www.ejustice"),
        ['line 9', 'key "url"', "is not an http(s) URL"],
    ),
    (
        "undefined-topic",
        TOPIC + GOOD_SOURCE.replace('topics = ["secret-professionnel"]', 'topics = ["secret-profesionnel"]'),
        ['line 11', 'key "topics"', 'undefined topic "secret-profesionnel"', 'did you mean "secret-professionnel"'],
    ),
    (
        "missing-url",
        TOPIC + GOOD_SOURCE.replace("url =", "#url ="),
        ['[[source]] #1 (id "code-penal-fr")', 'missing required key "url"'],
    ),
    (
        "bad-setting",
        '[settings]\ntimezone = "Europe/Bruxelles"\n' + TOPIC + GOOD_SOURCE,
        ["line 2", "[settings]", 'key "timezone"', "IANA time zone"],
    ),
    (
        "unknown-table",
        '[setting]\ncontact = "x"\n' + TOPIC + GOOD_SOURCE,
        ["line 1", "unknown table [setting]", 'did you mean "settings"'],
    ),
    (
        "bool-is-not-a-number",
        "[settings]\nhost_delay = true\n" + TOPIC + GOOD_SOURCE,
        ['key "host_delay"', "must be a number, not a boolean"],
    ),
    (
        "bad-ipv6-url",
        TOPIC + GOOD_SOURCE.replace("https://www.ejustice.just.fgov.be/", "http://[::1/"),
        ['key "url"', "is not a valid URL"],
    ),
    (
        "bad-port",
        TOPIC + GOOD_SOURCE.replace("www.ejustice.just.fgov.be/", "www.ejustice.just.fgov.be:99999/"),
        ['key "url"', "is not a valid URL"],
    ),
    (
        "infinite-timeout",
        "[settings]\ntimeout = inf\n" + TOPIC + GOOD_SOURCE,
        ['key "timeout"', "at most 3600"],
    ),
    (
        "nan-delay",
        "[settings]\nhost_delay = nan\n" + TOPIC + GOOD_SOURCE,
        ['key "host_delay"', "at most 3600"],
    ),
    (
        "bad-id",
        TOPIC + GOOD_SOURCE.replace('id = "code-penal-fr"', 'id = "Code Pénal"'),
        ['key "id"', "lowercase"],
    ),
]


@pytest.mark.parametrize("text, fragments", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_config_is_one_clear_message_exit_2_and_no_database(
    tmp_path: Path, text: str, fragments: list[str]
) -> None:
    cfg = tmp_path / "sources.toml"
    cfg.write_text(text, encoding="utf-8")
    db = tmp_path / "watcher.db"
    res = run_watcher("--config", str(cfg), "--db", str(db), "check")
    assert res.code == 2, res
    assert "Traceback" not in res.err
    lines = [line for line in res.err.splitlines() if line.strip()]
    assert len(lines) == 1, res.err
    assert lines[0].startswith("error: sources.toml")
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert not db.exists()
    assert list(tmp_path.iterdir()) == [cfg]  # nothing created: no database, no lock file


def test_missing_config_file(tmp_path: Path) -> None:
    res = run_watcher("--config", str(tmp_path / "nope.toml"), "status", subprocess_=True)
    assert res.code == 2 and "nope.toml: file not found" in res.err and "Traceback" not in res.err


def test_unknown_source_id_is_a_usage_error(tmp_path: Path) -> None:
    cfg = tmp_path / "sources.toml"
    cfg.write_text(TOPIC + GOOD_SOURCE, encoding="utf-8")
    res = run_watcher("--config", str(cfg), "check", "code-penal")
    assert res.code == 2 and 'no [[source]] with id "code-penal"' in res.err
    assert not (tmp_path / "watcher.db").exists()


def test_unusable_database_path_is_a_clear_error(tmp_path: Path) -> None:
    cfg = tmp_path / "sources.toml"
    cfg.write_text(TOPIC + GOOD_SOURCE, encoding="utf-8")
    res = run_watcher("--config", str(cfg), "--db", "/proc/nope/x.db", "check")
    assert res.code == 1 and "Traceback" not in res.err and "/proc/nope" in res.err


def test_environment_variables_stand_for_options(tmp_path: Path) -> None:
    cfg = tmp_path / "conf.toml"
    cfg.write_text(TOPIC + GOOD_SOURCE, encoding="utf-8")
    res = run_watcher("status", "--json", env={"WATCHER_CONFIG": str(cfg), "WATCHER_DB": str(tmp_path / "x.db")})
    assert res.code == 0, res
    assert [s["id"] for s in res.json()] == ["code-penal-fr"]  # type: ignore[union-attr]
