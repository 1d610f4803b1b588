"""The alert archive: every route over real HTTP against `watcher serve`, the
feeds parsed back with feedparser, and the static export."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import feedparser
import pytest
import requests

import synthetic
from conftest import CODE_PENAL_OLD, LocalServer, Watcher, free_port, recording

AMENDED_FROM = "d'un an à trois ans et d'une amende de cent euros à mille euros"
AMENDED_TO = "de deux ans à cinq ans et d'une amende de cinq cents euros à cinq mille euros"
EVIL = 'Le dossier social électronique <script>alert("x")</script> & "guillemets"'


TOPICS = (
    '[[topic]]\nid = "secret-professionnel"\ntitle = "Secret professionnel"\nterms = ["secret professionnel"]\n\n'
    '[[topic]]\nid = "dse"\ntitle = "Dossier social électronique"\nterms = ["dossier social électronique"]\n'
)


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Watcher, str]]:
    """A database built by real checks: a Justel amendment and a feed item
    whose title carries markup, then `watcher serve` on it."""
    tmp = tmp_path_factory.mktemp("archive")
    server = LocalServer()
    server.start()
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    items = [("g1", "Assemblée générale", "https://rwlp.be/ag", "<p>AG.</p>")]
    feed = server.serve("/feed/", synthetic.rss(items))
    sources = (
        f'[[source]]\nid = "cp"\nkind = "justel"\ntitle = "Code pénal"\nurl = "{url}"\narticles = ["458", "458bis"]\ntopics = ["secret-professionnel"]\n\n'
        f'[[source]]\nid = "rwlp"\nkind = "feed"\ntitle = "RWLP"\nurl = "{feed}"\n'
    )
    w = Watcher(tmp, server, sources, topics=TOPICS)
    w.check()
    server.serve("/cp", recording(CODE_PENAL_OLD).decode().replace(AMENDED_FROM, AMENDED_TO).encode())
    server.serve("/feed/", synthetic.rss([("https://rwlp.be/?p=2", EVIL, "https://rwlp.be/dse", "<p>La généralisation du DSE dans les CPAS.</p>"), *items]))
    w.check()
    server.stop()
    assert len(w.alerts()) == 2
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(w.config), "--db", str(w.db), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(base + "/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield w, base
    proc.terminate()
    proc.communicate(timeout=10)


def ids(w: Watcher) -> dict[str, int]:
    return {a["source_id"]: a["id"] for a in w.alerts()}


@pytest.mark.parametrize(
    "path",
    ["/", "/page/1/", "/nl/", "/topics/secret-professionnel/", "/search/", "/search/?q=secret", "/sources/",
     "/nl/sources/", "/docs/cp/458/", "/nl/docs/cp/458/", "/feed.atom", "/topics/secret-professionnel/feed.atom",
     "/api/alerts", "/?topic=secret-professionnel&kind=changed&since=2000-01-01&until=2199-01-01"],
)
def test_every_route_answers_with_a_csp(archive: tuple[Watcher, str], path: str) -> None:
    _, base = archive
    r = requests.get(base + path, timeout=10)
    assert r.status_code == 200, path
    assert "default-src 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Server"] == "watcher"  # waitress, named so, not Werkzeug's development server


def test_alert_page_has_what_where_when_why_diff_and_evidence(archive: tuple[Watcher, str]) -> None:
    w, base = archive
    r = requests.get(f"{base}/alerts/{ids(w)['cp']}/", timeout=10)
    html = r.text
    assert "Code pénal, art. 458" in html
    assert "<del>d&#39;un an</del>" in html and "<ins>de deux ans</ins>" in html  # inline
    assert 'class="diff side"' in html  # side by side
    assert "<dd>texte modifié</dd>" in html  # the reason in the page's language
    assert "<dd>tekst gewijzigd</dd>" in requests.get(f"{base}/nl/alerts/{ids(w)['cp']}/", timeout=10).text
    assert "Preuve de la capture" in html and "Empreinte SHA-256" in html
    sha = next(a["sha256"] for a in w.alerts() if a["source_id"] == "cp")
    assert sha in html and f'href="/captures/{sha}"' in html
    cap = requests.get(f"{base}/captures/{sha}", timeout=10)
    assert cap.headers["Content-Type"] == "application/octet-stream"
    assert cap.headers["Content-Disposition"].startswith("attachment")
    assert b"CODE PENAL" in cap.content
    assert requests.get(f"{base}/captures/{'0' * 64}", timeout=10).status_code == 404
    assert requests.get(f"{base}/captures/../../etc/passwd", timeout=10).status_code == 404


def test_scraped_markup_is_shown_as_text(archive: tuple[Watcher, str]) -> None:
    w, base = archive
    for path in ("/", f"/alerts/{ids(w)['rwlp']}/", "/search/?q=electronique"):
        html = requests.get(base + path, timeout=10).text
        assert "<script>" not in html, path
        assert "&lt;script&gt;alert(" in html, path


def test_terms_are_highlighted(archive: tuple[Watcher, str]) -> None:
    w, base = archive
    html = requests.get(f"{base}/alerts/{ids(w)['rwlp']}/", timeout=10).text
    assert "<mark>dossier social électronique</mark>" in html


def test_search_finds_words_from_a_diff_and_from_stored_texts(archive: tuple[Watcher, str]) -> None:
    _, base = archive
    html = requests.get(f"{base}/search/?q=cinq+cents", timeout=10).text
    assert "Code pénal, art. 458" in html and "<mark>" in html
    html = requests.get(f"{base}/search/?q=chirurgiens", timeout=10).text  # only in the stored article text
    assert "Dans les textes conservés (" in html and "<mark>chirurgiens</mark>" in html.lower()
    html = requests.get(f"{base}/search/?q=electronique+OR+%22", timeout=10)  # odd input is no 500
    assert html.status_code == 200


def test_filters(archive: tuple[Watcher, str]) -> None:
    _, base = archive
    html = requests.get(f"{base}/?kind=changed", timeout=10).text
    assert "Code pénal, art. 458" in html and "Assemblée" not in html and "alert(" not in html
    html = requests.get(f"{base}/?source=rwlp", timeout=10).text
    assert "Code pénal, art. 458" not in html
    html = requests.get(f"{base}/?since=2199-01-01", timeout=10).text
    assert "Aucune alerte." in html


def test_provision_timeline(archive: tuple[Watcher, str]) -> None:
    _, base = archive
    html = requests.get(f"{base}/docs/cp/458/", timeout=10).text
    assert html.count("<h3>Version") == 2
    # insertions and deletions are also said in words, for screen readers
    assert '<ins><span class="sr">[ajouté : </span>de deux ans<span class="sr">]</span></ins>' in html
    assert '<del><span class="sr">[retiré : </span>d&#39;un an<span class="sr">]</span></del>' in html


def test_dutch_interface(archive: tuple[Watcher, str]) -> None:
    _, base = archive
    html = requests.get(f"{base}/nl/", timeout=10).text
    assert 'lang="nl"' in html and "Meldingen" in html and "Bronnen" in html


def test_sources_page_shows_health(archive: tuple[Watcher, str]) -> None:
    _, base = archive
    html = requests.get(f"{base}/sources/", timeout=10).text
    assert "Code pénal" in html and "RWLP" in html and "state-ok" in html


def test_api_is_the_cli_json(archive: tuple[Watcher, str]) -> None:
    w, base = archive
    api = requests.get(f"{base}/api/alerts", timeout=10).json()
    assert api == w.alerts()
    assert [a["source_id"] for a in requests.get(f"{base}/api/alerts?source=rwlp", timeout=10).json()] == ["rwlp"]
    assert [a["source_id"] for a in requests.get(f"{base}/api/alerts?topic=secret-professionnel&q=cinq", timeout=10).json()] == ["cp"]
    assert requests.get(f"{base}/api/alerts?since=2199-01-01", timeout=10).json() == []
    assert requests.get(f"{base}/api/alerts?since=nope", timeout=10).status_code == 400


def test_feeds_parse_back_with_their_diffs(archive: tuple[Watcher, str]) -> None:
    _w, base = archive
    feed = feedparser.parse(requests.get(f"{base}/feed.atom", timeout=10).content)
    assert feed.version == "atom10" and not feed.bozo
    titles = [e.title for e in feed.entries]
    assert any("Code pénal, art. 458" in t for t in titles)
    entry = next(e for e in feed.entries if "art. 458" in e.title)
    assert "<ins>de deux ans</ins>" in entry.content[0].value
    topic = feedparser.parse(requests.get(f"{base}/topics/secret-professionnel/feed.atom", timeout=10).content)
    assert len(topic.entries) >= 1 and all("secret-professionnel" in [t.term for t in e.tags] for e in topic.entries)


def test_nothing_writes(archive: tuple[Watcher, str]) -> None:
    w, base = archive
    before = w.db.stat().st_mtime_ns
    for method in (requests.post, requests.put, requests.delete):
        assert method(f"{base}/", timeout=10).status_code == 405
        assert method(f"{base}/api/alerts", timeout=10).status_code == 405
    assert w.db.stat().st_mtime_ns == before


def test_unknown_pages_are_404(archive: tuple[Watcher, str]) -> None:
    _, base = archive
    for path in ("/alerts/99999/", "/docs/cp/9999/", "/topics/nope/", "/xx/"):
        assert requests.get(base + path, timeout=10).status_code == 404


def test_static_export(archive: tuple[Watcher, str], tmp_path: Path) -> None:
    w, _ = archive
    out = tmp_path / "site"
    res = w("export", str(out))
    assert res.code == 0, res.err
    alert_id = ids(w)["cp"]
    page = (out / "alerts" / str(alert_id) / "index.html").read_text(encoding="utf-8")
    assert "<ins>de deux ans</ins>" in page and 'href="../../static/style.css"' in page
    assert 'href="../../index.html"' in page  # relative links work from any host or folder
    nl = (out / "nl" / "alerts" / str(alert_id) / "index.html").read_text(encoding="utf-8")
    assert 'lang="nl"' in nl
    assert (out / "feed.atom").exists() and feedparser.parse((out / "feed.atom").read_bytes()).entries
    assert json.loads((out / "api" / "alerts.json").read_text(encoding="utf-8")) == w.alerts()
    index = json.loads((out / "search-index.json").read_text(encoding="utf-8"))
    assert any("cinq cents" in e["text"] for e in index)
    assert (out / "static" / "search.js").exists()
    assert all((out / "captures" / f"{a['sha256']}.bin").exists() for a in w.alerts())
    for html in out.rglob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert "<script>alert" not in text, html


@pytest.mark.parametrize(
    "path, status",
    [
        ("/page/99999999999999999999/", 404), ("/alerts/99999999999999999999/", 404), ("/page/0/", 404),
        ("/api/alerts?limit=abc", 400), ("/search/?q=%22%20NEAR(%20*%20%00", 200), ("/?since=nope&until=2026-13-45", 400),
    ],
)
def test_odd_input_is_never_a_500(archive: tuple[Watcher, str], path: str, status: int) -> None:
    _, base = archive
    assert requests.get(base + path, timeout=10).status_code == status


def test_api_limit_is_clamped(archive: tuple[Watcher, str]) -> None:
    _, base = archive
    assert len(requests.get(f"{base}/api/alerts?limit=1", timeout=10).json()) == 1
    assert len(requests.get(f"{base}/api/alerts?limit=-1", timeout=10).json()) == 1
    assert len(requests.get(f"{base}/api/alerts?limit=0", timeout=10).json()) == 1


def test_exported_feeds_and_captures_links_resolve(archive: tuple[Watcher, str], tmp_path: Path) -> None:
    w, _ = archive
    out = tmp_path / "site"
    assert w("export", str(out)).code == 0
    nl_alert = (out / "nl" / "alerts" / str(ids(w)["cp"]) / "index.html").read_text(encoding="utf-8")
    sha = next(a["sha256"] for a in w.alerts() if a["source_id"] == "cp")
    assert f'href="../../../captures/{sha}.bin"' in nl_alert
    assert "Content-Security-Policy" in nl_alert
    feed = feedparser.parse((out / "topics" / "secret-professionnel" / "feed.atom").read_bytes())
    link = feed.entries[0].link
    target = (out / "topics" / "secret-professionnel" / link / "index.html").resolve()
    assert target.exists(), link


def test_item_pages_with_url_identities_work_served_and_exported(archive: tuple[Watcher, str], tmp_path: Path) -> None:
    from watcher.queries import doc_slug

    w, base = archive
    rwlp = next(a for a in w.alerts() if a["source_id"] == "rwlp")
    html = requests.get(f"{base}/alerts/{rwlp['id']}/", timeout=10).text
    slug = doc_slug(rwlp["ref"])
    assert rwlp["ref"] == "https://rwlp.be/?p=2" and slug.startswith("h-")
    assert f'href="/docs/rwlp/{slug}/"' in html
    assert requests.get(f"{base}/docs/rwlp/{slug}/", timeout=10).status_code == 200
    out = tmp_path / "site"
    assert w("export", str(out)).code == 0
    assert (out / "docs" / "rwlp" / slug / "index.html").exists()
