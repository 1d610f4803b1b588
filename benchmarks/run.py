"""watcher's benchmarks, all in one run on this machine.

Usage:  python benchmarks/run.py [--quick]

Measures, side by side in the same run (medians over repetitions):

1. parse floor: our Justel parser against lxml's bare parse of the 906 KB
   real Code pénal page (time ratio, peak memory);
2. unchanged pass: 50 and 200 sources on a local server that honours ETag,
   one `watcher check` pass against one `urlwatch` pass (urlwatch from
   PyPI, in benchmarks/.venv-urlwatch, made on first use), wall time and
   bytes, and bytes against unconditional GETs; start-up of `watcher
   --version` and of a one-source `watcher check` against `python -c pass`
   (each tool from its own virtual environment, installed by pip);
3. one changed word in art. 458: the size of our alert against urlwatch's
   report (html2text filter, as a new user would set it), and the time from
   the change being served to the alert being stored;
4. archive at scale: 100,000 alerts and 1,000,000 versions written as
   watcher 0010 stored them, migrated, then p50/p95 latency of the alert
   list, an alert page and a full-text search through `watcher serve`, and
   the database size before and after;
5. digest build: 1,000 alerts for 200 [[digest]] groups, time and peak memory;
6. growth: unchanged pass time at 10, 100 and 1,000 sources, database size
   at 10k, 100k and 1M versions;
7. signal quality: the default topics on the labelled real items of
   ../shared/corpus/dev.jsonl (benchmarks/signal_quality.py), recall and precision.

Prints a table, writes benchmarks/RESULTS.md and ends with one line of
name=value figures.  Needs the recordings ($WATCHER_FIXTURES, default
../shared/fixtures).  No figure here is asserted by the test suite.
"""

from __future__ import annotations

import argparse
import atexit
import hashlib
import json
import os
import platform
import random
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

FIXTURES = Path(os.environ.get("WATCHER_FIXTURES", ROOT.parent / "shared" / "fixtures"))
PAGE = FIXTURES / "ejustice" / "justel_old2018_code_penal_1867060801_fr.html"
VENV = HERE / ".venv-urlwatch"
URLWATCH = VENV / "bin" / "urlwatch"
# watcher runs from its own virtual environment too, installed by pip from
# this checkout: both tools then start the way a user's install does, with
# neither the editable-install hook nor the .pth files of the interpreter
# this script runs under (on this machine they cost every start 50 ms).
OURS = HERE / ".venv-watcher"
PYTHON = OURS / "bin" / "python"
AMEND_FROM = "d'un an à trois ans et d'une amende de cent euros à mille euros"
AMEND_TO = "de deux ans à cinq ans et d'une amende de cent euros à mille euros"


# ----------------------------------------------------------------- helpers


class Pages(dict[str, bytes]):
    """Path -> body, with each body's ETag worked out once when it is set, as
    a real server does (hashing 906 KB at every request would add a
    millisecond to each answer, for both tools, that no real site costs)."""

    def __init__(self) -> None:
        super().__init__()
        self.etags: dict[str, str] = {}

    def __setitem__(self, path: str, body: bytes) -> None:
        super().__setitem__(path, body)
        self.etags[path] = '"' + hashlib.sha1(body).hexdigest() + '"'


class Site:
    """A local HTTP server with ETags that counts the body bytes it sends."""

    def __init__(self) -> None:
        self.pages = Pages()
        self.sent = 0
        self.requests = 0
        self.lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a: object) -> None:
                pass

            def do_GET(self) -> None:
                body = site.pages.get(self.path)
                with site.lock:
                    site.requests += 1
                if body is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = site.pages.etags[self.path]
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with site.lock:
                    site.sent += len(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def reset(self) -> None:
        with self.lock:
            self.sent = 0
            self.requests = 0


# Commands run from an empty folder: `python -m` puts the current folder
# first on the path, and started in the checkout it would import the
# checkout's watcher, not the installed one.
NEUTRAL = Path(tempfile.mkdtemp(prefix="watcher-bench-cwd-"))
atexit.register(NEUTRAL.rmdir)


def run(cmd: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd or NEUTRAL, env=env, capture_output=True, text=True, timeout=3600)
    return time.perf_counter() - t, proc


def watcher_cmd(cfg: Path, db: Path, *args: str) -> list[str]:
    return [str(PYTHON), "-m", "watcher", "-q", "--config", str(cfg), "--db", str(db), *args]


def ensure_urlwatch() -> None:
    if URLWATCH.exists():
        return
    print("installing urlwatch from PyPI into benchmarks/.venv-urlwatch …", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "urlwatch", "html2text"], check=True)


