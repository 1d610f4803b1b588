"""One change, one story: a bill, its publication and its consolidation, end to end on the local server."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from test_digest import Smtp, mail_config, parts, smtp  # noqa: F401 -- the SMTP fixture
from test_early_warning import DOSSIER_FR, RECENT, _listed

import synthetic
from conftest import CODE_PENAL_OLD, LocalServer, Watcher, recording
from watcher.sources.moniteur import day_url

TOPICS = '[[topic]]\nid = "secret-professionnel"\ntitle = "Secret"\nterms = ["secret professionnel"]\narticles = ["458", "458bis"]\n'
TITLE = "Projet de loi portant des dispositions diverses en matière de justice."
LIST = "/kvvcr/showpage.cfm?section=/flwb/recent&language=fr&cfm=/site/wwwcfm/flwb/rapweekweekly.cfm?week=4"
DOSSIER = "/kvvcr/showpage.cfm?section=/flwb&language=fr&cfm=/site/wwwcfm/flwb/flwbn.cfm?lang=F&legislat=55&dossierID=3999"
NOTE_OLD = "2017-07-06/24</A>, art. 312, 124; En vigueur : 03-08-2017&gt;"
AMENDED_FROM = "d'un an à trois ans et d'une amende de cent euros à mille euros"
AMENDED_TO = "de deux ans à cinq ans et d'une amende de cent euros à mille euros"


def today() -> date:
    return datetime.now(ZoneInfo("Europe/Brussels")).date()


def dossier(status: str) -> bytes:
    page = recording(DOSSIER_FR).decode("utf-8").replace("http://www.lachambre.be/FLWB/", "/FLWB/")
    page = page.replace("55K3464", "55K3999").replace("/55/3464/", "/55/3999/").replace(
        "Projet de loi modifiant la loi du 21 mars 1991 portant réforme de certaines entreprises publiques économiques.", TITLE
    )
    return page.replace("ADOPTE CHAMBRE", status).encode("utf-8")


def consolidated_code() -> bytes:
    """The recorded Code pénal page with art. 458 amended and its new note, as Justel would print them."""
    page = recording(CODE_PENAL_OLD).decode("utf-8")
    start, end = page.index("NAME='Art.458'"), page.index("NAME='Art.458bis'")
    article = page[start:end].replace(AMENDED_FROM, AMENDED_TO)
    article = article.replace(NOTE_OLD, NOTE_OLD + " <BR>&nbsp;&nbsp;(<font color=red>2</font>)&lt;L 2026-10-15/12, art. 5, 130; En vigueur : 01-12-2026&gt;")
    return (page[:start] + article + page[end:]).encode("utf-8")


def sources(server: LocalServer) -> str:
    mb = server.url("/cgi/summary.pl?language=fr")
    cp = server.url("/cgi_loi/change_lg.pl?language=fr&la=F&cn=1867060801&table_name=loi")
    ch = server.url(LIST)
    return (
        f'[[source]]\nid = "chambre"\nkind = "chamber"\nurl = "{ch}"\n\n'
        f'[[source]]\nid = "mb"\nkind = "moniteur"\nurl = "{mb}"\n\n'
        f'[[source]]\nid = "cp"\nkind = "justel"\ntitle = "Code pénal"\nurl = "{cp}"\narticles = ["458", "458bis"]\ntopics = ["secret-professionnel"]\n'
    )


def moniteur_watcher(tmp_path: Path, server: LocalServer) -> Watcher:
    """A watcher of one Moniteur summary (baseline done); publish with :func:`publish`."""
    mb_base = server.url("/cgi/summary.pl?language=fr")
    day = today()
    server.serve(day_url(mb_base, day)[len(server.base):], synthetic.moniteur_summary(day.isoformat(), {synthetic.MB_OTHER: [("2026000001", "SPF", "Arrêté")]}))
    w = Watcher(tmp_path, server, f'[[source]]\nid = "mb"\nkind = "moniteur"\nurl = "{mb_base}"\n', topics=TOPICS)
    w.check()
    return w


def publish(server: LocalServer, laws: list[tuple[str, str, list[str]]]) -> None:
    """Today's summary lists these laws [(numac, title, body lines)], each with its publication page."""
    day = today()
    mb_base = server.url("/cgi/summary.pl?language=fr")
    server.serve(day_url(mb_base, day)[len(server.base):], synthetic.moniteur_summary(day.isoformat(), {synthetic.MB_LEGISLATIVE: [(n, "SPF", t) for n, t, _ in laws]}))
    for n, t, body in laws:
        server.serve(f"/cgi/article.pl?language=fr&sum_date={day.isoformat()}&lg_txt=f&caller=sum&s_editie=1&{n}=1&numac_search={n}&view_numac=",
                     synthetic.moniteur_publication(n, t, body))


