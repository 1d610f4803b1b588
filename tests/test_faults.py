"""Never silent, never stuck: hostile pages and servers, and what watcher records."""

from __future__ import annotations

import email
from pathlib import Path
from typing import Any

import pytest

import synthetic
from conftest import LocalServer, Route, Watcher
from watcher.sources import Context, Kind, Parsed, kinds
from watcher.sources.feed import parse_feed

TOPICS = '[[topic]]\nid = "secret"\ntitle = "Secret"\nterms = ["secret professionnel", "beroepsgeheim"]\n'
MAIL = (
    '[smtp]\nhost = "127.0.0.1"\nport = 2525\nsecurity = "none"\nfrom = "veille@example.org"\n'
    '[[digest]]\nid = "fed"\nto = ["fed@example.org"]\n'
)
ITEMS = [
    ("https://x.example/1", "Le secret professionnel au CPAS", "https://x.example/1", "<p>Un avis.</p>"),
    ("https://x.example/2", "Autre chose", "https://x.example/2", "<p>Rien à voir.</p>"),
]


def _crashy(ctx: Context) -> Parsed:
    """A kind whose adapter has a bug: it raises on some pages."""
    fetched = ctx.fetch(ctx.source.url)
    assert fetched is not None
    if b"BOOM" in fetched.content:
        raise RuntimeError("boom in the adapter")
    title, docs = parse_feed(fetched.content, ctx.source.url)
    return Parsed(None, title, tuple(docs))


@pytest.fixture
def crashy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(kinds(), "crashy", Kind("crashy", "A test kind whose adapter raises.", "stream", _crashy))


def _source(sid: str, kind: str, url: str, extra: str = "") -> str:
    return f'[[source]]\nid = "{sid}"\nkind = "{kind}"\nurl = "{url}"\n{extra}\n'


def _eml(folder: Path) -> str:
    (path,) = folder.glob("*.eml")
    msg = email.message_from_bytes(path.read_bytes())
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError("no text part")


def test_an_adapter_crash_is_counted_then_broken_once_then_recovered(
    tmp_path: Path, server: LocalServer, crashy: None
) -> None:
    url = server.serve("/feed", synthetic.rss(ITEMS))
    w = Watcher(tmp_path, server, _source("fed-news", "crashy", url), topics=TOPICS + MAIL)
    w.check()
    server.serve("/feed", synthetic.rss(ITEMS).replace(b"</channel>", b"<!-- BOOM --></channel>"))
    for n, state in ((1, "failing"), (2, "failing"), (3, "broken")):
        w.check(expect=1)
        st = w.status()["fed-news"]
        assert (st["state"], st["consecutive_failures"]) == (state, n)
        assert st["last_error"] == "internal error: RuntimeError: boom in the adapter"
    w.check(expect=1)  # still broken: no second alert
    broken = [a for a in w.alerts() if a["kind"] == "source_broken"]
    assert len(broken) == 1 and broken[0]["reason_code"] == "source_broken"
    assert "RuntimeError" in broken[0]["reason"]
    out = tmp_path / "mail"
    res = w("digest", "--dry-run", "--force", "--out", str(out))
    assert res.code == 0, res.err
    text = _eml(out)
    broken_part = text.split("== Sources en panne ==", 1)[1]
    assert "RWLP" in broken_part and "RuntimeError" in broken_part  # the feed's own title names the source
    assert "RWLP" not in text.split("== Vérifié, inchangé ==", 1)[1].split("== Sources en panne ==")[0]
    server.serve("/feed", synthetic.rss(ITEMS))
    w.check()
    assert [a["kind"] for a in w.alerts()] == ["source_broken", "recovered"]
    assert w.status()["fed-news"]["state"] == "ok"


def test_an_adapter_crash_logs_its_traceback_once_per_state_change(
    tmp_path: Path, server: LocalServer, crashy: None
) -> None:
    url = server.serve("/feed", b"<rss><!-- BOOM --></rss>")
    w = Watcher(tmp_path, server, _source("fed-news", "crashy", url), topics=TOPICS)
    logs = [w("check").err for _ in range(4)]
    tracebacks = [log.count("Traceback") for log in logs]
    assert tracebacks == [1, 0, 1, 0]  # entering failing, then entering broken


