"""The only way out to the network.

One shared ``requests.Session`` with timeouts, a User-Agent that names the
project and a contact, conditional GET (the caller hands back the ETag and
Last-Modified it was given), a size cap, a redirect limit, http(s) only, and
a minimum delay between two requests to the same host.

Nothing happens at import time; :class:`Http` is created by the CLI.
"""

from __future__ import annotations

import http.client
import logging
import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit
from urllib.robotparser import RobotFileParser

import urllib3.exceptions as urllib3_exc

from . import __version__
from ._requests import requests
from .config import Settings
from .errors import FetchError, Interrupted, TransientFetchError
from .models import Fetched

PROJECT_URL = "https://github.com/watcher-be/watcher"
MAX_REDIRECTS = 5
ROBOTS_AGENT = "watcher"
ROBOTS_TTL = 24 * 3600.0

log = logging.getLogger(__name__)


def user_agent(contact: str = "") -> str:
    """``watcher/0.1.0 (+project URL; contact)``: who we are and how to reach us."""
    # A header is Latin-1 at most: anything else in the contact is percent-encoded.
    safe = quote(contact, safe="@:/.+-_~;,()!*'=?&#% ") if contact else ""
    extra = f"; {safe}" if safe else ""
    return f"watcher/{__version__} (+{PROJECT_URL}{extra})"


class _Session(requests.Session):
    """requests reads proxies (no_proxy applied) and the CA bundle from the
    environment at every request, a millisecond each, most of an unchanged
    pass: this session reads them once per scheme and host.  Everything
    else (redirects, .netrc) is requests' own."""

    def __init__(self) -> None:
        super().__init__()
        self._environment: dict[str, Any] = {}
        self._environment_lock = threading.Lock()

    def merge_environment_settings(self, url: Any, proxies: Any, stream: Any, verify: Any, cert: Any) -> Any:
        if proxies or verify is not None or cert is not None or not isinstance(url, str):
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        with self._environment_lock:
            found = self._environment.get(key)
            if found is None:
                found = self._environment[key] = super().merge_environment_settings(url, {}, None, None, None)
        return dict(found, proxies=dict(found["proxies"]), stream=found["stream"] if stream is None else stream)


