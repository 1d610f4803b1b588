"""End to end: the real ``watcher`` command against a real HTTP server on 127.0.0.1,
serving the real recorded pages and edited copies of them."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from conftest import (
    CODE_PENAL_OLD,
    ELI_HELP,
    LOI_1994_2024,
    LocalServer,
    Watcher,
    code_penal_2024_page,
    code_penal_old_art454_459,
    recording,
    write_config,
)
from watcher.store import MIGRATIONS

AMENDED_FROM = "d'un an à trois ans et d'une amende de cent euros à mille euros"
AMENDED_TO = "de deux ans à cinq ans et d'une amende de cinq cents euros à cinq mille euros"


def source(url: str, sid: str = "cp", extra: str = 'articles = ["458", "458bis", "458ter", "458quater"]') -> str:
    return f'[[source]]\nid = "{sid}"\nkind = "justel"\nurl = "{url}"\n{extra}\ntopics = ["secret-professionnel"]\n'


def code_penal() -> str:
    return recording(CODE_PENAL_OLD).decode("utf-8")


def edit_article(page: str, ref: str, old: str, new: str) -> str:
    """Replace ``old`` by ``new`` inside the one article ``ref`` of a page."""
    start = page.index(f"NAME='Art.{ref}'")
    end = page.index("NAME='Art.", start + 10)
    chunk = page[start:end]
    assert old in chunk, f"{old!r} not in art. {ref}"
    return page[:start] + chunk.replace(old, new, 1) + page[end:]


@pytest.fixture
def cp(tmp_path: Path, server: LocalServer) -> Watcher:
    url = server.serve("/cgi_loi/change_lg.pl?language=fr&la=F&cn=1867060801&table_name=loi", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source(url))
    w.url = url  # type: ignore[attr-defined]
    w.path = url[len(server.base):]  # type: ignore[attr-defined]
    return w


def test_first_check_is_a_baseline(cp: Watcher) -> None:
    res = cp.check()
    assert "cp" in res.out and "ok" in res.out
    assert cp.alerts() == []
    st = cp.status()["cp"]
    assert st["ok"] is True and st["documents"] == 4 and st["consecutive_failures"] == 0
    assert st["last_checked"].endswith("+01:00")  # shown in Europe/Brussels


def test_amendment_of_458_gives_exactly_one_alert_with_the_words(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    page = edit_article(code_penal(), "458", AMENDED_FROM, AMENDED_TO)
    server.serve(cp.path, page.encode("utf-8"))  # type: ignore[attr-defined]
    cp.check()
    (alert,) = cp.alerts()
    assert alert["kind"] == "changed" and alert["ref"] == "458" and alert["source_id"] == "cp"
    assert alert["title"] == "8 JUIN 1867. - CODE PENAL, art. 458"
    assert alert["url"] == cp.url + "#Art.458"  # type: ignore[attr-defined]
    assert alert["topics"] == ["secret-professionnel"]
    assert AMENDED_FROM in alert["before"] and AMENDED_TO in alert["after"]
    removed = "".join(t for op, t in alert["diff"] if op == "-")
    added = "".join(t for op, t in alert["diff"] if op == "+")
    assert "un" in removed and "trois" in removed and "cent" in removed
    assert "deux" in added and "cinq" in added and "mille" not in removed + added
    # the diff is small: it names the changed words, not the article
    assert len(removed) < 40 and len(added) < 60
    assert "".join(t for op, t in alert["diff"] if op != "+") == alert["before"]
    assert "".join(t for op, t in alert["diff"] if op != "-") == alert["after"]
    assert alert["detected_at"][-6:] in ("+01:00", "+02:00")
    assert len(alert["sha256"]) == 64
    # and again, unchanged: nothing new
    cp.check()
    assert len(cp.alerts()) == 1
    # history shows both versions and the change
    hist = cp("history", "cp", "458")
    assert hist.code == 0 and "version 2" in hist.out and "[-d'un an-][+de deux ans+]" in hist.out


def test_edit_to_an_unwatched_article_gives_no_alert(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    page = edit_article(code_penal(), "459", "mont-de-piété", "crédit municipal")
    server.serve(cp.path, page.encode("utf-8"))  # type: ignore[attr-defined]
    cp.check()
    assert cp.alerts() == []


def test_note_only_change_gives_no_alert(cp: Watcher, server: LocalServer) -> None:
    """The 2024 redesign's new note link format, applied to the old page, is no change."""
    cp.check()
    page = code_penal().replace(
        "/cgi_loi/change_lg.pl?language=fr&amp;la=F&amp;table_name=loi&amp;cn=",
        "/cgi_loi/article.pl?language=fr&amp;lg_txt=f&amp;cn_search=",
    )
    assert page != code_penal()
    server.serve(cp.path, page.encode("utf-8"))  # type: ignore[attr-defined]
    cp.check()
    assert cp.alerts() == []


