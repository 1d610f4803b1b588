"""[[notify]]: an immediate alert reaches a local webhook through Apprise, once."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from conftest import CODE_PENAL_OLD, LocalServer, Watcher, recording, run_watcher


class Hook:
    """A local webhook that records what Apprise's json:// posts to it."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.refuse = False
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if hook.refuse:
                    self.send_response(500)
                else:
                    hook.posts.append(json.loads(body))
                    self.send_response(200)
                self.end_headers()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.httpd.server_address[1]}/hook"


@pytest.fixture
def hook() -> Iterator[Hook]:
    h = Hook()
    yield h
    h.httpd.shutdown()
    h.httpd.server_close()


AMENDED = ("d'un an à trois ans et d'une amende de cent euros à mille euros", "de deux ans à cinq ans et d'une amende de cent euros à mille euros")


def test_an_immediate_notification_reaches_a_webhook_once(tmp_path: Path, server: LocalServer, hook: Hook) -> None:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(
        tmp_path, server,
        f'[[source]]\nid = "cp"\nkind = "justel"\ntitle = "Code pénal"\nurl = "{url}"\narticles = ["458"]\ntopics = ["secret-professionnel"]\n'
        f'\n[[notify]]\nid = "hook"\nurl = "{hook.url}"\ntopics = ["secret-professionnel"]\n',
        settings='archive_url = "https://veille.example/"\n',
    )
    w.check()
    assert hook.posts == []  # the baseline raised nothing
    server.serve("/cp", recording(CODE_PENAL_OLD).decode("utf-8").replace(*AMENDED).encode("utf-8"))
    hook.refuse = True
    w.check()
    assert hook.posts == []  # refused: kept for later
    hook.refuse = False
    w.check()  # tried again after the next pass
    assert len(hook.posts) == 1
    post = hook.posts[0]
    assert "Code pénal, art. 458" in post["title"] and "texte modifié" in post["message"]
    assert "#Art.458" in post["message"] and "https://veille.example/alerts/1/" in post["message"]
    w.check()
    assert len(hook.posts) == 1  # never sent twice


def test_a_notify_url_with_a_secret_comes_from_the_environment(tmp_path: Path) -> None:
    cfg = tmp_path / "s.toml"
    cfg.write_text('[[source]]\nid = "a"\nkind = "feed"\nurl = "https://x.example/f"\n[[notify]]\nid = "m"\n', encoding="utf-8")
    res = run_watcher("--config", str(cfg), "status")
    assert res.code == 2 and 'give either "url" or "url_env"' in res.err