def install_watcher() -> None:
    """This checkout into benchmarks/.venv-watcher, as `pip install .` puts
    it (byte-compiled), reinstalled at every run so that the code timed is
    this checkout's.  It is built from a clean copy: a `build/` folder left
    in the checkout could otherwise bring stale modules along."""
    if not PYTHON.exists():
        print("installing watcher and its dependencies into benchmarks/.venv-watcher …", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(OURS)], check=True)
    with tempfile.TemporaryDirectory(prefix="watcher-src-") as tmp:
        src = Path(tmp) / "watcher"
        shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns(
            ".git", "build", "dist", "*.egg-info", ".venv*", "__pycache__", "*.db", "*.db-*", ".pytest_cache",
            ".mypy_cache", ".ruff_cache"))
        pip = [str(PYTHON), "-m", "pip", "install", "-q"]
        subprocess.run([*pip, str(src)], check=True, capture_output=True)  # dependencies as pyproject.toml says
        subprocess.run([*pip, "--no-deps", "--force-reinstall", str(src)], check=True, capture_output=True)


def urlwatch_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["HOME"] = str(home)
    env["XDG_CONFIG_HOME"] = str(home / ".config")
    env["XDG_CACHE_HOME"] = str(home / ".cache")
    return env


def urlwatch_files(home: Path, urls: list[str], html2text: bool) -> list[str]:
    home.mkdir(parents=True, exist_ok=True)
    jobs = "\n---\n".join(
        f"name: job{i}\nurl: {u}\n" + ("filter:\n  - html2text\n" if html2text else "") for i, u in enumerate(urls)
    )
    (home / "urls.yaml").write_text(jobs + "\n", encoding="utf-8")
    # urlwatch writes a default config when none exists; stdout reporter on, colours off
    config = (
        "display:\n  new: true\n  error: true\n  unchanged: false\n"
        "report:\n  text:\n    line_length: 75\n    details: true\n    footer: false\n    minimal: false\n"
        "  stdout:\n    enabled: true\n    color: false\n"
        "  html:\n    diff: unified\n  markdown:\n    details: true\n    footer: false\n    minimal: false\n"
        "  email:\n    enabled: false\n"
    )
    (home / "urlwatch.yaml").write_text(config, encoding="utf-8")
    return [str(URLWATCH), "--urls", str(home / "urls.yaml"), "--config", str(home / "urlwatch.yaml"),
            "--cache", str(home / "cache.db"), "--hooks", str(home / "hooks.py")]


def write_config(path: Path, urls: list[str]) -> None:
    sources = "".join(
        f'[[source]]\nid = "s{i}"\nkind = "justel"\nurl = "{u}"\narticles = ["458", "458bis"]\n\n' for i, u in enumerate(urls)
    )
    path.write_text(
        "[settings]\nhost_delay = 0\nrobots = false\nretries = 0\n\n[[topic]]\nid = \"secret\"\nterms = [\"secret professionnel\"]\n\n" + sources,
        encoding="utf-8",
    )


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# ------------------------------------------------------------ the benchmarks


def bench_parse(repeat: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, str(HERE / "parse_floor.py"), "--repeat", str(repeat)], capture_output=True, text=True, check=True)
    figures = dict(kv.split("=") for kv in out.stdout.strip().splitlines()[-1].split())
    return {k: float(v) for k, v in figures.items()}


