"""Whatever a volunteer writes in sources.toml: one line, exit 2, no database, or a normal run."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import run_watcher
from watcher.config import load
from watcher.errors import ConfigError

BASE = {
    "settings": {"contact": "veille@example.org", "timezone": "Europe/Brussels", "timeout": 10, "every": "6h"},
    "topic": [{"id": "secret", "title": "Secret", "terms": ["secret professionnel"], "articles": ["458"]}],
    "source": [
        {"id": "cp", "kind": "justel", "url": "https://www.ejustice.just.fgov.be/x", "articles": ["458"], "topics": ["secret"]},
        {"id": "news", "kind": "page", "url": "https://x.example/n", "item_selector": "div.n", "every": "1h"},
    ],
    "smtp": {"host": "smtp.example.org", "from": "veille@example.org", "port": 587},
    "digest": [{"id": "fed", "to": ["fed@example.org"], "at": "07:00"}],
}


def toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v > 0 else "-inf") if math.isinf(v) else repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON escapes are TOML basic-string escapes
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(v)


def toml(data: dict[str, Any]) -> str:
    out = []
    for name, value in data.items():
        tables = value if isinstance(value, list) else [value]
        for t in tables:
            out.append(f"[[{name}]]" if isinstance(value, list) else f"[{name}]")
            out += [f"{json.dumps(k)} = {toml_value(v)}" for k, v in t.items()]
    return "\n".join(out) + "\n"


hostile_text = st.one_of(
    st.text(alphabet=st.sampled_from(list("az09 ./:-_@é«»\u202e\x00\x1b\r\n\t\\\"'[]{}#=*")), max_size=30),
    st.sampled_from(["::before", "Europe", "1d", "99999999999999999999d", "0 7 * * 1-5", "a::after", ""]),
)
scalars = st.one_of(
    hostile_text,
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(hostile_text, inner, max_size=2), max_leaves=6)
KEYS = sorted({k for t in BASE.values() for tab in (t if isinstance(t, list) else [t]) for k in tab} | {"kind", "link_selector", "database", "archive_dir", "deadline", "cron", "enabled"})


@st.composite
def mutated(draw: st.DrawFn) -> str:
    data = json.loads(json.dumps(BASE))
    for _ in range(draw(st.integers(1, 3))):
        table = draw(st.sampled_from(sorted(data)))
        tables = data[table] if isinstance(data[table], list) else [data[table]]
        target = draw(st.sampled_from(tables))
        action = draw(st.sampled_from(["set", "set", "drop", "rename-table"]))
        key = draw(st.sampled_from(KEYS))
        if action == "set":
            target[key] = draw(values)
        elif action == "drop":
            target.pop(key, None)
        elif table not in ("settings", "smtp"):
            data[draw(hostile_text.filter(lambda s: s.isidentifier()) | st.just("sources"))] = data.pop(table)
    text = toml(data)
    if draw(st.booleans()):
        lines = text.splitlines()
        at = draw(st.integers(0, len(lines)))
        lines.insert(at, draw(hostile_text))
        text = "\n".join(lines)
    return text


def _one_line(message: str) -> bool:
    return "\n" not in message and "\r" not in message and "Traceback" not in message


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated())
def test_load_either_works_or_says_one_line(tmp_path: Path, text: str) -> None:
    cfg = tmp_path / "sources.toml"
    cfg.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load(cfg)
    except ConfigError as e:
        assert _one_line(str(e)) and str(e).startswith("sources.toml"), str(e)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=mutated())
def test_the_cli_either_runs_or_exits_2_with_one_line_and_no_database(tmp_path: Path, text: str) -> None:
    cfg = tmp_path / "sources.toml"
    cfg.write_text(text, encoding="utf-8", errors="surrogatepass")
    db = tmp_path / "fuzz.db"
    res = run_watcher("--config", str(cfg), "--db", str(db), "status")
    assert res.code in (0, 2), res.err
    assert "Traceback" not in res.err
    if res.code == 2:
        assert len(res.err.strip().splitlines()) == 1, res.err
        assert not db.exists()


CASES = [
    ('[settings]\ntimezone = "Europe"\n', 'key "timezone"'),
    ('[settings]\ntimezone = "' + "x" * 5000 + '"\n', 'key "timezone"'),
    ('[settings]\ndatabase = "a\\u0000b"\n', 'key "database": must not contain control characters'),
    ('[settings]\ndatabase = ""\n', 'key "database": must not be empty'),
    ('[settings]\nevery = "99999999999999999999d"\n', 'key "every"'),
    ('[settings]\nevery = "400d"\n', "at most 366 days"),
    ('[settings]\ncontact = "a\\r\\nX-Injected: 1"\n', None),  # valid: it is percent-encoded in the User-Agent
    ("x = " + "[" * 3000 + "]" * 3000 + "\n", "nested too deeply"),
    ("x = " + "1" * 5001 + "\n", "too large"),
    ('[settings]\ntimezone = "Europe/Brussels\\r\\nX: 1"\n', "\\r\\n"),
    ("", "there is no [[source]]"),
    ('[smtp]\nhost = ""\nfrom = "a@b.example"\n', 'key "host": must not be empty'),
]
SOURCE = '[[source]]\nid = "news"\nkind = "page"\nurl = "https://x.example/n"\nitem_selector = "div.n"\n'


@pytest.mark.parametrize("text, fragment", CASES, ids=range(len(CASES)))
def test_values_that_once_escaped_validation(tmp_path: Path, text: str, fragment: str | None) -> None:
    cfg = tmp_path / "sources.toml"
    full = text if fragment in ("nested too deeply", "too large", "there is no [[source]]") else text + SOURCE
    cfg.write_text(full, encoding="utf-8")
    db = tmp_path / "x.db"
    res = run_watcher("--config", str(cfg), "--db", str(db), "status")
    if fragment is None:
        assert res.code == 0, res.err
        return
    assert res.code == 2, (res.out, res.err)
    assert len(res.err.strip().splitlines()) == 1 and fragment in res.err, res.err
    assert not db.exists() and not list(tmp_path.glob("*.lock"))


@pytest.mark.parametrize("selector", ["::before", "a::after", "", "p:first-line"])
def test_selectors_that_select_nothing_are_refused_at_load(tmp_path: Path, selector: str) -> None:
    cfg = tmp_path / "sources.toml"
    cfg.write_text(SOURCE + f'link_selector = "{selector}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match='key "link_selector"'):
        load(cfg)


def test_a_non_ascii_contact_is_sent_percent_encoded() -> None:
    from watcher.http import user_agent

    ua = user_agent("équipe@fédération.example\r\nX: 1")
    ua.encode("latin-1")  # a header value requests can send
    assert "\r" not in ua and "\n" not in ua and "%C3%A9quipe" in ua


def test_a_selector_accepted_once_is_not_compiled_again_and_a_bad_one_always_is(tmp_path: Path) -> None:
    """Importing soupsieve and compiling selectors cost 0.4 s at every start:
    a selector the installed soupsieve accepted is remembered in the cache
    folder, and a refused one is never."""
    import os
    import subprocess
    import sys

    good = tmp_path / "good.toml"
    good.write_text(SOURCE + 'link_selector = "a.title"\n', encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(SOURCE + 'link_selector = "a::after"\n', encoding="utf-8")
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    code = ("import sys; from pathlib import Path; from watcher.config import load; "
            "load(Path(sys.argv[1])); print('soupsieve' in sys.modules)")

    def loads(cfg: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", code, str(cfg)], capture_output=True, text=True, env=env, timeout=60)

    assert loads(good).stdout.strip() == "True"  # first time: compiled
    assert loads(good).stdout.strip() == "False"  # then remembered
    assert list((tmp_path / "cache" / "watcher").glob("css-selectors-*"))
    for _ in range(2):
        refused = loads(bad)
        assert refused.returncode != 0 and 'key "link_selector"' in refused.stderr
