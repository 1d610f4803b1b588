"""The one HTTP module, against a real local server."""

from __future__ import annotations

import pytest

from conftest import LocalServer
from watcher.errors import FetchError, TransientFetchError
from watcher.http import Http, user_agent


def test_user_agent_names_project_and_contact(server: LocalServer) -> None:
    url = server.serve("/p", b"hello")
    Http(contact="veille@example.org", host_delay=0).get(url)
    ua = server.requests[-1][1]["User-Agent"]
    assert ua == user_agent("veille@example.org")
    assert ua.startswith("watcher/") and "veille@example.org" in ua


def test_conditional_get_returns_not_modified(server: LocalServer) -> None:
    url = server.serve("/p", b"hello")
    http = Http(host_delay=0)
    first = http.get(url)
    assert first.status == 200 and first.content == b"hello" and first.etag
    second = http.get(url, etag=first.etag)
    assert second.not_modified and second.status == 304 and second.content == b""
    assert server.requests[-1][1]["If-None-Match"] == first.etag


def test_declared_charset_is_passed_on_as_a_hint(server: LocalServer) -> None:
    url = server.serve("/p", b"x", content_type="text/html; charset=ISO-8859-1")
    assert Http(host_delay=0).get(url).charset == "ISO-8859-1"


@pytest.mark.parametrize("status, transient", [(404, False), (403, False), (500, True), (503, True), (429, True)])
def test_http_errors(server: LocalServer, status: int, transient: bool) -> None:
    url = server.serve("/p", b"no", status=status, headers={"Retry-After": "7"})
    with pytest.raises(FetchError) as info:
        Http(host_delay=0).get(url)
    assert isinstance(info.value, TransientFetchError) is transient
    assert info.value.status == status
    if transient:
        assert info.value.retry_after == 7.0  # type: ignore[attr-defined]


def test_size_cap(server: LocalServer) -> None:
    url = server.serve("/big", b"x" * 5000)
    with pytest.raises(FetchError, match="cap"):
        Http(max_bytes=1000, host_delay=0).get(url)


def test_redirect_loop_is_refused(server: LocalServer) -> None:
    url = server.serve("/loop", b"", status=302, headers={"Location": "/loop"}, etag=False)
    with pytest.raises(FetchError, match="redirects"):
        Http(host_delay=0).get(url)


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "javascript:alert(1)"])
def test_only_http_and_https(url: str) -> None:
    with pytest.raises(FetchError, match="only http and https"):
        Http(host_delay=0).get(url)


def test_connection_refused_is_transient() -> None:
    with pytest.raises(TransientFetchError):
        Http(host_delay=0, timeout=2).get("http://127.0.0.1:9/")


def test_host_delay_spaces_requests_to_one_host(server: LocalServer) -> None:
    """Spacing is computed on an injected clock: no timing assertion."""
    now = [100.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        now[0] += seconds

    http = Http(host_delay=5.0, clock=lambda: now[0], sleep=sleep)
    url = server.serve("/p", b"x")
    http.get(url)
    now[0] += 1.0
    http.get(url)
    http.get(url)
    assert slept == [4.0, 5.0]