def bench_poll(site: Site, work: Path, n: int, reps: int, urlwatch: bool = True) -> dict[str, Any]:
    """One unchanged pass over n sources, watcher and urlwatch in turn, reps times."""
    body = PAGE.read_bytes()
    urls = []
    for i in range(n):
        site.pages[f"/poll/{i}"] = body
        urls.append(f"{site.base}/poll/{i}")
    cfg, db = work / f"poll{n}.toml", work / f"poll{n}.db"
    write_config(cfg, urls)
    uw = urlwatch_files(work / f"uw-poll{n}", urls, html2text=True) if urlwatch else []
    env = urlwatch_env(work / f"uw-poll{n}")
    # first passes fill both caches (watcher: baseline; urlwatch: NEW jobs)
    run(watcher_cmd(cfg, db, "check"))
    if urlwatch:
        run(uw, env=env)
    ours, theirs, ours_bytes, theirs_bytes = [], [], [], []
    for _ in range(reps):
        site.reset()
        t, p = run(watcher_cmd(cfg, db, "check"))
        assert p.returncode == 0, p.stderr[-500:]
        ours.append(t)
        ours_bytes.append(site.sent)
        if urlwatch:
            site.reset()
            t, p = run(uw, env=env)
            theirs.append(t)
            theirs_bytes.append(site.sent)
    unconditional = n * len(body)
    out: dict[str, Any] = {
        "sources": n,
        "watcher_s": statistics.median(ours),
        "watcher_runs": sorted(ours),
        "watcher_bytes": int(statistics.median(ours_bytes)),
        "unconditional_bytes": unconditional,
        "watcher_bytes_pct": 100.0 * statistics.median(ours_bytes) / unconditional,
        "db_mb": db_mb(db),
    }
    if urlwatch:
        out.update(
            urlwatch_s=statistics.median(theirs),
            urlwatch_runs=sorted(theirs),
            time_ratio=statistics.median(ours) / statistics.median(theirs),
            urlwatch_bytes=int(statistics.median(theirs_bytes)),
        )
    return out


