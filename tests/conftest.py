"""Shared test helpers: the recordings, a real local HTTP server, the CLI.

The recordings stay in ../shared/fixtures (or $WATCHER_FIXTURES); tests read
them in place and skip, saying why, when they are absent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(os.environ.get("WATCHER_FIXTURES", ROOT.parent / "shared" / "fixtures"))
OWN = Path(__file__).resolve().parent / "data"
# watcher keeps the CSS selectors soupsieve accepted in the user's cache
# folder (watcher/keys.py); the tests, and the processes they start, use their own.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="watcher-test-cache-")


def recording(relpath: str) -> bytes:
    """Bytes of a recording under the fixtures folder, or skip the test."""
    path = FIXTURES / relpath
    if not path.exists():
        pytest.skip(f"recording {relpath} not found under {FIXTURES} (set WATCHER_FIXTURES)")
    return path.read_bytes()


CODE_PENAL_OLD = "ejustice/justel_old2018_code_penal_1867060801_fr.html"
CODE_PENAL_2024_ARTS = (
    "ejustice/justel_2024layout_2025-08-04_code_penal_1867060850_fr_EXCERPT_art454-459_chars876093-888270.html"
)
CODE_PENAL_2024_META = (
    "ejustice/justel_2024layout_2025-08-04_code_penal_1867060850_fr_EXCERPT_list-title-1_chars6000-8567.html"
)
LOI_1994_2024 = "ejustice/justel_2024layout_loi_1994009284_fr.html"
WET_2016_NL = "ejustice/justel_2024layout_eli_wet_2016003166_nl_SHORTENED.html"
CPAS_STUB = "ejustice/justel_2024layout_cpas_loi_1976070810_fr_stub_with_modifications.html"
ELI_HELP = "ejustice/justel_eli_help_page_no_result_nl.html"


def code_penal_2024_page() -> bytes:
    """A whole 2024-layout Code pénal page, assembled from recordings only.

    The recorded 2024 Code pénal exists as two excerpts (its metadata box and
    art. 454-459); they are set in the frame of the recorded whole 2024-layout
    page of the 1994 law, cut at the same block boundaries.  Nothing is
    invented; the result is UTF-8 like the excerpts.
    """
    frame = recording(LOI_1994_2024).decode("cp1252")
    meta = recording(CODE_PENAL_2024_META).decode("utf-8")
    arts = recording(CODE_PENAL_2024_ARTS).decode("utf-8")
    head = frame[: frame.index('<div id="list-title-1"')]
    text_open = frame.index('<div id="list-title-3"')
    text_body = frame.index("</h2>", text_open) + len("</h2>")
    tail = frame[frame.index("</div>", frame.index("NAME='Art.37'")) :]
    meta_block = meta[meta.index('<div id="list-title-1"') : meta.index('<div id="list-title-2"')]
    return (head + meta_block + frame[text_open:text_body] + arts + tail).encode("utf-8")


def justel_2024_from_slices(head: str, *articles: str) -> bytes:
    """A 2024-layout Justel page assembled from recorded slices only: the
    recorded head (through ``div#list-title-1``) and article slices, set in
    the frame of the recorded whole 1994 page (its ``div#list-title-3``
    opening and its tail).  Nothing is invented; the result is UTF-8."""
    frame = recording(LOI_1994_2024).decode("cp1252")
    text_open = frame.index('<div id="list-title-3"')
    text_body = frame.index("</h2>", text_open) + len("</h2>")
    tail = frame[frame.index("</div>", frame.index("NAME='Art.37'")) :]
    parts = [recording(head).decode("utf-8"), frame[text_open:text_body]]
    parts += [recording(a).decode("utf-8") + "<BR><BR>" for a in articles]
    return ("".join(parts) + tail).encode("utf-8")


def justel_old_from_slices(head: str, *articles: str) -> bytes:
    """An old-layout Justel page assembled from recorded slices only: the
    recorded head (title table) and article slices, set in the frame of the
    recorded whole 2018 Code pénal page (its text anchor and its tail)."""
    frame = recording(CODE_PENAL_OLD).decode("utf-8")
    lower = frame.lower()
    text_anchor = lower.index('<a name="texte">') if '<a name="texte">' in lower else lower.index("<a name='texte'>")
    first = frame.index("&nbsp;&nbsp;<A NAME='Art.1'>")
    end = frame.index("</th>", frame.index("NAME='Art.566'"))
    parts = [recording(head).decode("utf-8"), frame[text_anchor:first]]
    parts += ["&nbsp;&nbsp;" + recording(a).decode("utf-8") + "<BR><BR>" for a in articles]
    return ("".join(parts) + frame[end:]).encode("utf-8")


def code_penal_old_art454_459() -> bytes:
    """The recorded 2018 old-layout Code pénal cut to the same span as the 2024
    excerpt (chapter VI heading through art. 459), so the two layouts can be
    compared page for page."""
    page = recording(CODE_PENAL_OLD).decode("utf-8")
    first = page.index("&nbsp;&nbsp;<A NAME='Art.1'>")
    chapter = page.rindex("<A NAME='LNK", 0, page.index("NAME='Art.454'"))
    after = page.index("&nbsp;&nbsp;<A NAME='Art.460'")
    end = page.index("</th>", page.index("NAME='Art.566'"))
    return (page[:first] + page[chapter:after] + page[end:]).encode("utf-8")


def free_port() -> int:
    """A port nobody listens on yet, for servers the tests start (serve, SMTP)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True
    delay: float = 0.0  # seconds the server waits before answering (bounded by the tests)
    drip: float = 0.0  # seconds between two bytes of the body: a server that never quite finishes
    short: int = 0  # bytes of the body left unsent while Content-Length counts them: a cut-off answer


class LocalServer:
    """A real HTTP server on 127.0.0.1 whose pages a test can change."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.times: list[tuple[str, float]] = []  # (path, monotonic arrival time)
        self.sequences: dict[str, list[Route]] = {}
        self.sent: dict[str, int] = {}  # body bytes written per path (dripped answers)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def serve(self, path: str, body: bytes, **kw: object) -> str:
        self.routes[path] = Route(body, **kw)  # type: ignore[arg-type]
        self.sequences.pop(path, None)
        return self.url(path)

    def serve_sequence(self, path: str, routes: list[Route]) -> str:
        """Answer the next requests with these routes in turn, then the last one."""
        self.sequences[path] = list(routes)
        self.routes[path] = routes[-1]
        return self.url(path)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers)))
                server.times.append((self.path, time.monotonic()))
                seq = server.sequences.get(self.path)
                route = seq.pop(0) if seq else server.routes.get(self.path)
                if route is None and "?" in self.path:  # a route served for a path answers any query on it
                    route = server.routes.get(self.path.split("?", 1)[0])
                if route is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if route.delay:
                    time.sleep(route.delay)
                etag = '"' + hashlib.sha256(route.body).hexdigest()[:16] + '"'
                if route.etag and route.status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(route.status)
                self.send_header("Content-Type", route.content_type)
                self.send_header("Content-Length", str(len(route.body)))
                if route.etag:
                    self.send_header("ETag", etag)
                for k, v in route.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                # The client may be killed or stopped on purpose (crash and SIGTERM tests).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    if route.drip:
                        # One byte at a time, for at most 60 s: the client is expected to give up long before.
                        for i in range(min(len(route.body), int(60 / route.drip))):
                            self.wfile.write(route.body[i : i + 1])
                            self.wfile.flush()
                            server.sent[self.path] = i + 1
                            time.sleep(route.drip)
                    elif route.short:
                        self.wfile.write(route.body[: len(route.body) - route.short])
                        self.wfile.flush()
                        self.close_connection = True
                    else:
                        self.wfile.write(route.body)

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    srv = LocalServer()
    srv.start()
    yield srv
    srv.stop()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> object:
        return json.loads(self.out)


def run_watcher(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, subprocess_: bool = False
) -> Result:
    """Run the ``watcher`` command: in this process (click's CliRunner, the
    same entry point and error mapping as the console script), or, with
    ``subprocess_``, as a real process."""
    if subprocess_:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("WATCHER_")}
        full_env.update(env or {})
        proc = subprocess.run(
            [sys.executable, "-m", "watcher", *args],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)
    from click.testing import CliRunner

    from watcher.cli import run_cli

    cleared: dict[str, str | None] = {k: None for k in os.environ if k.startswith("WATCHER_")}
    cleared.update(env or {})
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    root.handlers = []  # so that the CLI's logging setup writes to the captured stderr
    here = os.getcwd()
    try:
        if cwd is not None:
            os.chdir(cwd)
        with CliRunner().isolation(env=cleared) as (out, err, _):
            code = run_cli(list(args))
            sys.stdout.flush()
            sys.stderr.flush()
            return Result(code, out.getvalue().decode("utf-8", "replace"), err.getvalue().decode("utf-8", "replace"))
    finally:
        os.chdir(here)
        root.handlers, _level = saved
        root.setLevel(saved[1])


DEFAULT_TOPICS = (
    '[[topic]]\nid = "secret-professionnel"\ntitle = "Secret professionnel"\n'
    'terms = ["secret professionnel", "beroepsgeheim"]\n'
)


TEST_SETTINGS = {"host_delay": "0", "timeout": "10", "retries": "0"}


def write_config(path: Path, sources: str, settings: str = "", topics: str = DEFAULT_TOPICS) -> Path:
    """A config with test-friendly settings (no host delay) and the given sources."""
    given = {line.split("=", 1)[0].strip() for line in settings.splitlines() if "=" in line}
    defaults = "".join(f"{k} = {v}\n" for k, v in TEST_SETTINGS.items() if k not in given)
    path.write_text("[settings]\n" + defaults + settings + "\n" + topics + "\n" + sources, encoding="utf-8")
    return path


class Watcher:
    """The CLI bound to one config and one database in a temporary folder."""

    def __init__(
        self, tmp: Path, server: LocalServer, sources: str, settings: str = "", topics: str = DEFAULT_TOPICS
    ) -> None:
        self.tmp = tmp
        self.db = tmp / "watcher.db"
        self.config = write_config(tmp / "sources.toml", sources, settings, topics)
        self.server = server

    def __call__(self, *args: str) -> Any:
        return run_watcher("--config", str(self.config), "--db", str(self.db), *args)

    def check(self, *ids: str, expect: int = 0) -> Any:
        res = self("check", *ids)
        assert res.code == expect, (res.out, res.err)
        return res

    def alerts(self, *args: str) -> list[dict[str, Any]]:
        res = self("alerts", "--json", *args)
        assert res.code == 0, res.err
        return res.json()  # type: ignore[no-any-return]

    def status(self) -> dict[str, dict[str, Any]]:
        res = self("status", "--json")
        assert res.code == 0, res.err
        return {s["id"]: s for s in res.json()}

