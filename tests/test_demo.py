"""`watcher demo` runs offline, on synthetic sample pages, and leaves something to look at."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from conftest import run_watcher


def test_demo_without_serving_leaves_alerts_mails_and_an_archive(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    res = run_watcher("demo", "--dir", str(target), "--no-serve")
    assert res.code == 0, res.err
    con = sqlite3.connect(target / "watcher.db")
    kinds = {k for (k,) in con.execute("SELECT kind FROM alerts")}
    stories = con.execute("SELECT count(DISTINCT story_id) FROM story_alerts").fetchone()[0]
    con.close()
    assert {"changed", "new"} <= kinds and stories == 1  # one law: filed, published, consolidated
    assert list((target / "mail").glob("*.eml")) and list((target / "mail").glob("*.html"))
    assert (target / "alerts" / "index.html").exists() and (target / "alerts" / "stories" / "1" / "index.html").exists()
    assert "Code pénal (1867), art. 458" in res.out
    # every source was a sample page on 127.0.0.1
    con = sqlite3.connect(target / "watcher.db")
    hosts = {url.split("/")[2].split(":")[0] for (url,) in con.execute("SELECT url FROM fetches")}
    con.close()
    assert hosts == {"127.0.0.1"}