def test_one_event_followed_from_bill_to_consolidation(tmp_path: Path, server: LocalServer, smtp: Smtp) -> None:  # noqa: F811
    mb_base = server.url("/cgi/summary.pl?language=fr")
    day = today()
    routine = [("2026000001", "SPF Intérieur", "Arrêté")]
    server.serve(day_url(mb_base, day)[len(server.base):], synthetic.moniteur_summary(day.isoformat(), {synthetic.MB_OTHER: routine}))
    server.serve(LIST, recording(RECENT))
    server.serve("/cgi_loi/change_lg.pl?language=fr&la=F&cn=1867060801&table_name=loi", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, sources(server) + "\n" + mail_config(smtp.port, frequency="daily"), topics=TOPICS)
    w.check()  # baselines

    # 1. the bill is filed: a generic title, its text amends art. 458 (read from its PDF)
    server.serve(LIST, _listed(recording(RECENT).decode("utf-8"), "55K3999", TITLE).encode("utf-8"))
    server.serve(DOSSIER, dossier("PENDANT CHAMBRE"))
    server.serve("/FLWB/PDF/55/3999/55K3999001.pdf", synthetic.pdf(["Art. 5. Dans l'article 458 du Code pénal, les mots", "sont remplacés."]))
    w.check()
    assert w("digest", "--force").code == 0

    # 2. adopted, then published in the Moniteur (the body cites the Chamber documents and art. 458)
    server.serve(DOSSIER, dossier("ADOPTE CHAMBRE"))
    numac = "2026009999"
    pub_title = "15 OCTOBRE 2026. - Loi portant des dispositions diverses en matière de justice"
    server.serve(day_url(mb_base, day)[len(server.base):], synthetic.moniteur_summary(
        day.isoformat(), {synthetic.MB_LEGISLATIVE: [(numac, "SPF Justice", pub_title)], synthetic.MB_OTHER: routine}))
    server.serve(
        f"/cgi/article.pl?language=fr&sum_date={day.isoformat()}&lg_txt=f&caller=sum&s_editie=1&{numac}=1&numac_search={numac}&view_numac=",
        synthetic.moniteur_publication(numac, pub_title, [
            "Art. 5. Dans l'article 458 du Code pénal, les mots « d'un an à trois ans » sont remplacés par les mots « de deux ans à cinq ans ».",
            "Art. 9. La présente loi entre en vigueur le 1er décembre 2026.",
            "Note (1) Chambre des représentants (www.lachambre.be) Documents : 55-3999.",
        ]),
    )
    w.check()
    # 3. Justel consolidates art. 458
    server.serve("/cgi_loi/change_lg.pl?language=fr&la=F&cn=1867060801&table_name=loi", consolidated_code())
    w.check()

    alerts = {a["source_id"]: a for a in w.alerts()}
    stories = {a["story"] for a in w.alerts() if a["kind"] != "source_broken"}
    assert len(stories) == 1 and None not in stories, w.alerts()
    (story_id,) = stories
    shown = json.loads(w("story", "show", str(story_id), "--json").out)
    assert [s["step"] for s in shown["steps"]] == ["filed", "adopted", "published", "consolidated"]
    assert (shown["published"], shown["in_force"], shown["consolidated"]) == (day.isoformat(), "2026-12-01", "2018-10-29")
    assert "55-3999" in shown["steps"][2]["how"] or "3999" in shown["steps"][2]["how"]
    justel = alerts["cp"]
    assert justel["in_force"] == "2026-12-01" and justel["consolidated"] == "2018-10-29"

    # one digest entry per new step, the earlier ones "already reported"
    assert w("digest", "--force").code == 0
    text, _ = parts(smtp.inbox.messages[-1])
    assert text.count(f"Suivi #{story_id}") == 3  # adopted, published, consolidated are new here
    assert "déjà signalé: déposé" in text

    # a lawyer's word: in the next digest, on the pages, in the feed; "irrelevant" takes it out
    assert w("note", f"story:{story_id}", "--status", "checked", "--fr", "Élargit la peine de l'art. 458.", "--by", "Juriste").code == 0
    from watcher.config import load
    from watcher.web.app import create_app

    client = create_app(load(w.config), w.db).test_client()
    assert "Élargit la peine" in client.get(f"/alerts/{justel['id']}/").get_data(as_text=True)
    assert "Élargit la peine" in client.get(f"/stories/{story_id}/").get_data(as_text=True)
    assert "Élargit la peine" in client.get("/feed.atom").get_data(as_text=True)
    assert json.loads(w("alerts", "--json").out)[-1]["notes"][0]["fr"] == "Élargit la peine de l'art. 458."