def bench_startup(site: Site, work: Path, reps: int) -> dict[str, Any]:
    """Process start: `python -c pass`, `watcher --version`, and `watcher check`
    of one source the server answers with 304."""
    site.pages["/startup"] = PAGE.read_bytes()
    cfg, db = work / "startup.toml", work / "startup.db"
    write_config(cfg, [f"{site.base}/startup"])
    run(watcher_cmd(cfg, db, "check"))
    commands = {
        "python": [str(PYTHON), "-c", "pass"],
        "version": [str(PYTHON), "-m", "watcher", "--version"],
        "check": watcher_cmd(cfg, db, "check"),
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(reps):
        for name, cmd in commands.items():
            t, p = run(cmd)
            assert p.returncode == 0, p.stderr[-500:]
            times[name].append(t)
    return {f"{k}_s": statistics.median(v) for k, v in times.items()}


def bench_change(site: Site, work: Path, reps: int) -> dict[str, Any]:
    original = PAGE.read_bytes()
    text = original.decode("utf-8")
    assert AMEND_FROM in text
    variants = [text.replace(AMEND_FROM, AMEND_TO).encode(), original]
    site.pages["/change"] = original
    url = f"{site.base}/change"
    cfg, db = work / "change.toml", work / "change.db"
    write_config(cfg, [url])
    uw = urlwatch_files(work / "uw-change", [url], html2text=True)
    env = urlwatch_env(work / "uw-change")
    run(watcher_cmd(cfg, db, "check"))
    run(uw, env=env)
    alert_sizes, report_sizes, latencies = [], [], []
    for i in range(reps):
        # Every page served is new to watcher (an edit back to an earlier
        # text still comes with a page it has never kept): the timing
        # includes keeping the page, as a real change does.
        site.pages["/change"] = variants[i % 2] + f"<!-- {i} -->".encode()
        t, p = run(watcher_cmd(cfg, db, "check"))
        latencies.append(t)
        alerts = json.loads(run(watcher_cmd(cfg, db, "alerts", "--json"))[1].stdout)
        alert_sizes.append(len(json.dumps(alerts[-1], ensure_ascii=False).encode("utf-8")))
        _, p = run(uw, env=env)
        report_sizes.append(len(p.stdout.encode("utf-8")))
    last = alerts[-1]
    return {
        "alert_bytes": int(statistics.median(alert_sizes)),
        "diff_bytes": len(json.dumps(last["diff"], ensure_ascii=False).encode("utf-8")),
        "urlwatch_report_bytes": int(statistics.median(report_sizes)),
        "size_ratio": statistics.median(report_sizes) / statistics.median(alert_sizes),
        "change_to_alert_s": statistics.median(latencies),
    }


def build_archive(db_path: Path, n_alerts: int, n_versions: int) -> dict[str, float]:
    """A database of n_alerts and n_versions, written as watcher 0010 wrote
    it, then opened (and so migrated) by the current store.

    History as the sites make it: a text of 40 words per document, each
    new version the previous one with a word or two changed, 100 versions
    per document; an alert per tenth version, with its real word diff.
    Returns the build and migration times and the size before migrating.
    """
    from watcher.diff import word_diff
    from watcher.store import Store

    t0 = time.perf_counter()
    Store.open(db_path, until="0010_stories").close()  # the schema, FTS5 triggers and all, as 0010 made it
    con = sqlite3.connect(db_path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=WAL")
    rng = random.Random(458)
    words = ["secret", "professionnel", "dépositaires", "confie", "révélé", "témoignage", "justice", "emprisonnement", "amende", "CPAS", "centre", "public", "action", "sociale", "dossier", "social", "électronique", "concertation", "mineur", "vulnérable", "procureur", "danger", "intégrité", "physique", "psychique", "loi", "décret", "ordonnance", "article", "alinéa"]
    now = datetime(2026, 11, 30, tzinfo=UTC)
    n_docs = max(1, n_versions // 100)
    per_doc = n_versions // n_docs
    alerts_per_doc = max(1, n_alerts // n_docs)
    con.execute("INSERT INTO sources (id, kind, url, title, state) VALUES ('bench', 'justel', 'https://example.org/', 'Bench', 'ok')")
    con.executemany(
        "INSERT INTO documents (id, source_id, key, ref, number, title, url, present, first_seen, last_seen) VALUES (?,?,?,?,?,?,?,1,?,?)",
        ((i, "bench", f"k{i}", str(i), str(i), f"Loi {i}, art. {i}", f"https://example.org/#Art.{i}", now.isoformat(), now.isoformat())
         for i in range(1, n_docs + 1)),
    )
    version_id = alert_n = 0
    versions: list[tuple[Any, ...]] = []
    alerts: list[tuple[Any, ...]] = []
    for doc in range(1, n_docs + 1):
        text = [rng.choice(words) for _ in range(40)]
        texts = []
        for k in range(per_doc):
            if k:
                for _ in range(rng.choice((1, 1, 2))):
                    text[rng.randrange(len(text))] = rng.choice(words)
            t = " ".join(text)
            texts.append(t)
            version_id += 1
            seen = (now - timedelta(minutes=(n_versions - version_id))).isoformat()
            versions.append((version_id, doc, hashlib.sha256(t.encode()).hexdigest(), t, seen, seen))
        con.execute("UPDATE documents SET current_version = ? WHERE id = ?", [version_id, doc])
        for j in range(alerts_per_doc):
            if alert_n >= n_alerts:
                break
            k = 1 + j * (per_doc - 1) // alerts_per_doc
            alert_n += 1
            before, after = texts[k - 1], texts[k]
            alerts.append((
                "changed", "bench", doc, str(doc), f"Loi {doc}, art. {doc}", f"https://example.org/#Art.{doc}",
                (now - timedelta(minutes=n_alerts - alert_n)).isoformat(), '["secret"]', '["secret professionnel"]',
                after[:120], before, after, json.dumps(word_diff(before, after), ensure_ascii=False), "text changed",
            ))
        if len(versions) >= 20_000 or doc == n_docs:
            con.executemany("INSERT INTO versions (id, document_id, hash, text, notes, first_seen, last_seen) VALUES (?,?,?,?,'[]',?,?)", versions)
            con.executemany(
                "INSERT INTO alerts (kind, source_id, document_id, ref, title, url, detected_at, topics, matches, snippet, "
                "before, after, diff, reason) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                alerts,
            )
            con.commit()
            versions.clear()
            alerts.clear()
    con.execute("UPDATE alerts SET reason_code = 'article_changed', reason_params = '{}'")
    con.commit()
    con.close()
    old_mb = db_mb(db_path)
    built = time.perf_counter() - t0
    t1 = time.perf_counter()
    store = Store.open(db_path)  # migration 0011 and its VACUUM
    store.db.execute("PRAGMA optimize")
    store.close()
    return {"build_s": built, "migrate_s": time.perf_counter() - t1, "old_mb": old_mb}


def db_mb(db: Path) -> float:
    """The database's size on disk, its WAL included."""
    return sum(p.stat().st_size for p in db.parent.glob(db.name + "*")) / 1e6


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# A config must watch something; the archive and digest benchmarks never check it.
BENCH_SOURCE = '[[source]]\nid = "bench"\nkind = "justel"\nurl = "https://example.org/"\n'


def bench_archive(work: Path, n_alerts: int, n_versions: int, samples: int) -> dict[str, Any]:
    import requests

    db = work / "archive.db"
    built = build_archive(db, n_alerts, n_versions)
    cfg = work / "archive.toml"
    cfg.write_text('[[topic]]\nid = "secret"\nterms = ["secret professionnel"]\n' + BENCH_SOURCE, encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(watcher_cmd(cfg, db, "serve", "--port", str(port)), cwd=NEUTRAL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                requests.get(base + "/sources/", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        session = requests.Session()
        rng = random.Random(1)

        def timed(path: Callable[[], str]) -> list[float]:
            out = []
            for _ in range(samples):
                t = time.perf_counter()
                r = session.get(base + path(), timeout=60)
                out.append((time.perf_counter() - t) * 1000)
                assert r.status_code == 200, r.status_code
            return out

        lists = timed(lambda: "/" if rng.random() < 0.5 else f"/page/{rng.randint(2, 200)}/")
        pages = timed(lambda: f"/alerts/{rng.randint(1, n_alerts)}/")
        searches = timed(lambda: "/search/?q=" + rng.choice(["secret", "dépositaires", "concertation", "procureur danger", "électronique"]))
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    return {
        "alerts": n_alerts,
        "versions": n_versions,
        **built,
        "db_mb": db_mb(db),
        "list_p50_ms": pct(lists, 0.5), "list_p95_ms": pct(lists, 0.95),
        "alert_p50_ms": pct(pages, 0.5), "alert_p95_ms": pct(pages, 0.95),
        "search_p50_ms": pct(searches, 0.5), "search_p95_ms": pct(searches, 0.95),
    }


def bench_digest(work: Path, n_alerts: int, n_digests: int) -> dict[str, Any]:
    from watcher.config import load
    from watcher.notify import digest as outbox
    from watcher.notify.mailer import message
    from watcher.notify.render import Blocks
    from watcher.store import Store

    db = work / "digest.db"
    build_archive(db, n_alerts, n_alerts)
    con = sqlite3.connect(db)
    topics = [f"t{i}" for i in range(20)]
    rng = random.Random(5)
    con.executemany("UPDATE alerts SET topics = ?, detected_at = ? WHERE id = ?",
                    ((json.dumps([rng.choice(topics)]), datetime.now(UTC).isoformat(), i) for i in range(1, n_alerts + 1)))
    con.commit()
    con.close()
    cfg = work / "digest.toml"
    cfg.write_text(
        "".join(f'[[topic]]\nid = "{t}"\ntitle = "Thème {t}"\nterms = ["{t}"]\n' for t in topics)
        + BENCH_SOURCE
        + '[smtp]\nhost = "127.0.0.1"\nfrom = "veille@example.org"\n'
        + "".join(f'[[digest]]\nid = "d{i}"\nto = ["d{i}@example.org"]\ntopics = ["{topics[i % 20]}", "{topics[(i * 7) % 20]}"]\n' for i in range(n_digests)),
        encoding="utf-8",
    )
    config = load(cfg)
    store = Store.open(db)

    def one_pass() -> int:
        # As `watcher digest` sends them: one run, alert blocks shared between its digests.
        blocks = Blocks()
        total = 0
        for d in config.digests:
            content = outbox.build(store, config, d)
            total += len(content.alerts)
            message(config, content, blocks)
        return total

    # Timed passes run without tracemalloc, which slows Python code several
    # times over; peak memory comes from one more pass, traced and not timed.
    times = []
    for _ in range(5):
        t = time.perf_counter()
        total_alerts = one_pass()
        times.append(time.perf_counter() - t)
    tracemalloc.start()
    one_pass()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    store.close()
    elapsed = statistics.median(times)
    return {"digests": n_digests, "alerts": n_alerts, "alerts_in_digests": total_alerts,
            "build_s": elapsed, "per_digest_ms": elapsed / n_digests * 1000, "peak_mib": peak / 2**20,
            "spread_ms": [round(x / n_digests * 1000, 1) for x in sorted(times)]}


def bench_growth(site: Site, work: Path, archive: dict[str, Any], quick: bool) -> dict[str, Any]:
    """Unchanged pass time at 10, 100, 1,000 sources; database size at 10k,
    100k and (from the archive benchmark) 1M versions."""
    passes = {n: bench_poll(site, work, n, 1 if quick else 3, urlwatch=False) for n in ((5, 20) if quick else (10, 100, 1000))}
    sizes = {}
    for n_versions in ((2_000,) if quick else (10_000, 100_000)):
        db = work / f"growth{n_versions}.db"
        built = build_archive(db, n_versions // 10, n_versions)
        sizes[n_versions] = {"db_mb": db_mb(db), "old_mb": built["old_mb"]}
    sizes[archive["versions"]] = {"db_mb": archive["db_mb"], "old_mb": archive["old_mb"]}
    return {"passes": {n: (r["watcher_s"], r["db_mb"]) for n, r in passes.items()}, "sizes": sizes}


# --------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repetitions (a smoke run)")
    args = parser.parse_args()
    if not PAGE.exists():
        print(f"recording not found: {PAGE} (set WATCHER_FIXTURES)", file=sys.stderr)
        return 2
    ensure_urlwatch()
    install_watcher()
    # The parse and digest figures import watcher from this checkout: byte-
    # compiled first (with PYTHONDONTWRITEBYTECODE set, as here, nothing
    # else writes the .pyc files).
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "watcher")], check=True)
    q = args.quick
    site = Site()
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="watcher-bench-") as tmp:
        work = Path(tmp)
        print("1/8 parse floor …", flush=True)
        results["parse"] = bench_parse(9 if q else 41)
        print("2/8 unchanged poll, 50 and 200 sources …", flush=True)
        results["poll"] = bench_poll(site, work, 20 if q else 200, 1 if q else 5)
        results["poll50"] = bench_poll(site, work, 10 if q else 50, 1 if q else 5)
        print("3/8 start-up …", flush=True)
        results["startup"] = bench_startup(site, work, 3 if q else 9)
        print("4/8 one changed word …", flush=True)
        results["change"] = bench_change(site, work, 2 if q else 7)
        print("5/8 archive at scale (building the database) …", flush=True)
        results["archive"] = bench_archive(work, 2_000 if q else 100_000, 20_000 if q else 1_000_000, 20 if q else 200)
        print("6/8 digest build …", flush=True)
        results["digest"] = bench_digest(work, 1_000, 20 if q else 200)
        print("7/8 growth …", flush=True)
        results["growth"] = bench_growth(site, work, results["archive"], q)
        print("8/8 signal quality …", flush=True)
        results["signal"] = bench_signal()
    report = render(results, q)
    print(report)
    if not q:
        (HERE / "RESULTS.md").write_text(report + "\n", encoding="utf-8")
    p, po, c, a, d = (results[k] for k in ("parse", "poll", "change", "archive", "digest"))
    print(
        f"parse_floor_ratio={p['parse_floor_ratio']:.2f} parse_peak_kib={p['parse_peak_kib']:.0f} "
        f"poll50_time_ratio={results['poll50']['time_ratio']:.3f} "
        f"poll_time_ratio={po['time_ratio']:.3f} poll_bytes_pct={po['watcher_bytes_pct']:.3f} "
        f"urlwatch_poll_bytes={po['urlwatch_bytes']} alert_bytes={c['alert_bytes']} "
        f"urlwatch_report_bytes={c['urlwatch_report_bytes']} report_size_ratio={c['size_ratio']:.1f} "
        f"change_to_alert_s={c['change_to_alert_s']:.2f} list_p95_ms={a['list_p95_ms']:.1f} "
        f"alert_p95_ms={a['alert_p95_ms']:.1f} search_p95_ms={a['search_p95_ms']:.1f} db_mb={a['db_mb']:.0f} "
        f"startup_check_s={results['startup']['check_s']:.3f} "
        f"digest_build_s={d['build_s']:.2f} digest_peak_mib={d['peak_mib']:.1f} "
        f"signal_recall={_fig(results['signal'].get('recall'))} signal_precision={_fig(results['signal'].get('precision'))}"
    )
    return 0


def _fig(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2f}"


def bench_signal() -> dict[str, Any]:
    """Recall and precision of the default topics on the labelled corpus (skipped when absent)."""
    import signal_quality as mod
    if not mod.CORPUS.exists():
        return {"recall": None, "precision": None, "items": 0}
    items = [json.loads(line) for line in mod.CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    r = mod.score(items, (ROOT / "sources.toml").read_text(encoding="utf-8"))
    o = r["overall"]
    by_lang = {k.split("=")[1]: v for k, v in r.items() if k.startswith("lang=")}
    return {"recall": o["recall"], "precision": o["precision"], "items": len(items), "by_lang": by_lang,
            "missed": len(r["missed"]), "false": len(r["false"])}


def _runs(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def render(r: dict[str, dict[str, Any]], quick: bool) -> str:
    p, po, p50, st, c, a, d, g = (r[k] for k in ("parse", "poll", "poll50", "startup", "change", "archive", "digest", "growth"))
    sg = r.get("signal", {})
    when = datetime.now().astimezone().isoformat(timespec="seconds")
    lines = [
        "# watcher benchmarks" + (" (quick run)" if quick else ""),
        "",
        f"Run {when} on {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        "every comparison measured side by side in this run (medians). Command: `python benchmarks/run.py`.",
        "",
        "| # | what | ours | reference | figure | target (issue 16) |",
        "|---|---|---|---|---|---|",
        f"| 1 | parse the 906 KB Code pénal page ({p['articles']:.0f} articles) | {p['parse_ms']:.1f} ms, peak +{p['parse_peak_kib'] / 1024:.1f} MiB | lxml bare parse {p['lxml_ms']:.1f} ms, peak +{p['lxml_peak_kib'] / 1024:.1f} MiB | ratio {p['parse_floor_ratio']:.2f} | ≤ 2, peak no higher |",
    ]
    for x in (p50, po):
        lines.append(
            f"| 2 | unchanged pass, {x['sources']} sources: wall time | {x['watcher_s']:.2f} s (runs {_runs(x['watcher_runs'])}) "
            f"| urlwatch {x['urlwatch_s']:.2f} s (runs {_runs(x['urlwatch_runs'])}) | ratio {x['time_ratio']:.2f} | ≤ 0.5 |"
        )
    lines += [
        f"| 2b | unchanged pass: bytes transferred | {po['watcher_bytes']:,} | urlwatch {po['urlwatch_bytes']:,}; unconditional {po['unconditional_bytes']:,} | {po['watcher_bytes_pct']:.2f} % of unconditional | ≤ 5 % |",
        f"| 2c | start-up | `watcher --version` {st['version_s']:.3f} s; `watcher check` of one source (304) {st['check_s']:.3f} s | `python -c pass` {st['python_s']:.3f} s | +{st['version_s'] - st['python_s']:.3f} s, +{st['check_s'] - st['python_s']:.3f} s | reported |",
        f"| 3a | one changed word in art. 458: size | alert {c['alert_bytes']:,} B (diff {c['diff_bytes']:,} B) | urlwatch report {c['urlwatch_report_bytes']:,} B | {c['size_ratio']:.0f}× smaller | smaller |",
        f"| 3b | change served → alert stored | {c['change_to_alert_s']:.2f} s (one `watcher check`, process start included) | | | ≤ 0.2 s |",
        f"| 4a | archive, {a['alerts']:,} alerts / {a['versions']:,} versions: alert list | p50 {a['list_p50_ms']:.1f} ms, p95 {a['list_p95_ms']:.1f} ms | | | p95 ≤ 25 ms |",
        f"| 4b | alert page | p50 {a['alert_p50_ms']:.1f} ms, p95 {a['alert_p95_ms']:.1f} ms | | | p95 ≤ 25 ms |",
        f"| 4c | full-text search | p50 {a['search_p50_ms']:.1f} ms, p95 {a['search_p95_ms']:.1f} ms | | | p95 ≤ 25 ms |",
        f"| 4d | database size | {a['db_mb']:.0f} MB | the same history as watcher 0010 stored it: {a['old_mb']:.0f} MB | migrated in {a['migrate_s']:.0f} s | ≤ 300 MB |",
        f"| 5 | digest build, {d['alerts']:,} alerts for {d['digests']} digests | {d['build_s']:.2f} s ({d['per_digest_ms']:.1f} ms each; runs {', '.join(map(str, d['spread_ms']))}), peak {d['peak_mib']:.1f} MiB (Python heap) | | {d['per_digest_ms']:.1f} ms per message | ≤ 10 ms |",
        f"| 6 | signal, default topics on {sg.get('items', 0)} labelled real items (dev) | recall {_fig(sg.get('recall'))}, precision {_fig(sg.get('precision'))} | | "
        + ", ".join(f"{lang}: {_fig(v['recall'])} / {_fig(v['precision'])}" for lang, v in (sg.get("by_lang") or {}).items())
        + " | ≥ 0.90 both |",
        "",
        "## How cost grows",
        "",
        "| sources | unchanged pass | database after it |",
        "|---|---|---|",
        *(f"| {n:,} | {t:.2f} s | {mb:.1f} MB |" for n, (t, mb) in g["passes"].items()),
        "",
        "| versions (alerts: a tenth) | database | as watcher 0010 stored it |",
        "|---|---|---|",
        *(f"| {n:,} | {v['db_mb']:.1f} MB | {v['old_mb']:.1f} MB |" for n, v in sorted(g["sizes"].items())),
        "",
    ]
    misses = []
    if p["parse_floor_ratio"] > 2:
        misses.append(f"- **Parse {p['parse_floor_ratio']:.2f}× the lxml floor, over 2× (by "
                      f"{p['parse_ms'] - 2 * p['lxml_ms']:.0f} ms).** Turning the 800 KB text block into text takes "
                      "regular-expression passes (amendment numbers, breaks, tags, runs of spaces) and plain replaces "
                      "(entities) that together cost about what lxml's whole parse does: each pass runs over the whole "
                      "block, and Python's engine stops at every \"<\" (15,000 tags) or every space. Cutting the text "
                      "into 774 articles and their notes is Python. Every article is converted because the source's "
                      "list of refs and the removal checks read them all; a parser that converts only the articles a "
                      "source keeps is the way to 2×.")
    for x in (p50, po):
        if x["time_ratio"] > 0.5:
            misses.append(f"- **Unchanged pass at {x['sources']} sources: {x['time_ratio']:.2f}× urlwatch, over 0.5× "
                          f"(by {x['watcher_s'] - 0.5 * x['urlwatch_s']:.2f} s).** Starting the process takes "
                          f"{st['check_s'] - st['python_s']:.2f} s of it beyond Python's own start (importing click, "
                          "requests and urllib3 and the configuration's declarations, then reading the configuration); "
                          "each source then costs a conditional request through requests, about 1 ms of Python (urllib3 "
                          "alone half of that), on a connection kept open, and one short transaction.")
    if c["change_to_alert_s"] > 0.2:
        misses.append(f"- **Change to alert {c['change_to_alert_s']:.2f} s, over 0.2 s.** Starting the process and "
                      f"importing what a check needs takes {st['check_s']:.2f} s before the page is fetched; the 906 KB "
                      f"page is then parsed ({p['parse_ms']:.0f} ms), kept (compressed), diffed and stored.")
    if d["per_digest_ms"] > 10:
        misses.append(f"- **Digest {d['per_digest_ms']:.1f} ms per message, over 10 ms.** Each alert's block is "
                      "rendered once per run and each body line quoted-printable-encoded once per run; what is left is "
                      "the digest's own lines, the email package's header handling, and selecting the digest's alerts "
                      "in SQL.")
    if a["db_mb"] > 300:
        misses.append(f"- **Database {a['db_mb']:.0f} MB, over 300 MB.**")
    for key, name in (("list", "alert list"), ("alert", "alert page"), ("search", "search")):
        if a[f"{key}_p95_ms"] > 25:
            misses.append(f"- **{name} p95 {a[f'{key}_p95_ms']:.1f} ms, over 25 ms.**")
    lines += ["## Where a target is missed", "", *(misses or ["- Every target above is met in this run."]), ""]
    lines += [
        "## How to read it",
        "",
        "- Times are wall-clock on a shared 2-core machine and vary between runs; the ratios are what to compare.",
        "- urlwatch 2.x comes from PyPI into `benchmarks/.venv-urlwatch` and watches the same URLs with the `html2text` "
        "filter, as a new user would set it. Both tools send conditional requests; byte counts are response bodies sent "
        "by the local server. Each tool runs from its own virtual environment, installed by pip (byte-compiled): urlwatch from PyPI, watcher from this checkout (`benchmarks/.venv-watcher`); `python -c pass` is that environment's Python.",
        "- The change-to-alert time includes starting the `watcher` process, reading the 906 KB page and parsing it.",
        "- The archive database is written as watcher 0010 wrote it (every alert repeating its before and after texts), "
        "with histories of small edits (a word or two per version, 100 versions per document, an alert per tenth version "
        "with its real word diff), then migrated by the current store and served by `watcher serve`.",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
