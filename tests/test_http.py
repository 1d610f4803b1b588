"""The one HTTP module, against a real local server."""

from __future__ import annotations

import pytest

from conftest import LocalServer, Route
from watcher.config import Settings
from watcher.errors import FetchError, TransientFetchError
from watcher.http import Http, user_agent


def test_user_agent_names_project_and_contact(server: LocalServer) -> None:
    url = server.serve("/p", b"hello")
    Http(Settings(contact="veille@example.org", host_delay=0, retries=0)).get(url)
    ua = server.requests[-1][1]["User-Agent"]
    assert ua == user_agent("veille@example.org")
    assert ua.startswith("watcher/") and "veille@example.org" in ua


def test_conditional_get_returns_not_modified(server: LocalServer) -> None:
    url = server.serve("/p", b"hello")
    http = Http(Settings(host_delay=0, retries=0))
    first = http.get(url)
    assert first.status == 200 and first.content == b"hello" and first.etag
    second = http.get(url, etag=first.etag)
    assert second.not_modified and second.status == 304 and second.content == b""
    assert server.requests[-1][1]["If-None-Match"] == first.etag


def test_declared_charset_is_passed_on_as_a_hint(server: LocalServer) -> None:
    url = server.serve("/p", b"x", content_type="text/html; charset=ISO-8859-1")
    assert Http(Settings(host_delay=0, retries=0)).get(url).charset == "ISO-8859-1"


@pytest.mark.parametrize("status, transient", [(404, False), (403, False), (500, True), (503, True), (429, True)])
def test_http_errors(server: LocalServer, status: int, transient: bool) -> None:
    url = server.serve("/p", b"no", status=status, headers={"Retry-After": "7"})
    with pytest.raises(FetchError) as info:
        Http(Settings(host_delay=0, retries=0)).get(url)
    assert isinstance(info.value, TransientFetchError) is transient
    assert info.value.status == status
    if transient:
        assert info.value.retry_after == 7.0  # type: ignore[attr-defined]


def test_size_cap(server: LocalServer) -> None:
    url = server.serve("/big", b"x" * 5000)
    with pytest.raises(FetchError, match="cap"):
        Http(Settings(max_bytes=1000, host_delay=0, retries=0)).get(url)