def test_unrelated_laws_of_one_day_stay_apart_and_a_link_can_be_undone(tmp_path: Path, server: LocalServer) -> None:
    w = moniteur_watcher(tmp_path, server)
    publish(server, [("2026009991", "15 OCTOBRE 2026. - Loi relative au secret professionnel des avocats", ["Dans l'article 458bis du Code pénal, les mots sont supprimés."]),
                     ("2026009992", "15 OCTOBRE 2026. - Loi modifiant le Code pénal", ["Dans l'article 458 du Code pénal, le mot est remplacé."])])
    w.check()
    stories = [a["story"] for a in w.alerts()]
    assert len(stories) == 2 and len(set(stories)) == 2  # same day, same code, other articles: two stories
    first = w.alerts()[0]
    assert w("story", "unlink", str(first["id"])).code == 0
    assert w.alerts()[0]["story"] is None
    assert w("story", "rebuild").code == 0
    assert w.alerts()[0]["story"] is None  # an undone link stays undone
    assert w.alerts()[1]["story"] is not None


def test_numbered_articles_of_unnamed_laws_never_join_stories(tmp_path: Path, server: LocalServer) -> None:
    w = moniteur_watcher(tmp_path, server)
    publish(server, [("2026009993", "15 OCTOBRE 2026. - Loi modifiant le Code pénal", ["Art. 2.", "Dans l'article 458 du Code pénal, le mot est remplacé."]),
                     ("2026009994", "15 OCTOBRE 2026. - Arrêté relatif au secret professionnel des CPAS", ["Art. 2.", "Le présent arrêté entre en vigueur.", "Art. 74 de la Constitution."])])
    w.check()
    stories = [a["story"] for a in w.alerts()]
    assert len(stories) == 2 and len(set(stories)) == 2


def test_notes_survive_a_rebuild_and_the_latest_note_decides(tmp_path: Path, server: LocalServer) -> None:
    w = moniteur_watcher(tmp_path, server)
    publish(server, [("2026009995", "15 OCTOBRE 2026. - Loi modifiant le Code pénal", ["Dans l'article 458 du Code pénal de 1867, le mot est remplacé."])])
    w.check()
    (a,) = w.alerts()
    assert w("note", f"story:{a['story']}", "--status", "irrelevant", "--fr", "Hors sujet.").code == 0
    assert w("story", "rebuild").code == 0
    (a,) = w.alerts()
    assert a["notes"] and a["notes"][0]["status"] == "irrelevant"  # still on the alert's story
    assert w("note", str(a["id"]), "--status", "checked", "--fr", "Finalement pertinent.").code == 0
    from watcher import outbox
    from watcher.config import load
    from watcher.store import Store

    config = load(w.config)
    store = Store.open(w.db)
    try:
        digest = type("D", (), {"id": "x", "topics": ()})()
        assert [p.id for p in outbox.pending(store, digest, "2000-01-01")] == [a["id"]]  # the latest note decides
    finally:
        store.close()
    assert config is not None
    res = w("story", "unlink", "999")
    assert res.code == 1 and "no alert 999" in res.err


def test_the_demo_never_writes_into_a_folder_in_use(tmp_path: Path) -> None:
    from conftest import run_watcher

    (tmp_path / "sources.toml").write_text("# my real configuration\n", encoding="utf-8")
    res = run_watcher("demo", "--dir", str(tmp_path), "--no-serve")
    assert res.code == 2 and "not empty" in res.err
    assert (tmp_path / "sources.toml").read_text(encoding="utf-8") == "# my real configuration\n"
