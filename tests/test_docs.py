"""Every command is documented with an example; every config key is in the README."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, run_watcher
from watcher.cli import cli
from watcher.config import TABLES
from watcher.sources import kinds

README = (ROOT / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    res = run_watcher(command, "-h")
    assert res.code == 0, res.err
    assert "Example:" in res.out and f"watcher {command}" in res.out


def test_group_help() -> None:
    res = run_watcher("-h")
    assert res.code == 0 and "Example:" in res.out
    for command in COMMANDS:
        assert command in res.out


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"watcher {command}" in README


@pytest.mark.parametrize(
    "table, key",
    [(t, k.name) for t, keys in TABLES.items() for k in keys]
    + [("source", k.name) for kind in kinds().values() for k in kind.keys],
)
def test_every_config_key_is_documented(table: str, key: str) -> None:
    header = {
        "settings": "### `[settings]`", "topic": "### `[[topic]]`", "source": "### `[[source]]`",
        "smtp": "### `[smtp]`", "digest": "### `[[digest]]`", "notify": "### `[[notify]]`",
    }[table]
    section = README.split(header, 1)[1].split("\n### ", 1)[0]
    assert re.search(rf"^\| `{key}` \|", section, re.MULTILINE), f"{table}.{key} missing from README"


def test_readme_test_command_is_what_ci_runs() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = "sh scripts/install-test-deps && python3 -m pip install -q -e '.[test]' && python3 -m ruff check && python3 -m mypy && python3 -m pytest"
    assert command in README and command in ci



def test_the_packaged_watch_list_is_the_repository_s() -> None:
    packaged = ROOT / "watcher" / "data" / "sources.toml"
    assert packaged.read_text(encoding="utf-8") == (ROOT / "sources.toml").read_text(encoding="utf-8"), (
        "copy sources.toml to watcher/data/sources.toml"
    )


def test_init_writes_a_watch_list_that_status_accepts(tmp_path) -> None:  # type: ignore[no-untyped-def]
    res = run_watcher("init", str(tmp_path / "conf"))
    assert res.code == 0 and "contact" in res.out, res.err
    cfg = tmp_path / "conf" / "sources.toml"
    assert cfg.exists()
    status = run_watcher("--config", str(cfg), "status")
    assert status.code == 0, status.err
    assert run_watcher("init", str(tmp_path / "conf")).code == 2  # never overwrites by surprise