def test_redirect_loop_is_refused(server: LocalServer) -> None:
    url = server.serve("/loop", b"", status=302, headers={"Location": "/loop"}, etag=False)
    with pytest.raises(FetchError, match="redirects"):
        Http(Settings(host_delay=0, retries=0)).get(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        Http(Settings(host_delay=0, retries=0)).get(url)


def test_connection_refused_is_transient() -> None:
    with pytest.raises(TransientFetchError):
        Http(Settings(host_delay=0, timeout=2, retries=0)).get("http://127.0.0.1:9/")


def test_host_delay_spaces_requests_to_one_host(server: LocalServer) -> None:
    """Spacing is computed on an injected clock: no timing assertion."""
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    http = Http(Settings(host_delay=5.0, robots=False), clock=lambda: now[0], sleep=sleep)
    url = server.serve("/p", b"x")
    http.get(url)
    now[0] += 1.0
    http.get(url)
    http.get(url)
    assert slept == [4.0, 5.0]


class FakeTime:
    """An injected clock whose sleeps only advance it: spacing is checked, not timed."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_robots_disallow_is_honoured_and_cached(server: LocalServer) -> None:
    server.serve("/robots.txt", b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    ok = server.serve("/public", b"x")
    private = server.serve("/private/page", b"secret")
    t = FakeTime()
    http = Http(Settings(host_delay=0, retries=0), clock=t.clock, sleep=t.sleep)
    http.get(ok)
    with pytest.raises(FetchError, match=r"robots\.txt .* disallows"):
        http.get(private)
    http.get(ok)
    paths = [p for p, _ in server.requests]
    assert paths.count("/robots.txt") == 1 and "/private/page" not in paths


def test_robots_crawl_delay_larger_than_host_delay_wins(server: LocalServer) -> None:
    server.serve("/robots.txt", b"User-agent: *\nCrawl-delay: 7\n", content_type="text/plain")
    url = server.serve("/p", b"x")
    t = FakeTime()
    http = Http(Settings(host_delay=2, retries=0), clock=t.clock, sleep=t.sleep)
    http.get(url)
    http.get(url)
    # robots.txt itself is a request to the host: the page waits 7 s after it, then 7 s again
    assert t.slept == [7.0, 7.0]


def test_missing_robots_allows_everything_and_broken_robots_is_transient(server: LocalServer) -> None:
    url = server.serve("/p", b"x")
    Http(Settings(host_delay=0, retries=0)).get(url)  # robots.txt is a 404 here
    server.serve("/robots.txt", b"oops", status=503)
    with pytest.raises(TransientFetchError, match=r"robots\.txt"):
        Http(Settings(host_delay=0, retries=0)).get(url)


def test_retry_after_is_obeyed_then_the_request_succeeds(server: LocalServer) -> None:
    url = server.serve_sequence(
        "/busy",
        [Route(b"slow down", status=503, headers={"Retry-After": "3"}), Route(b"ok")],
    )
    t = FakeTime()
    http = Http(Settings(host_delay=0, retries=2, backoff=100, robots=False), clock=t.clock, sleep=t.sleep)
    assert http.get(url).content == b"ok"
    assert t.slept == [3.0]  # the server's 3 s, not our 100 s backoff


def test_retry_after_too_long_fails_now_and_holds_the_host(server: LocalServer) -> None:
    url = server.serve("/busy", b"no", status=429, headers={"Retry-After": "3600"})
    other = server.serve("/other", b"fine")
    t = FakeTime()
    http = Http(Settings(host_delay=0, retries=2, max_retry_after=60, robots=False), clock=t.clock, sleep=t.sleep)
    with pytest.raises(TransientFetchError, match="longer than we wait"):
        http.get(url)
    assert t.slept == []
    http.get(other)  # another source on the same host waits too
    assert t.slept == [60.0]


def test_exponential_backoff_on_transient_errors(server: LocalServer) -> None:
    url = server.serve_sequence("/flaky", [Route(b"", status=500), Route(b"", status=502), Route(b"ok")])
    t = FakeTime()
    http = Http(Settings(host_delay=0, retries=2, backoff=1.5, robots=False), clock=t.clock, sleep=t.sleep)
    assert http.get(url).content == b"ok"
    assert t.slept == [1.5, 3.0]
    assert [p for p, _ in server.requests].count("/flaky") == 3


def test_no_retry_on_client_errors(server: LocalServer) -> None:
    url = server.serve("/gone", b"", status=404)
    t = FakeTime()
    with pytest.raises(FetchError):
        Http(Settings(host_delay=0, retries=3, robots=False), clock=t.clock, sleep=t.sleep).get(url)
    assert t.slept == [] and [p for p, _ in server.requests].count("/gone") == 1


def test_a_stop_request_interrupts_a_politeness_wait(server: LocalServer) -> None:
    import threading

    from watcher.errors import Interrupted

    url = server.serve("/p", b"x")
    stop = threading.Event()
    http = Http(Settings(host_delay=3600, retries=0, robots=False), stop=stop)
    http.get(url)
    stop.set()
    with pytest.raises(Interrupted):
        http.get(url)  # would otherwise wait an hour


def test_proxies_from_the_environment_are_still_used_and_no_proxy_honoured(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment is read once per host now, not at every request: the
    proxy a volunteer sets in HTTP_PROXY must still carry every request."""
    server.serve("http://watcher.invalid/page", b"through the proxy")
    server.serve("/direct", b"direct")
    monkeypatch.setenv("HTTP_PROXY", server.base)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    http = Http(Settings(host_delay=0, retries=0, robots=False))
    for _ in range(2):
        assert http.get("http://watcher.invalid/page").content == b"through the proxy"
    assert http.get(server.url("/direct")).content == b"direct"  # NO_PROXY: straight to the server
    assert [p for p, _ in server.requests] == ["http://watcher.invalid/page"] * 2 + ["/direct"]


def test_requests_loads_without_its_character_detector_which_stays_importable() -> None:
    """watcher decodes bytes itself; the detector requests would import costs 40 ms at every start."""
    import subprocess
    import sys

    code = ("import sys, watcher.http; assert 'charset_normalizer' not in sys.modules, 'loaded'; "
            "import charset_normalizer; print(charset_normalizer.__name__)")
    out = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "charset_normalizer"


def test_a_redirect_to_another_host_reads_the_environment_for_that_host(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """The environment is read once per host, and again for a redirect's
    target, as requests does: a NO_PROXY host redirecting outside goes
    through the proxy."""
    server.serve("/moved", b"", status=302, headers={"Location": "http://watcher.invalid/page"})
    server.serve("http://watcher.invalid/page", b"through the proxy")
    monkeypatch.setenv("HTTP_PROXY", server.base)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    http = Http(Settings(host_delay=0, retries=0, robots=False))
    assert http.get(server.url("/moved")).content == b"through the proxy"
    assert [p for p, _ in server.requests] == ["/moved", "http://watcher.invalid/page"]


class _KeepAlive:
    """An HTTP/1.1 server on 127.0.0.1 that keeps connections open and counts
    them; "/gone" answers 404 with a body, "/cut" promises more than it
    sends, "/bogus" sends a body with its 304."""

    def __init__(self) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.connections = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                outer.connections += 1
                super().setup()

            def do_GET(self) -> None:
                body = b"<p>page</p>" * 50
                if self.path == "/gone":
                    self.send_response(404)
                elif self.path == "/cut":
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(body) + 100))
                    self.end_headers()
                    self.wfile.write(body)
                    self.close_connection = True
                    return
                elif self.path == "/bogus" and self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)  # declares (and sends) a body a 304 cannot have
                    self.send_header("Content-Length", "4")
                    self.end_headers()
                    self.wfile.write(b"EVIL")
                    return
                elif self.headers.get("If-None-Match") == '"v1"':
                    self.send_response(304)
                    self.send_header("ETag", '"v1"')
                    self.end_headers()
                    return
                else:
                    self.send_response(200)
                self.send_header("ETag", '"v1"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def test_one_connection_per_host_is_kept_for_the_next_request() -> None:
    """A whole answer (a page, a 304) leaves the connection open for the next
    request to the host; one cut short, refused, or a 304 declaring a body is
    not reused, and the next answer is the right one."""
    site = _KeepAlive()
    try:
        http = Http(Settings(host_delay=0, retries=0, robots=False))
        first = http.get(site.base + "/a")
        assert first.status == 200 and first.content == b"<p>page</p>" * 50
        assert http.get(site.base + "/a", etag=first.etag).not_modified
        assert http.get(site.base + "/b").content == first.content
        assert site.connections == 1
        with pytest.raises(FetchError):
            http.get(site.base + "/gone")
        assert http.get(site.base + "/a").content == first.content
        assert site.connections == 2  # the 404's connection was closed, not reused
        with pytest.raises(FetchError):
            http.get(site.base + "/cut")
        assert http.get(site.base + "/a").content == first.content
        assert site.connections == 3
        assert http.get(site.base + "/bogus", etag=first.etag).not_modified
        assert http.get(site.base + "/a").content == first.content
        assert site.connections == 4
        http.close()
    finally:
        site.close()