def test_one_malformed_item_is_skipped_and_the_others_are_read(tmp_path: Path, server: LocalServer) -> None:
    page = (
        b"<!-- SYNTHETIC news listing with one malformed link -->\n<html><body>"
        b'<div class="n"><a href="/fr/nouvelles/a">Le secret professionnel des CPAS</a></div>'
        b'<div class="n"><a href="http://[::1">Lien cass\xc3\xa9</a></div>'
        b'<div class="n"><a href="/fr/nouvelles/b">Le beroepsgeheim in het OCMW</a></div>'
        b"</body></html>"
    )
    url = server.serve("/fr/nouvelles", b'<html><body><div class="n"><a href="/x">Ancienne</a></div></body></html>')
    w = Watcher(tmp_path, server, _source("miis", "page", url, 'item_selector = "div.n"\n'), topics=TOPICS)
    w.check()
    server.serve("/fr/nouvelles", page)
    w.check()
    assert sorted(a["url"] for a in w.alerts()) == [server.url("/fr/nouvelles/a"), server.url("/fr/nouvelles/b")]
    st = w.status()["miis"]
    assert st["state"] == "ok" and "item 2 skipped (ValueError" in st["warning"]


@pytest.mark.parametrize(
    "mutation",
    [
        pytest.param(lambda b: b.replace(b'encoding="UTF-8"', b'encoding="\xff"'), id="bogus-encoding"),
        pytest.param(lambda b: b.replace(b"Autre chose", b"Autre &#x110000; chose"), id="impossible-reference"),
        pytest.param(lambda b: b.replace(b"Autre chose", b"Autre\x00 chose"), id="nul"),
    ],
)
def test_feed_bytes_that_crash_feedparser_are_still_read(tmp_path: Path, server: LocalServer, mutation: Any) -> None:
    good = synthetic.rss(ITEMS)
    url = server.serve("/feed", good)
    w = Watcher(tmp_path, server, _source("fed", "feed", url), topics=TOPICS)
    w.check()
    server.serve("/feed", mutation(good.replace(b"Un avis.", b"Un avis, revu.")))
    w.check()
    assert w.status()["fed"]["state"] == "ok"
    (a,) = w.alerts()
    assert a["kind"] == "updated" and a["url"] == "https://x.example/1" and "revu" in a["after"]


def test_control_characters_in_a_guid_never_make_a_known_item_new(tmp_path: Path, server: LocalServer) -> None:
    rss = synthetic.rss(ITEMS)
    url = server.serve("/feed", rss)
    w = Watcher(tmp_path, server, _source("fed", "feed", url), topics=TOPICS)
    w.check()
    hostile = rss.replace(b"https://x.example/1</guid>", b"https://x.example/1\x00</guid>")
    hostile = hostile.replace(b"https://x.example/2</guid>", b"https://x.example/2&#x1b;</guid>")
    assert hostile != rss
    server.serve("/feed", hostile)
    w.check()
    assert w.alerts() == []


def test_a_dripping_server_fails_the_check_at_its_deadline(tmp_path: Path, server: LocalServer) -> None:
    body = synthetic.rss(ITEMS)
    url = server.serve("/feed", body, drip=0.1)
    w = Watcher(tmp_path, server, _source("fed", "feed", url), settings="timeout = 1\ndeadline = 0.5\n", topics=TOPICS)
    res = w.check(expect=1)
    st = w.status()["fed"]
    assert st["state"] == "failing" and "deadline" in st["last_error"], res.out
    assert server.sent["/feed"] < len(body)  # the client gave up long before the end


def test_a_source_pass_deadline_stops_a_pass_of_many_requests(tmp_path: Path, server: LocalServer) -> None:
    body = synthetic.rss(ITEMS)
    url = server.serve("/feed", body, drip=0.1)
    w = Watcher(
        tmp_path, server, _source("fed", "feed", url), settings="timeout = 1\ndeadline = 60\nsource_deadline = 1\n",
        topics=TOPICS,
    )
    w.check(expect=1)
    assert "deadline" in w.status()["fed"]["last_error"]
    assert server.sent["/feed"] < len(body)