class Http:
    """A polite HTTP client shared by every source of one process.

    Politeness, for every source alike: at least ``host_delay`` seconds
    between two requests to one host (or the host's robots.txt Crawl-delay
    when larger), robots.txt honoured and cached, Retry-After honoured on
    429 and 503 (for every source on that host), retries with exponential
    backoff on transient errors, a size cap, a redirect limit, http(s) only.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        s = settings or Settings()
        self.session = _Session()
        self.session.headers["User-Agent"] = user_agent(s.contact)
        self.session.headers["Accept-Language"] = "fr, nl;q=0.9, en;q=0.5"
        self.session.max_redirects = MAX_REDIRECTS
        self.timeout = s.timeout
        self.max_bytes = s.max_bytes
        self.host_delay = s.host_delay
        self.retries = s.retries
        self.backoff = s.backoff
        self.max_retry_after = s.max_retry_after
        self.robots = s.robots
        self.deadline = s.deadline
        self.stop = stop or threading.Event()
        self._clock = clock
        self._sleep = sleep or self._interruptible_sleep
        self._last: dict[str, float] = {}
        self._blocked_until: dict[str, float] = {}
        self._robots: dict[str, tuple[float, RobotFileParser | None]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.session.close()

    def _interruptible_sleep(self, seconds: float) -> None:
        # A stop request (SIGTERM) must not wait out a politeness delay.
        if self.stop.wait(seconds):
            raise Interrupted("stopping")

    def _delay_for(self, host: str) -> float:
        cached = self._robots.get(host)
        crawl = None
        if cached and cached[1] is not None:
            crawl = cached[1].crawl_delay(ROBOTS_AGENT)
        return max(self.host_delay, float(crawl or 0))

    def _wait_for_host(self, host: str) -> None:
        # Reserve the next slot under the lock, sleep outside it, so that
        # concurrent sources never hit one host closer than the delay.
        with self._lock:
            now = self._clock()
            slot = max(now, self._last.get(host, -1e18) + self._delay_for(host), self._blocked_until.get(host, 0.0))
            self._last[host] = slot
        if slot > now:
            self._sleep(slot - now)

    def _block_host(self, host: str, seconds: float) -> None:
        with self._lock:
            self._blocked_until[host] = max(self._blocked_until.get(host, 0.0), self._clock() + seconds)

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets us fetch ``url`` (cached per host for a day)."""
        if not self.robots:
            return True
        parts = urlsplit(url)
        host = parts.netloc.lower()
        cached = self._robots.get(host)
        if cached is None or self._clock() - cached[0] > ROBOTS_TTL:
            cached = (self._clock(), self._fetch_robots(f"{parts.scheme}://{parts.netloc}/robots.txt", host))
            self._robots[host] = cached
        parser = cached[1]
        return True if parser is None else parser.can_fetch(ROBOTS_AGENT, url)

    def _fetch_robots(self, url: str, host: str) -> RobotFileParser | None:
        """The host's rules; None (everything allowed) when it has none.

        A robots.txt that answers 5xx or not at all is a transient failure
        (RFC 9309 says to assume "disallow" then), retried on the next pass.
        """
        self._wait_for_host(host)
        try:
            resp = self.session.get(url, timeout=self.timeout, stream=True)
        except requests.RequestException as e:
            raise TransientFetchError(f"robots.txt unreachable: {type(e).__name__}") from None
        try:
            if resp.status_code >= 500:
                raise TransientFetchError(f"robots.txt answered HTTP {resp.status_code}", status=resp.status_code)
            if resp.status_code >= 400:
                return None
            body = self._read_capped(resp)
        finally:
            resp.close()
        parser = RobotFileParser()
        parser.parse(body.decode("utf-8", "replace").splitlines())
        return parser

    def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        until: float | None = None,
        accept: str | None = None,
    ) -> Fetched:
        """GET ``url`` politely, conditionally when validators are given.

        Returns a :class:`Fetched` (``not_modified`` on 304, with empty
        content) or raises :class:`FetchError` / :class:`TransientFetchError`
        once the retries are spent.  Each attempt has ``[settings] deadline``
        seconds in all (the timeout applies to each read), and none starts
        or goes on after ``until`` (a ``time.monotonic()`` instant: the
        source's pass deadline).
        """
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"refusing to fetch {url!r}: only http and https URLs are allowed")
        if not self.allowed(url):
            raise FetchError(f"robots.txt of {parts.netloc} disallows {url}")
        host = parts.netloc.lower()
        attempt = 0
        while True:
            if until is not None and time.monotonic() >= until:
                raise TransientFetchError(f"the source's pass deadline was reached before fetching {url}")
            try:
                return self._get_once(url, host, etag, last_modified, until, accept)
            except TransientFetchError as e:
                wait = self.backoff * (2**attempt)
                if e.retry_after is not None:
                    if e.retry_after > self.max_retry_after:
                        self._block_host(host, self.max_retry_after)
                        raise TransientFetchError(
                            f"{e} (Retry-After {e.retry_after:.0f} s is longer than we wait)",
                            status=e.status, retry_after=e.retry_after,
                        ) from None
                    wait = e.retry_after
                    self._block_host(host, wait)  # every source on this host waits
                if attempt >= self.retries:
                    raise
                attempt += 1
                log.info("retrying %s in %.1f s after: %s", url, wait, e)
                if e.retry_after is None:
                    self._sleep(wait)
                # else: _get_once waits for the host, now blocked until Retry-After has passed

    def _get_once(
        self,
        url: str,
        host: str,
        etag: str | None,
        last_modified: str | None,
        until: float | None = None,
        accept: str | None = None,
    ) -> Fetched:
        headers: dict[str, str] = {"Accept": accept} if accept else {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        self._wait_for_host(host)
        start = time.monotonic()
        stop_at = start + self.deadline if until is None else min(start + self.deadline, until)
        try:
            resp = self.session.get(url, headers=headers, timeout=self.timeout, stream=True)
        except requests.RequestException as e:
            raise _network_error(e, url, self.timeout) from None
        reuse = False  # the connection may serve the next request to this host
        try:
            final = urlsplit(resp.url)
            if final.scheme not in ("http", "https"):
                raise FetchError(f"redirected to a non-http(s) URL: {resp.url!r}")
            if resp.status_code == 304:
                content = b""
                # A 304 has no body, so its connection is ready for the next
                # request (no new TCP and TLS handshake on an unchanged pass).
                # requests' close() would shut it, as it still does when the
                # server declares a body: a Content-Length it may repeat from
                # the 200, or bytes that would be read as the next answer.
                reuse = not resp.headers.get("Transfer-Encoding") and resp.headers.get("Content-Length", "0").strip() == "0"
            elif resp.status_code >= 400:
                retry_after = _retry_after(resp.headers.get("Retry-After"))
                msg = f"HTTP {resp.status_code} {resp.reason or ''}".strip()
                if resp.status_code in (429, 500, 502, 503, 504):
                    raise TransientFetchError(msg, status=resp.status_code, retry_after=retry_after)
                raise FetchError(msg, status=resp.status_code)
            else:
                content = self._read_capped(resp, stop_at, url)  # read to its end, urllib3 pools the connection
        except requests.RequestException as e:
            raise _network_error(e, url, self.timeout) from None
        except (urllib3_exc.HTTPError, http.client.HTTPException, OSError) as e:
            raise _network_error(e, url, self.timeout) from None
        finally:
            if reuse:
                resp.raw.release_conn()
            else:
                resp.close()
        ctype = resp.headers.get("Content-Type")
        return Fetched(
            url=url,
            final_url=resp.url,
            status=resp.status_code,
            content=content,
            content_type=ctype,
            etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"),
            not_modified=resp.status_code == 304,
            duration_ms=int((time.monotonic() - start) * 1000),
            charset=_charset(ctype),
        )

    def _read_capped(self, resp: requests.Response, stop_at: float | None = None, url: str = "") -> bytes:
        """The (decoded) body, at most ``max_bytes``, read by whatever the
        server sends at a time so that a server dripping bytes meets the
        deadline, and a stop request, within one read timeout."""
        declared = resp.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            raise FetchError(f"response of {declared} bytes exceeds the {self.max_bytes}-byte cap")
        chunks: list[bytes] = []
        size = 0
        raw = resp.raw
        while True:
            if self.stop.is_set():  # a slow download must not hold up a stop
                raise Interrupted("stopping")
            if stop_at is not None and time.monotonic() > stop_at:
                raise TransientFetchError(f"no complete answer within the deadline from {url or resp.url} ({size} bytes read)")
            chunk = raw.read1(65536, decode_content=True)
            if not chunk:  # the end of the body
                break
            size += len(chunk)
            if size > self.max_bytes:
                raise FetchError(f"response exceeds the {self.max_bytes}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)


def _charset(content_type: str | None) -> str | None:
    if not content_type:
        return None
    for part in content_type.split(";")[1:]:
        k, _, v = part.strip().partition("=")
        if k.lower() == "charset" and v:
            return v.strip("\"' ")
    return None


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _network_error(e: BaseException, url: str, timeout: float) -> FetchError:
    """One project message per network failure class, naming the URL."""
    host = urlsplit(url).netloc
    chain: list[BaseException] = []
    cur: BaseException | None = e
    while cur is not None and len(chain) < 8:
        chain.append(cur)
        cur = cur.__cause__ or cur.__context__ or (cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None)
    names = " ".join(type(x).__name__ for x in chain)
    text = " ".join(str(x) for x in chain)
    if isinstance(e, requests.TooManyRedirects):
        return FetchError(f"more than {MAX_REDIRECTS} redirects from {url}")
    if isinstance(e, (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema)):
        return FetchError(f"{url} redirected to an address that is not http(s); refused")
    if isinstance(e, requests.exceptions.SSLError) or "SSLError" in names or "CERTIFICATE" in text:
        return FetchError(f"TLS failed with {host} ({_short(chain[-1])}); the certificate or protocol is refused")
    if "NameResolutionError" in names or "gaierror" in names or "Name or service not known" in text:
        return TransientFetchError(f"DNS: the name {urlsplit(url).hostname} cannot be resolved")
    if "ConnectionRefusedError" in names or "Connection refused" in text:
        return TransientFetchError(f"connection refused by {host}")
    if isinstance(e, (requests.Timeout, TimeoutError)) or "Timeout" in names or "timed out" in text:
        return TransientFetchError(f"no answer from {host} within {timeout:g} s")
    if (
        isinstance(e, (requests.exceptions.ChunkedEncodingError, http.client.IncompleteRead))
        or "IncompleteRead" in names or "ProtocolError" in names
    ):
        return TransientFetchError(f"{host} closed the connection before the end of the answer (short body) for {url}")
    if isinstance(e, (requests.ConnectionError, OSError, urllib3_exc.HTTPError, http.client.HTTPException)):
        return TransientFetchError(f"connection to {host} failed ({type(e).__name__}: {_short(e)})")
    return FetchError(f"{url}: {type(e).__name__}: {_short(e)}")


def _short(e: BaseException) -> str:
    text = str(e)
    return text if len(text) <= 300 else text[:297] + "..."
