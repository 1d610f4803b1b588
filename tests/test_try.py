"""`watcher try`: what an adapter makes of a page, for every kind, writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import synthetic
from conftest import (
    CODE_PENAL_OLD,
    ELI_HELP,
    LOI_1994_2024,
    LocalServer,
    Watcher,
    recording,
    run_watcher,
)

TOPICS = '[[topic]]\nid = "secret"\ntitle = "Secret"\nterms = ["secret professionnel"]\narticles = ["458"]\n'


def _try(*args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    config = list(args[:2]) if args[:1] == ("--config",) else []
    res = run_watcher(*config, "try", *args[len(config):], "--json")
    assert res.code in (0, 1), res.err
    return res.code, json.loads(res.out)


def _file(tmp_path: Path, relpath: str) -> str:
    path = tmp_path / Path(relpath).name
    path.write_bytes(recording(relpath))
    return str(path)


def test_justel_by_source_id_fetched_politely_and_nothing_written(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/cgi_loi/change_lg.pl?language=fr&la=F&cn=1867060801&table_name=loi", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, f'[[source]]\nid = "cp"\nkind = "justel"\nurl = "{url}"\narticles = ["458", "458bis"]\ntopics = ["secret"]\n', topics=TOPICS)
    res = w("try", "cp", "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert out["recognised"] and out["facts"]["numac"] == "1867060850" and out["facts"]["layout"] == "old"
    assert [i["ref"] for i in out["items"]] == ["458", "458bis"]
    assert out["items"][0]["why_watched"] == "listed in articles" and out["items"][0]["topics"] == ["secret"]
    assert "watcher/" in dict(server.requests[-1][1])["User-Agent"]
    assert any(p == "/robots.txt" for p, _ in server.requests)  # robots.txt asked first
    assert not w.db.exists()  # nothing written
    text = w("try", "cp").out
    assert "watched because: listed in articles" in text and "numac: 1867060850" in text


def test_justel_2024_file_with_articles_matching(tmp_path: Path) -> None:
    code, out = _try("--kind", "justel", "--file", _file(tmp_path, LOI_1994_2024), "--key", 'articles=["1"]')
    assert code == 0 and out["facts"]["layout"] == "2024" and out["facts"]["numac"] == "1994009284"
    assert [i["ref"] for i in out["items"]] == ["1"]


def test_the_eli_no_result_page_exits_1_and_says_why(tmp_path: Path) -> None:
    code, out = _try("--kind", "justel", "--file", _file(tmp_path, ELI_HELP))
    assert code == 1 and not out["recognised"]
    assert 'the ELI "no result" page' in out["problem"]


def test_chamber_list_and_dossier_pages(tmp_path: Path) -> None:
    code, out = _try("--kind", "chamber", "--file", _file(tmp_path, "chamber/lachambre_flwb_recent_documents_month_fr_2023-08-17.html"),
                     "--url", "https://www.lachambre.be/kvvcr/showpage.cfm?section=/flwb/recent&language=fr&cfm=/site/wwwcfm/flwb/rapweekweekly.cfm?week=4")
    assert code == 0 and out["facts"]["rows"] == "69" and out["items"][0]["ref"] == "55K2657"
    code, out = _try("--kind", "chamber", "--file", _file(tmp_path, "chamber/dekamer_flwb_dossier_56K0854_nl_cached_2025-06-27.html"),
                     "--url", "https://www.dekamer.be/kvvcr/showpage.cfm?section=/flwb&language=nl&cfm=/site/wwwcfm/flwb/flwbn.cfm?lang=N&legislat=56&dossierID=0854")
    assert code == 0 and [i["ref"] for i in out["items"]] == ["56K0854"] and out["facts"]["status"] == "HANGEND KAMER"


def test_questions_json_and_xml(tmp_path: Path) -> None:
    code, out = _try("--kind", "chamber-questions", "--file", _file(tmp_path, "chamber/opendata_api/data.dekamer.be_v0_qrva_list_leg54_sample.json"))
    assert code == 0 and len(out["items"]) == 10
    code, out = _try("--kind", "chamber-questions", "--file", _file(tmp_path, "chamber/opendata_api/data.dekamer.be_v0_qrva_item_54--1-0168-2016201712499.xml"))
    assert code == 0 and out["items"][0]["status"] == "answerReceived"


def test_a_synthetic_feed_over_http_with_its_topics(tmp_path: Path, server: LocalServer) -> None:
    items = [("g1", "Le secret professionnel au CPAS", "https://rwlp.be/1", "<p>Avis.</p>"), ("g2", "Autre", "https://rwlp.be/2", "<p>x</p>")]
    url = server.serve("/feed/", synthetic.rss(items))
    cfg = tmp_path / "sources.toml"
    cfg.write_text("[settings]\nhost_delay = 0\n" + TOPICS + f'[[source]]\nid = "x"\nkind = "feed"\nurl = "{url}"\n', encoding="utf-8")
    res = run_watcher("--config", str(cfg), "try", "--kind", "feed", "--url", url, "--json")
    out = json.loads(res.out)
    assert res.code == 0 and [i["title"] for i in out["items"]] == ["Le secret professionnel au CPAS", "Autre"]
    assert out["items"][0]["topics"] == ["secret"] and out["items"][0]["matched"] == ["secret professionnel"]
    assert out["items"][1]["topics"] == []


def test_a_news_page_whose_selector_finds_nothing(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/fr/publications", b"<html><body><div class='challenge'>Verifying you are human</div></body></html>")
    cfg = tmp_path / "sources.toml"
    cfg.write_text(f'[settings]\nhost_delay = 0\n[[source]]\nid = "x"\nkind = "feed"\nurl = "{url}"\n', encoding="utf-8")
    code, out = _try("--config", str(cfg), "--kind", "page", "--url", url, "--key", "item_selector=div.views-row")
    assert code == 1 and "finds nothing" in out["problem"] and "bot wall" in out["problem"]


def test_moniteur_summary_with_a_letter_numac(tmp_path: Path) -> None:
    page = tmp_path / "summary.html"
    page.write_bytes(synthetic.moniteur_summary("2026-11-30", {synthetic.MB_LEGISLATIVE: [("2026A09999", "Région wallonne", "Décret relatif aux CPAS")]}))
    code, out = _try("--kind", "moniteur", "--file", str(page), "--url", "https://www.ejustice.just.fgov.be/cgi/summary.pl?language=fr&sum_date=2026-11-30")
    assert code == 0 and [i["ref"] for i in out["items"]] == ["2026A09999"] and out["facts"]["legislative"] == "1"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--kind", "nope", "--url", "https://x.example/"], 'is not a known kind'),
        (["--kind", "page", "--url", "https://x.example/"], 'needs the key "item_selector"'),
        (["--kind", "feed"], "give a SOURCE_ID, or --kind with --url or --file"),
        (["--kind", "page", "--url", "https://x.example/", "--key", "nonsense"], "name=value"),
    ],
)
def test_bad_usage_exits_2(tmp_path: Path, args: list[str], message: str) -> None:
    res = run_watcher("--config", str(tmp_path / "none.toml"), "try", *args)
    assert res.code == 2 and message in res.err, res.err