@pytest.mark.parametrize(
    "route, message",
    [
        (Route(b"", status=302, headers={"Location": "file:///etc/passwd"}), "not http(s); refused"),
        (Route(b"<rss>" + b"x" * 5000 + b"</rss>", short=4000), "short body"),
    ],
    ids=["redirect-to-file", "short-body"],
)
def test_network_failures_get_one_clear_message(tmp_path: Path, server: LocalServer, route: Route, message: str) -> None:
    url = server.serve_sequence("/feed", [route])
    w = Watcher(tmp_path, server, _source("fed", "feed", url), topics=TOPICS)
    w.check(expect=1)
    error = w.status()["fed"]["last_error"]
    assert message in error and "/feed" in error, error


# ------------------------------------------------------------------ the archive, visited by anyone

@pytest.fixture
def site(tmp_path: Path, server: LocalServer) -> Any:
    from watcher.config import load
    from watcher.web.app import create_app

    url = server.serve("/feed", synthetic.rss(ITEMS))
    w = Watcher(tmp_path, server, _source("fed", "feed", url), topics=TOPICS)
    w.check()
    server.serve("/feed", synthetic.rss(ITEMS).replace(b"Un avis.", b"Un avis, revu."))
    w.check()
    app = create_app(load(w.config), w.db)
    return app.test_client()


def test_a_search_of_thousands_of_words_is_refused_at_once(site: Any) -> None:
    q = " ".join("a" for _ in range(3000))
    for path in ("/search/", "/", "/nl/search/"):
        r = site.get(path, query_string={"q": q})
        assert r.status_code == 400 and "Content-Security-Policy" in r.headers
        assert b"limited to" in r.data
    r = site.get("/api/alerts", query_string={"q": q})
    assert r.status_code == 400 and "limited to" in r.get_json()["error"]


def test_a_search_within_bounds_still_finds(site: Any) -> None:
    r = site.get("/search/", query_string={"q": "avis revu"})
    assert r.status_code == 200 and b"revu" in r.data


@pytest.mark.parametrize(
    "path",
    ["/api/alerts?since=0001-01-01", "/?since=2026-01-01&until=9999-12-31", "/?since=0001-01-01", "/nl/?until=0001-01-01",
     "/api/alerts?since=nope", "/api/alerts?limit=%D9%A1"],
)
def test_dates_and_numbers_out_of_bounds_are_a_400(site: Any, path: str) -> None:
    r = site.get(path)
    assert r.status_code == 400, (path, r.status_code)
    assert "Content-Security-Policy" in r.headers


@pytest.mark.parametrize("path", ["/alerts/%D9%A1/", "/page/%D9%A2/", "/nope/", "/alerts/99999/"])
def test_non_ascii_digits_are_no_ids_and_errors_carry_the_csp(site: Any, path: str) -> None:
    r = site.get(path)
    assert r.status_code == 404 and "default-src 'none'" in r.headers["Content-Security-Policy"]
    r = site.post("/")
    assert r.status_code == 405 and "Content-Security-Policy" in r.headers


def test_feed_links_never_come_from_the_host_header(site: Any) -> None:
    r = site.get("/feed.atom", headers={"Host": "evil.example"})
    assert r.status_code == 200 and b"evil.example" not in r.data


