"""Running unattended: the scheduler, politeness across sources, crash safety.

Everything runs the real ``watcher`` command against a real local server.
Spacing and Retry-After are checked as lower bounds on the server's own
arrival times (a politeness guarantee, not a speed claim).
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from conftest import CODE_PENAL_OLD, LocalServer, Route, Watcher, recording


def code_penal_amended() -> bytes:
    page = recording(CODE_PENAL_OLD).decode("utf-8")
    old = "d'un an à trois ans et d'une amende de cent euros à mille euros"
    assert old in page
    return page.replace(old, "de deux ans à cinq ans et d'une amende de cinq cents euros à cinq mille euros").encode()


def source(sid: str, url: str, extra: str = "") -> str:
    return f'[[source]]\nid = "{sid}"\nkind = "justel"\nurl = "{url}"\narticles = ["458"]\n{extra}\n'


def start(w: Watcher, *args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
    return subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(w.config), "--db", str(w.db), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )


def wait_for(predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def query(db: Path, sql: str) -> list[tuple[object, ...]]:
    if not db.exists():
        return []
    con = sqlite3.connect(db, timeout=10)
    try:
        return con.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # schema not created yet
    finally:
        con.close()


def test_run_schedules_checks_and_stops_cleanly_on_sigterm(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source("cp", url, 'every = "1s"'), settings="jitter = 0\n")
    proc = start(w, "run")
    try:
        wait_for(lambda: len(query(w.db, "SELECT id FROM fetches WHERE source_id='cp'")) >= 3)
        # the first pass is a baseline; later passes are 304s
        assert query(w.db, "SELECT count(*) FROM fetches WHERE not_modified = 1")[0][0] >= 1
        # a second worker on the same database is refused and touches nothing
        res = w("check")
        assert res.code == 1 and "in use by watcher process" in res.err
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=15)
        stopped_in = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert stopped_in < 10
    assert "checking every 1 s is hard on the site" in err  # the short-interval warning
    assert "fetch source=cp" in err  # one INFO line per fetch
    st = w.status()["cp"]
    assert st["ok"] is True and st["next_run"]
    assert query(w.db, "PRAGMA integrity_check") == [("ok",)]


def test_per_host_spacing_holds_across_sources(tmp_path: Path, server: LocalServer) -> None:
    a = server.serve("/a", recording(CODE_PENAL_OLD))
    b = server.serve("/b", recording(CODE_PENAL_OLD))
    c = server.serve("/c", recording(CODE_PENAL_OLD))
    w = Watcher(
        tmp_path, server,
        source("a", a, 'every = "1s"') + source("b", b, 'every = "1s"') + source("c", c, 'every = "1s"'),
        settings="host_delay = 0.4\njitter = 0\n",
    )
    proc = start(w, "run")
    try:
        wait_for(lambda: len(server.times) >= 10)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    times = [t for _, t in server.times]
    gaps = [later - earlier for earlier, later in itertools.pairwise(times)]
    assert len({p for p, _ in server.times} & {"/a", "/b", "/c"}) == 3
    # Slots are reserved host_delay apart on the client; arrival times at the
    # server also carry each request's own connection set-up, a few ms either way.
    assert min(gaps) >= 0.3, gaps
    assert sorted(gaps)[len(gaps) // 2] >= 0.39, gaps


def test_retry_after_is_obeyed_within_a_check(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve_sequence(
        "/cp",
        [Route(b"busy", status=503, headers={"Retry-After": "1"}), Route(recording(CODE_PENAL_OLD))],
    )
    w = Watcher(tmp_path, server, source("cp", url), settings="retries = 2\nbackoff = 30\n")
    w.check()
    hits = [t for p, t in server.times if p == "/cp"]
    assert len(hits) == 2 and hits[1] - hits[0] >= 0.99
    assert w.status()["cp"]["ok"] is True


def test_killed_mid_pass_loses_nothing_and_duplicates_nothing(tmp_path: Path, server: LocalServer) -> None:
    fast = server.serve("/fast", recording(CODE_PENAL_OLD))
    slow = server.serve("/slow", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source("fast", fast) + source("slow", slow))
    w.check()
    # both pages change; the second answers only after a long pause
    server.serve("/fast", code_penal_amended())
    server.serve("/slow", code_penal_amended(), delay=20)
    proc = start(w, "check")
    try:
        wait_for(lambda: query(w.db, "SELECT count(*) FROM alerts WHERE source_id='fast'") == [(1,)])
        wait_for(lambda: any(p == "/slow" for p, _ in server.requests[-3:]))
        proc.send_signal(signal.SIGKILL)  # in the middle of the pass: "slow" is being fetched
        proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    assert query(w.db, "PRAGMA integrity_check") == [("ok",)]
    server.serve("/slow", code_penal_amended())
    w.check()
    alerts = w.alerts()
    assert sorted((a["source_id"], a["kind"], a["ref"]) for a in alerts) == [
        ("fast", "changed", "458"), ("slow", "changed", "458"),
    ]


def test_random_kills_never_corrupt_or_duplicate(tmp_path: Path, server: LocalServer) -> None:
    urls = [server.serve(f"/p{i}", recording(CODE_PENAL_OLD)) for i in range(3)]
    w = Watcher(tmp_path, server, "".join(source(f"s{i}", u) for i, u in enumerate(urls)))
    w.check()
    for i in range(3):
        server.serve(f"/p{i}", code_penal_amended(), delay=0.05)
    rng = random.Random(4580)
    for _ in range(8):  # bounded: eight killed passes at random moments
        proc = start(w, "check")
        time.sleep(rng.uniform(0.05, 1.2))
        proc.kill()
        proc.communicate(timeout=15)
        assert query(w.db, "PRAGMA integrity_check") == [("ok",)]
    w.check()
    alerts = w.alerts()
    assert sorted((a["source_id"], a["kind"], a["ref"]) for a in alerts) == [
        ("s0", "changed", "458"), ("s1", "changed", "458"), ("s2", "changed", "458"),
    ]


def test_sigterm_during_a_slow_download_still_stops_within_seconds(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/slow", recording(CODE_PENAL_OLD), delay=60)
    w = Watcher(tmp_path, server, source("slow", url, 'every = "1s"'), settings="jitter = 0\n")
    proc = start(w, "run")
    try:
        wait_for(lambda: any(p == "/slow" for p, _ in server.requests))
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=30)
        stopped_in = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0 and stopped_in < 15
    assert query(w.db, "PRAGMA integrity_check") == [("ok",)]
    assert query(w.db, "SELECT count(*) FROM versions") == [(0,)]  # the cut-short pass wrote nothing


def test_a_source_that_fails_once_is_retried_within_minutes_and_recovers_quietly(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve_sequence(
        "/cp", [Route(b"down", status=500), Route(b"down", status=500), Route(recording(CODE_PENAL_OLD))]
    )
    w = Watcher(
        tmp_path, server, source("cp", url, 'every = "1h"'),
        settings='jitter = 0\nfailures_before_broken = 3\nretry_delays = ["1s", "2s"]\nretries = 0\n',
    )
    proc = start(w, "run")
    try:
        wait_for(lambda: query(w.db, "SELECT state FROM sources WHERE id = 'cp'") == [("ok",)])
        (next_run,) = query(w.db, "SELECT next_run FROM sources WHERE id = 'cp'")[0]
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    arrivals = [t for p, t in server.times if p == "/cp"]
    assert len(arrivals) == 3  # the first check, then two retries (1 s, 2 s), not one hour later
    assert arrivals[1] - arrivals[0] >= 1 and arrivals[2] - arrivals[1] >= 2
    assert query(w.db, "SELECT kind FROM alerts") == []  # two failures are no broken source
    assert "trying again at" in err
    from datetime import UTC, datetime, timedelta

    assert datetime.fromisoformat(str(next_run)) > datetime.now(UTC) + timedelta(minutes=50)  # back on its hourly schedule