def test_same_text_under_the_2024_layout_gives_no_alert(tmp_path: Path, server: LocalServer) -> None:
    path = "/eli/loi/1867/06/08/1867060850/justel"
    url = server.serve(path, code_penal_old_art454_459())
    # 458bis was really amended between the two recordings, so it is left out here
    w = Watcher(tmp_path, server, source(url, extra='articles = ["454", "457", "458", "458ter", "458quater", "459"]'))
    w.check()
    server.serve(path, code_penal_2024_page())
    w.check()
    assert w.alerts() == []
    # ... and 458bis, watched too, shows its real 2022-2023 amendment as one alert
    (tmp_path / "b").mkdir()
    w2 = Watcher(tmp_path / "b", server, source(url, extra='articles = ["458", "458bis"]'))
    server.serve(path, code_penal_old_art454_459())
    w2.check()
    server.serve(path, code_penal_2024_page())
    w2.check()
    (alert,) = w2.alerts()
    assert alert["ref"] == "458bis" and alert["kind"] == "changed"
    assert "417/7 à 417/22" in "".join(t for op, t in alert["diff"] if op == "+")


def test_full_page_then_a_shorter_2024_view_with_the_watched_articles_gives_no_alert(
    tmp_path: Path, server: LocalServer
) -> None:
    path = "/eli/loi/1867/06/08/1867060850/justel"
    url = server.serve(path, recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source(url, extra='articles = ["458", "458ter", "458quater"]'))
    w.check()
    server.serve(path, code_penal_2024_page())  # 9 articles instead of 774, the watched ones unchanged
    w.check()
    assert w.alerts() == [] and w.status()["cp"]["ok"] is True