def test_cli_refuses_dates_out_of_bounds(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/feed", synthetic.rss(ITEMS))
    w = Watcher(tmp_path, server, _source("fed", "feed", url), topics=TOPICS)
    w.check()
    res = w("alerts", "--since", "0001-01-01")
    assert res.code == 2 and "dates run from 1900 to 2200" in res.err and "Traceback" not in res.err


def test_documents_stored_under_a_raw_guid_are_rekeyed_once(tmp_path: Path, server: LocalServer) -> None:
    """A database of the previous version kept the NUL of a guid; after the
    upgrade the same item is known, not new."""
    import sqlite3

    rss = synthetic.rss(ITEMS)
    url = server.serve("/feed", rss)
    w = Watcher(tmp_path, server, _source("fed", "feed", url), topics=TOPICS)
    w.check()
    con = sqlite3.connect(w.db)
    con.execute("UPDATE documents SET key = key || char(0) WHERE key LIKE '%/1'")
    con.execute("DELETE FROM _migrations WHERE name = '0006_clean_identities'")
    con.commit()
    con.close()
    w.check()
    assert w.alerts() == []
    con = sqlite3.connect(w.db)
    assert con.execute("SELECT count(*) FROM documents WHERE instr(key, char(0)) > 0").fetchone() == (0,)
    con.close()


# ------------------------------------------------------------------ every kind against every hostile server

def _gzip_bomb() -> bytes:
    import gzip

    return gzip.compress(b"\0" * 5_000_000, compresslevel=9)


HOSTILE = {
    "drip": (lambda b: Route(b, drip=0.1), "deadline"),
    "short-body": (lambda b: Route(b + b" " * 3000, short=2000), "short body"),
    "gzip-bomb": (lambda b: Route(_gzip_bomb(), headers={"Content-Encoding": "gzip"}), "byte cap"),
    "redirect-to-file": (lambda b: Route(b"", status=302, headers={"Location": "file:///etc/passwd"}), "not http(s)"),
    "bot-wall": (lambda b: Route(b"<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"), ""),
    "503-retry-after": (lambda b: Route(b"busy", status=503, headers={"Retry-After": "3600"}), "503"),
}
KIND_URLS = {
    "justel": ("/k/justel", "?language=fr&la=F&cn=1867060801&table_name=loi", 'articles = ["458"]\n'),
    "moniteur": ("/k/summary.pl", "?language=fr", ""),
    "chamber": ("/k/rapweekweekly.cfm", "?week=1&lang=F", ""),
    "chamber-questions": ("/k/qrva", "?leg=56", ""),
    "feed": ("/k/feed", "", ""),
    "page": ("/k/news", "", 'item_selector = "div.n"\n'),
}


@pytest.mark.parametrize("behaviour", sorted(HOSTILE))
@pytest.mark.parametrize("kind", sorted(KIND_URLS))
def test_every_kind_survives_every_hostile_server(tmp_path: Path, server: LocalServer, kind: str, behaviour: str) -> None:
    path, query, extra = KIND_URLS[kind]
    make, fragment = HOSTILE[behaviour]
    server.serve(path, b"x")
    server.routes[path] = make(b"<html><body>" + b"x" * 200 + b"</body></html>")
    w = Watcher(
        tmp_path, server, _source("s", kind, server.url(path + query), extra),
        settings="timeout = 1\ndeadline = 0.3\nmax_bytes = 1000000\nmax_retry_after = 1\n", topics=TOPICS,
    )
    res = w.check(expect=1)
    st = w.status()["s"]
    assert st["state"] in ("failing", "broken"), st
    assert fragment in st["last_error"] and "internal error" not in st["last_error"], st["last_error"]
    assert "Traceback" not in res.err
    assert [a["kind"] for a in w.alerts()] in ([], ["source_broken"])


def test_bidi_overrides_are_isolated_in_pages_and_mail(tmp_path: Path, server: LocalServer) -> None:
    from watcher.config import load
    from watcher.notify.digest import build
    from watcher.notify.render import render
    from watcher.store import Store
    from watcher.web.app import create_app

    evil = "Le secret professionnel \u202egnp.exe\u202c et la suite"
    items = [("https://x.example/1", evil, "https://x.example/1", "<p>Texte \u202eesrever</p>")]
    url = server.serve("/feed", synthetic.rss(ITEMS))
    w = Watcher(tmp_path, server, _source("fed", "feed", url), topics=TOPICS + MAIL)
    w.check()
    server.serve("/feed", synthetic.rss(items + ITEMS[1:]).replace(b"https://x.example/1<", b"https://x.example/1\xe2\x80\xae<"))
    w.check()
    (a,) = w.alerts()
    assert "\u202e" in a["title"] and "\u202e" not in a["url"]  # kept in text, dropped from a link
    html = create_app(load(w.config), w.db).test_client().get(f"/alerts/{a['id']}/").get_data(as_text=True)
    assert "\u2068" + evil + "\u2069" in html
    config = load(w.config)
    store = Store.open(w.db)
    try:
        text, mail_html = render(config, build(store, config, config.digests[0], record=False))
    finally:
        store.close()
    assert "\u2068" + evil + "\u2069" in mail_html
    for line in text.splitlines():  # plain text: each line with an override is isolated on its own
        if "\u202e" in line:
            assert "\u2068" in line.split("\u202e")[0] and "\u2069" in line.split("\u202e")[-1], line
    for out in (text, mail_html):
        # every override sits inside an isolate: none is followed by text outside its own FSI … PDI
        for chunk in out.split("\u2069"):
            if "\u202e" in chunk:
                assert "\u2068" in chunk.split("\u202e")[0]