def test_page_that_stops_parsing_is_broken_never_removed(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    server.serve(cp.path, recording(ELI_HELP))  # type: ignore[attr-defined]
    res = cp.check(expect=1)
    assert "broken" in res.out
    (alert,) = cp.alerts()
    assert alert["kind"] == "source_broken" and "not a Justel law page" in alert["reason"]
    st = cp.status()["cp"]
    assert st["state"] == "broken" and st["ok"] is False and st["documents"] == 4 and st["since"]
    # still broken: no second alert
    cp.check(expect=1)
    assert len(cp.alerts()) == 1
    # back, unchanged: no change alert, one "recovered"
    server.serve(cp.path, recording(CODE_PENAL_OLD))  # type: ignore[attr-defined]
    cp.check()
    kinds = [a["kind"] for a in cp.alerts()]
    assert kinds == ["source_broken", "recovered"]
    assert cp.status()["cp"]["ok"] is True
    hist = cp("history", "cp", "458", "--json").json()
    assert len(hist) == 1  # the last good version stayed current throughout


def test_empty_200_page_is_broken_not_repealed(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    server.serve(cp.path, b"")  # type: ignore[attr-defined]
    cp.check(expect=1)
    assert [a["kind"] for a in cp.alerts()] == ["source_broken"]


def test_another_law_at_the_url_is_broken(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    server.serve(cp.path, recording(LOI_1994_2024))  # type: ignore[attr-defined]
    cp.check(expect=1)
    (alert,) = cp.alerts()
    assert alert["kind"] == "source_broken" and "numac 1994009284" in alert["reason"]


def test_truncated_page_is_broken_not_removals(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    page = code_penal()
    cut = page.index("&nbsp;&nbsp;<A NAME='Art.300'")
    server.serve(cp.path, (page[:cut] + "</th></tr></table></BODY></HTML>").encode("utf-8"))  # type: ignore[attr-defined]
    cp.check(expect=1)
    (alert,) = cp.alerts()
    assert alert["kind"] == "source_broken" and "truncated" in alert["reason"]
    assert cp.status()["cp"]["documents"] == 4


def test_http_errors_count_towards_broken(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    server.serve(cp.path, b"down", status=503)  # type: ignore[attr-defined]
    cp.check(expect=1)
    cp.check(expect=1)
    assert cp.alerts() == []
    assert cp.status()["cp"]["state"] == "failing"
    cp.check(expect=1)  # third failure in a row: broken, one alert
    (alert,) = cp.alerts()
    assert alert["kind"] == "source_broken" and "HTTP 503" in alert["reason"]
    server.serve(cp.path, recording(CODE_PENAL_OLD))  # type: ignore[attr-defined]
    cp.check()
    assert [a["kind"] for a in cp.alerts()] == ["source_broken", "recovered"]


def test_windows_1252_undeclared_keeps_accents(cp: Watcher, server: LocalServer) -> None:
    latin = code_penal().encode("cp1252")
    server.serve(cp.path, latin, content_type="text/html")  # type: ignore[attr-defined]
    cp.check()
    hist = cp("history", "cp", "458", "--json").json()
    assert "dépositaires, par état ou par profession" in hist[0]["text"]
    # the same text served as UTF-8 is no change
    server.serve(cp.path, recording(CODE_PENAL_OLD))  # type: ignore[attr-defined]
    cp.check()
    assert cp.alerts() == []


def test_unchanged_page_costs_a_304_and_no_parse(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    server.requests.clear()
    cp.check()
    # robots.txt (a 404 here, so everything is allowed), then one conditional GET
    assert [p for p, _ in server.requests] == ["/robots.txt", cp.path]  # type: ignore[attr-defined]
    headers = server.requests[-1][1]
    assert headers.get("If-None-Match")
    assert headers["User-Agent"].startswith("watcher/")
    con = sqlite3.connect(cp.db)
    rows = con.execute("SELECT status, not_modified, bytes, sha256 FROM fetches ORDER BY id").fetchall()
    assert rows[-1] == (304, 1, 0, None)
    assert rows[0][0] == 200 and rows[0][3] is not None
    # the raw payload is kept, compressed, under its sha256
    (n,) = con.execute("SELECT count(*) FROM payloads").fetchone()
    assert n == 1
    con.close()


def test_articles_matching_follows_content(tmp_path: Path, server: LocalServer) -> None:
    path = "/cp"
    url = server.serve(path, recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source(url, extra='articles_matching = ["secret professionnel"]'))
    w.check()
    assert w.status()["cp"]["documents"] == 0  # the 1867 text never says "secret professionnel"
    # an amendment puts the phrase in art. 458ter: it starts matching
    page = edit_article(code_penal(), "458ter", "est dépositaire de secrets", "est tenue au secret professionnel")
    server.serve(path, page.encode("utf-8"))
    w.check()
    (added,) = w.alerts()
    assert added["kind"] == "added" and added["ref"] == "458ter"
    assert "«secret professionnel»" in added["reason"] and "now watched" in added["reason"]
    # and stops matching again: removed, with the reason, not "gone"
    server.serve(path, recording(CODE_PENAL_OLD))
    w.check()
    removed = w.alerts()[-1]
    assert removed["kind"] == "removed" and removed["ref"] == "458ter"
    assert "no longer selected" in removed["reason"]
    # the alert shows what the article says now, and how it differs
    assert removed["after"] is not None and "est dépositaire de secrets" in removed["after"]
    assert "secret professionnel" in "".join(t for op, t in removed["diff"] if op == "-")


def test_rewording_that_drops_the_watched_phrase_shows_the_new_words(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source(url, extra='articles_matching = ["des secrets qu\'on leur confie"]'))
    w.check()
    assert w.status()["cp"]["documents"] == 1
    page = edit_article(code_penal(), "458", "des secrets qu'on leur confie", "des secrets qui leur sont confiés")
    server.serve("/cp", page.encode("utf-8"))
    w.check()
    (alert,) = w.alerts()
    assert alert["kind"] == "removed" and alert["ref"] == "458"
    assert "des secrets qui leur sont confiés" in alert["after"]
    added = "".join(t for op, t in alert["diff"] if op == "+")
    assert "qui" in added and "sont confiés" in added


def test_two_sources_on_one_url_each_parse_it(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source(url, "a", 'articles = ["458"]') + source(url, "b", 'articles = ["458bis"]'))
    w.check()
    st = w.status()
    assert st["a"]["documents"] == 1 and st["b"]["documents"] == 1
    page = edit_article(code_penal(), "458bis", "peut, sans préjudice", "doit, sans préjudice")
    server.serve("/cp", page.encode("utf-8"))
    w.check()
    (alert,) = w.alerts()
    assert alert["source_id"] == "b" and alert["ref"] == "458bis"


def test_changing_the_selection_refetches_and_stays_quiet(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source(url, extra='articles = ["458"]'))
    w.check()
    # the operator adds 458ter: the page is unchanged (a 304 would hide it), so it is fetched in full
    w.config = write_config(tmp_path / "sources.toml", source(url, extra='articles = ["458", "458ter"]'))
    server.requests.clear()
    w.check()
    assert "If-None-Match" not in server.requests[-1][1]
    assert w.status()["cp"]["documents"] == 2
    assert w.alerts() == []  # the law did not change: no alert
    # ... and a later amendment of 458ter is a real "changed" with its diff
    page = edit_article(code_penal(), "458ter", "concertation", "réunion")
    server.serve("/cp", page.encode("utf-8"))
    w.check()
    (alert,) = w.alerts()
    assert alert["kind"] == "changed" and alert["ref"] == "458ter" and alert["before"]
    # dropping it from the list again is silent too
    w.config = write_config(tmp_path / "sources.toml", source(url, extra='articles = ["458"]'))
    w.check()
    assert len(w.alerts()) == 1 and w.status()["cp"]["documents"] == 1


def test_moving_a_source_to_another_url_of_the_same_law(tmp_path: Path, server: LocalServer) -> None:
    old = server.serve("/change_lg.pl?cn=1867060801", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source(old, extra='articles = ["458"]'))
    w.check()
    new = server.serve("/article.pl?cn_search=1867060801", recording(CODE_PENAL_OLD))
    w.config = write_config(tmp_path / "sources.toml", source(new, extra='articles = ["458"]'))
    w.check()
    assert w.alerts() == [] and w.status()["cp"]["documents"] == 1
    assert len(w("history", "cp", "458", "--json").json()) == 1  # same document, same version
    # and pointing it at another law is a fresh start, not "broken forever"
    other = server.serve("/loi1994", recording(LOI_1994_2024))
    w.config = write_config(tmp_path / "sources.toml", source(other, extra='articles = ["1"]'))
    w.check()
    assert w.status()["cp"]["ok"] is True


def test_article_that_disappears_and_reappears(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    page = code_penal()
    start = page.index("&nbsp;&nbsp;<A NAME='Art.458quater'")
    end = page.index("&nbsp;&nbsp;<A NAME='Art.459'")
    server.serve(cp.path, (page[:start] + page[end:]).encode("utf-8"))  # type: ignore[attr-defined]
    cp.check()
    (removed,) = cp.alerts()
    assert removed["kind"] == "removed" and removed["ref"] == "458quater"
    assert removed["reason"] == "no longer on the page" and removed["after"] is None
    server.serve(cp.path, recording(CODE_PENAL_OLD))  # type: ignore[attr-defined]
    cp.check()
    back = cp.alerts()[-1]
    assert back["kind"] == "added" and back["ref"] == "458quater" and "watched again" in back["reason"]


def test_listed_article_missing_from_the_page_is_a_warning(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, source(url, extra='articles = ["458", "458quinquies"]'))
    res = w.check()
    assert "458quinquies" in res.err  # logged
    st = w.status()["cp"]
    assert st["ok"] is True and st["documents"] == 1
    assert st["warning"] == "listed article(s) not on the page: 458quinquies"


def test_one_failing_source_does_not_stop_the_others(tmp_path: Path, server: LocalServer) -> None:
    good = server.serve("/good", recording(CODE_PENAL_OLD))
    bad = server.url("/missing")
    w = Watcher(tmp_path, server, source(bad, "bad") + source(good, "good"))
    res = w.check(expect=1)
    st = w.status()
    assert st["good"]["ok"] is True and st["good"]["documents"] == 4
    assert st["bad"]["state"] == "failing" and "HTTP 404" in st["bad"]["last_error"]
    assert "bad" in res.out and "good" in res.out


def test_alert_filters(cp: Watcher, server: LocalServer) -> None:
    cp.check()
    server.serve(cp.path, edit_article(code_penal(), "458", AMENDED_FROM, AMENDED_TO).encode())  # type: ignore[attr-defined]
    cp.check()
    assert len(cp.alerts("--source", "cp")) == 1
    assert cp.alerts("--source", "other") == []
    assert cp.alerts("--since", "2199-01-01") == []
    assert len(cp.alerts("--since", "2000-01-01")) == 1
    text = cp("alerts")
    assert text.code == 0 and "changed" in text.out and "[-d'un an-][+de deux ans+]" in text.out
    bad = cp("alerts", "--since", "yesterday")
    assert bad.code == 2 and "ISO date" in bad.err


def test_second_check_process_is_refused_while_one_holds_the_database(cp: Watcher) -> None:
    from watcher.lock import exclusive

    cp.check()
    with exclusive(cp.db):
        res = cp("check")
    assert res.code == 1 and "in use by watcher process" in res.err


def test_database_passes_integrity_check(cp: Watcher) -> None:
    cp.check()
    con = sqlite3.connect(cp.db)
    assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert con.execute("SELECT name FROM _migrations ORDER BY name").fetchall() == [(name,) for name, _ in MIGRATIONS]
    con.close()
