"""Early warning end to end: Moniteur, Chamber, written questions, feeds and news
pages, through the real ``watcher`` command and a real local HTTP server.

Chamber pages and open-data answers are the real recordings (edited copies
where a later state is needed); the Moniteur, the feed and the news page are
synthetic (tests/synthetic.py), as nothing whole of them is recorded.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

import synthetic
from conftest import LocalServer, Watcher, recording
from watcher.sources.chamber import parse_recent
from watcher.sources.moniteur import day_url

TOPICS = """
[[topic]]
id = "secret-professionnel"
title = "Secret professionnel"
terms = ["secret professionnel", "beroepsgeheim"]
articles = ["458", "458bis", "458ter", "458quater"]
laws = ["Code pénal", "Strafwetboek", "Sw."]

[[topic]]
id = "dse"
title = "Dossier social électronique"
terms = ["dossier social électronique", "elektronisch sociaal dossier"]

[[topic]]
id = "cpas"
title = "Loi organique des CPAS"
terms = ["loi organique des CPAS", "OCMW-wet", "secret des CPAS", "OCMW"]
"""


def brussels_today() -> date:
    return datetime.now(ZoneInfo("Europe/Brussels")).date()


def src(sid: str, kind: str, url: str, extra: str = "") -> str:
    return f'[[source]]\nid = "{sid}"\nkind = "{kind}"\nurl = "{url}"\n{extra}\n'


def only(alerts: list[dict[str, Any]], **want: Any) -> dict[str, Any]:
    assert len(alerts) == 1, alerts
    a = alerts[0]
    for k, v in want.items():
        assert a[k] == v, (k, a[k], v)
    return a


# ------------------------------------------------------------------ Moniteur


def serve_day(server: LocalServer, base: str, day: date, items: dict[str, list[tuple[str, str, str]]]) -> None:
    url = day_url(base, day)
    server.serve(url[len(server.base):], synthetic.moniteur_summary(day.isoformat(), items))


def test_moniteur_amending_body_raises_one_alert(tmp_path: Path, server: LocalServer) -> None:
    base = server.url("/cgi/summary.pl?language=fr")
    today = brussels_today()
    routine = [("2026000001", "Service public fédéral Intérieur", "Collecte à domicile. - Autorisation")]
    serve_day(server, base, today, {synthetic.MB_OTHER: routine})
    w = Watcher(tmp_path, server, src("mb", "moniteur", base), topics=TOPICS)
    w.check()
    assert w.alerts() == []  # baseline

    # the next pass (same day: its issue may grow) brings an amending law with a generic title
    amending = ("2026009999", "Service public fédéral Justice", "Loi portant des dispositions diverses en matière de justice")
    unrelated = ("2026009998", "Service public fédéral Finances", "Loi modifiant le Code des impôts sur les revenus")
    serve_day(server, base, today, {synthetic.MB_LEGISLATIVE: [amending, unrelated], synthetic.MB_OTHER: routine})
    for numac, title, body in [
        ("2026009999", amending[2], ["Art. 12. Dans l'article 458 du Code pénal, les mots « d'un an à trois ans » sont remplacés par les mots « de deux ans à cinq ans »."]),
        ("2026009998", unrelated[2], ["Art. 1er. Dans l'article 458 du Code des impôts sur les revenus 1992, le montant est adapté."]),
    ]:
        server.serve(
            f"/cgi/article.pl?language=fr&sum_date={today.isoformat()}&lg_txt=f&caller=sum&s_editie=1&{numac}=1&numac_search={numac}&view_numac=",
            synthetic.moniteur_publication(numac, title, body),
        )
    w.check()
    a = only(w.alerts(), kind="new", ref="2026009999", topics=["secret-professionnel"], matches=["art. 458"])
    assert "Dans l'article 458 du Code pénal" in a["snippet"]
    assert a["published"] == today.isoformat()
    assert "numac_search=2026009999" in a["url"]
    # stored, searchable, but no alert for the unrelated one; nothing twice
    w.check()
    assert len(w.alerts()) == 1
    con = sqlite3.connect(w.db)
    assert con.execute("SELECT count(*) FROM documents WHERE source_id='mb'").fetchone()[0] == 3
    con.close()


def test_moniteur_reads_every_edition_of_a_day_and_letter_numacs(tmp_path: Path, server: LocalServer) -> None:
    base = server.url("/cgi/summary.pl?language=fr")
    today = brussels_today()
    serve_day(server, base, today, {synthetic.MB_OTHER: [("2026000001", "SPF Intérieur", "Arrêté")]})
    w = Watcher(tmp_path, server, src("mb", "moniteur", base), topics=TOPICS)
    w.check()
    # later that day: a second edition, with a regional decree whose numac carries a letter
    decree = ("2026A09999", "Service public de Wallonie", "Décret modifiant la loi organique des CPAS")
    second = day_url(base, today, 2)
    server.serve(second[len(server.base):], synthetic.moniteur_summary(today.isoformat(), {synthetic.MB_LEGISLATIVE: [decree]}))
    server.serve(
        f"/cgi/article.pl?language=fr&sum_date={today.isoformat()}&lg_txt=f&caller=sum&s_editie=1&2026A09999=1&numac_search=2026A09999&view_numac=",
        synthetic.moniteur_publication("2026A09999", decree[2], ["Art. 2. Dans l'article 36 de la loi organique des CPAS, les mots « secret professionnel » sont remplacés."]),
    )
    w.check()
    a = only(w.alerts(), kind="new", ref="2026A09999")
    assert "secret professionnel" in a["after"]
    assert any("s_editie=2" in p for p, _ in server.requests)
    assert w.status()["mb"]["state"] == "ok"


def test_moniteur_catches_up_missed_days_within_the_bound(tmp_path: Path, server: LocalServer) -> None:
    base = server.url("/cgi/summary.pl?language=fr")
    today = brussels_today()
    for back in range(6):
        serve_day(server, base, today - timedelta(days=back), {synthetic.MB_OTHER: [(f"202600010{back}", "SPF", f"Arrêté {back}")]})
    w = Watcher(tmp_path, server, src("mb", "moniteur", base, "catch_up_days = 3"), topics=TOPICS)
    w.check()
    # watcher was off for five days
    con = sqlite3.connect(w.db)
    con.execute("UPDATE sources SET state_json = ? WHERE id = 'mb'", [json.dumps({"last_day": (today - timedelta(days=5)).isoformat()})])
    con.commit()
    con.close()
    # a missed day's issue carried an amending law
    two_days_ago = today - timedelta(days=2)
    amending = ("2026009999", "SPF Justice", "Loi portant des dispositions diverses")
    serve_day(server, base, two_days_ago, {synthetic.MB_LEGISLATIVE: [amending]})
    server.serve(
        f"/cgi/article.pl?language=fr&sum_date={two_days_ago.isoformat()}&lg_txt=f&caller=sum&s_editie=1&2026009999=1&numac_search=2026009999&view_numac=",
        synthetic.moniteur_publication("2026009999", amending[2], ["Art. 5. L'article 458bis du Code pénal est abrogé."]),
    )
    server.requests.clear()
    w.check()
    days = sorted(p.split("sum_date=")[1][:10] for p, _ in server.requests if "summary.pl" in p and "s_editie" not in p)
    assert days == [(today - timedelta(days=b)).isoformat() for b in (2, 1, 0)]
    a = only(w.alerts(), kind="new", ref="2026009999", published=two_days_ago.isoformat())
    assert a["matches"] == ["art. 458bis"]
    stored = sorted(r[0] for r in query(w.db, "SELECT ref FROM documents WHERE source_id='mb'"))
    assert stored == ["2026000100", "2026000101", "2026009999"]  # today's, yesterday's, the missed day's


def query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_moniteur_justel_page_at_the_summary_url_is_broken(tmp_path: Path, server: LocalServer) -> None:
    base = server.url("/cgi/summary.pl?language=fr")
    server.serve(day_url(base, brussels_today())[len(server.base):], recording("ejustice/justel_2024layout_loi_1994009284_fr.html"))
    w = Watcher(tmp_path, server, src("mb", "moniteur", base), topics=TOPICS)
    w.check(expect=1)
    assert "not a Moniteur summary page" in only(w.alerts(), kind="source_broken")["reason"]


def test_moniteur_weekdays_without_any_publication_mean_a_changed_page(tmp_path: Path, server: LocalServer) -> None:
    base = server.url("/cgi/summary.pl?language=fr")
    today = brussels_today()
    for back in range(10):
        serve_day(server, base, today - timedelta(days=back), {synthetic.MB_OTHER: []})
    w = Watcher(tmp_path, server, src("mb", "moniteur", base), topics=TOPICS)
    w.check()  # one empty day: fine (a holiday, a Sunday)
    con = sqlite3.connect(w.db)
    con.execute("UPDATE sources SET state_json = ? WHERE id = 'mb'", [json.dumps({"last_day": (today - timedelta(days=8)).isoformat()})])
    con.commit()
    con.close()
    w.check(expect=1)
    assert "weekdays in a row" in only(w.alerts(), kind="source_broken")["reason"]


def test_moniteur_unrecognisable_summary_is_broken(tmp_path: Path, server: LocalServer) -> None:
    base = server.url("/cgi/summary.pl?language=fr")
    server.serve(day_url(base, brussels_today())[len(server.base):], b"<html><body>Please enable JavaScript</body></html>")
    w = Watcher(tmp_path, server, src("mb", "moniteur", base), topics=TOPICS)
    w.check(expect=1)
    only(w.alerts(), kind="source_broken")


# ------------------------------------------------------------------- Chamber

RECENT = "chamber/lachambre_flwb_recent_documents_month_fr_2023-08-17.html"
DOSSIER_FR = "chamber/lachambre_flwb_dossier_55K3464_fr_prettified.html"
DOSSIER_NL = "chamber/dekamer_flwb_dossier_56K0272_nl_cached_2025-06-16.html"
BILL_TITLE = "Proposition de loi modifiant la loi organique des CPAS en ce qui concerne le secret professionnel des travailleurs sociaux."


def recent_with_new_bill() -> bytes:
    """The recorded list with one more row, copied from its first row."""
    page = recording(RECENT).decode("utf-8")
    start = page.index('<tr valign="top">')
    end = page.index("</tr>", start) + len("</tr>")
    row = page[start:end]
    new = (
        row.replace("dossierID=2657", "dossierID=3999")
        .replace(">2657<", ">3999<")
        .replace("55K2657003", "55K3999001")
        .replace(">003<", ">001<")
        .replace("AVIS DU CONSEIL D'ETAT", "PROPOSITION DE LOI")
    )
    old_title = new[new.index('<div class="linklist_1">', new.index("<td>")) + len('<div class="linklist_1">') : new.index("<br>")]
    new = new.replace(old_title, "\n\t\t\t\t" + BILL_TITLE)
    return (page[:start] + new + page[start:]).encode("utf-8")


def dossier_page(status: str) -> bytes:
    """The recorded FR dossier page (55K3464), made the new bill's: its id, title and status."""
    page = recording(DOSSIER_FR).decode("utf-8")
    page = page.replace("55K3464", "55K3999").replace(
        "Projet de loi modifiant la loi du 21 mars 1991 portant réforme de certaines entreprises publiques économiques.",
        BILL_TITLE,
    )
    # its documents' links point at the test server (never at the real site)
    page = page.replace("http://www.lachambre.be/FLWB/", "/FLWB/")
    return page.replace("ADOPTE CHAMBRE", status).encode("utf-8")


def test_chamber_new_bill_then_its_adoption(tmp_path: Path, server: LocalServer) -> None:
    list_path = "/kvvcr/showpage.cfm?section=/flwb/recent&language=fr&cfm=/site/wwwcfm/flwb/rapweekweekly.cfm?week=4"
    url = server.serve(list_path, recording(RECENT))
    dossier_path = "/kvvcr/showpage.cfm?section=/flwb&language=fr&cfm=/site/wwwcfm/flwb/flwbn.cfm?lang=F&legislat=55&dossierID=3999"
    w = Watcher(tmp_path, server, src("chambre", "chamber", url), topics=TOPICS)
    w.check()
    assert w.alerts() == []
    con = sqlite3.connect(w.db)
    distinct = {row.dossier for row in parse_recent(recording(RECENT), url)}
    assert con.execute("SELECT count(*) FROM documents WHERE source_id='chambre'").fetchone()[0] == len(distinct) == 49
    con.close()

    # a new bill about CPAS secrecy appears in the list
    server.serve(list_path, recent_with_new_bill())
    server.serve(dossier_path, dossier_page("PENDANT CHAMBRE"))
    w.check()
    a = only(w.alerts(), kind="new", ref="55K3999")
    assert set(a["topics"]) == {"secret-professionnel", "cpas"}
    assert "secret professionnel" in a["matches"] and "loi organique des CPAS" in a["matches"]
    assert a["url"].endswith("dossierID=3999")

    # it leaves the recent list, and later the Chamber adopts it: one status alert
    server.serve(list_path, recording(RECENT))
    w.check()
    assert len(w.alerts()) == 1
    server.serve(dossier_path, dossier_page("ADOPTE CHAMBRE"))
    w.check()
    status = w.alerts()[-1]
    assert status["kind"] == "status" and status["ref"] == "55K3999"
    assert "PENDANT CHAMBRE → ADOPTE CHAMBRE" in status["reason"]
    w.check()
    assert len(w.alerts()) == 2

    # months later: adopted long ago and unchanged since, it is no longer fetched
    con = sqlite3.connect(w.db)
    con.execute(
        "UPDATE versions SET first_seen = '2025-01-01T00:00:00+00:00' WHERE document_id = "
        "(SELECT id FROM documents WHERE key = '55K3999')"
    )
    con.commit()
    con.close()
    assert w.status()["chambre"]["last_pass_requests"] == {"127.0.0.1": 2}  # the list and the dossier (no new document)
    server.requests.clear()
    w.check()
    assert not [p for p, _ in server.requests if "dossierID=3999" in p]
    assert w.status()["chambre"]["last_pass_requests"] == {"127.0.0.1": 1}
    assert w.status()["chambre"]["state"] == "ok"
    history = w("history", "chambre", "55K3999")
    assert history.code == 0 and "ADOPTE CHAMBRE" in history.out  # its history stays


def test_a_dossier_unchanged_for_months_is_read_once_a_week(tmp_path: Path, server: LocalServer) -> None:
    from datetime import date

    from watcher.sources.chamber import still_followed
    from watcher.store import Document

    def doc(status: str, changed: str) -> Document:
        return Document(id=1, source_id="c", key="55K1", ref="55K1", present=True, first_seen=changed,
                        last_seen=changed, status=status, changed_at=changed)

    today = date(2026, 11, 30)
    assert still_followed(doc("PENDANT CHAMBRE", "2026-11-01"), today, 60, "2026-11-29")  # active: every pass
    assert not still_followed(doc("PENDANT CHAMBRE", "2026-01-01"), today, 60, "2026-11-29")  # quiet: weekly
    assert still_followed(doc("PENDANT CHAMBRE", "2026-01-01"), today, 60, "2026-11-20")
    assert still_followed(doc("ADOPTE CHAMBRE", "2026-11-01"), today, 60, "2026-11-29")  # final, but recent
    assert not still_followed(doc("VERWORPEN KAMER", "2026-09-01"), today, 60, None)  # final and done
    assert still_followed(doc("HANGEND KAMER", "2026-09-01"), today, 60, None)  # not final


def test_chamber_source_on_one_dossier_follows_its_sub_documents(tmp_path: Path, server: LocalServer) -> None:
    path = "/kvvcr/showpage.cfm?section=/flwb&language=nl&cfm=/site/wwwcfm/flwb/flwbn.cfm?lang=N&legislat=56&dossierID=272"
    page = recording(DOSSIER_NL).decode("utf-8")
    # the recorded page with its last sub-document not yet filed
    last = page.rindex('<td class="td0xs"><a href="/FLWB/PDF/56/0272/56K0272007.pdf"')
    assert last > 0
    tr_start = page.rindex("<tr>", 0, last)
    tr_end = page.index("</tr>", last) + len("</tr>")
    earlier = page[:tr_start] + page[tr_end:]
    url = server.serve(path, earlier.encode("utf-8"))
    w = Watcher(tmp_path, server, src("dossier", "chamber", url, 'topics = ["cpas"]'), topics=TOPICS)
    w.check()
    server.serve(path, recording(DOSSIER_NL))
    w.check()
    a = only(w.alerts(), kind="status", ref="56K0272", topics=["cpas"])
    assert "new: 007" in a["reason"]


def test_one_failing_dossier_page_is_a_warning_not_a_broken_source(tmp_path: Path, server: LocalServer) -> None:
    list_path = "/kvvcr/showpage.cfm?section=/flwb/recent&language=fr&cfm=/site/wwwcfm/flwb/rapweekweekly.cfm?week=4"
    url = server.serve(list_path, recent_with_new_bill())
    dossier_path = "/kvvcr/showpage.cfm?section=/flwb&language=fr&cfm=/site/wwwcfm/flwb/flwbn.cfm?lang=F&legislat=55&dossierID=3999"
    server.serve(dossier_path, dossier_page("PENDANT CHAMBRE"))
    w = Watcher(tmp_path, server, src("chambre", "chamber", url), topics=TOPICS)
    w.check()
    server.serve(dossier_path, b"<html><body>Erreur</body></html>")
    w.check()
    st = w.status()["chambre"]
    assert st["ok"] is True and "dossier 55K3999" in st["warning"]
    assert w.alerts() == []


def test_chamber_page_that_is_not_a_list_is_broken(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/recent", b"<html><body><h1>Maintenance</h1></body></html>")
    w = Watcher(tmp_path, server, src("chambre", "chamber", url), topics=TOPICS)
    w.check(expect=1)
    only(w.alerts(), kind="source_broken")


# ---------------------------------------------------------- written questions

QRVA_LIST = "chamber/opendata_api/data.dekamer.be_v0_qrva_list_leg54_sample.json"
QRVA_ITEM = "chamber/opendata_api/data.dekamer.be_v0_qrva_item_54-B001-3-0001-0000201400004.json"


def test_written_question_new_then_answered(tmp_path: Path, server: LocalServer) -> None:
    listing: dict[str, Any] = json.loads(recording(QRVA_LIST))
    url = server.serve("/v0/qrva?leg=54", json.dumps(listing).encode(), content_type="application/json")
    w = Watcher(tmp_path, server, src("qrva", "chamber-questions", url), topics=TOPICS)
    w.check()
    assert w.alerts() == []

    # a new question on the electronic social file, built from the recorded item
    item: dict[str, Any] = json.loads(recording(QRVA_ITEM))
    q = item["items"][0]
    ident = "54-B116-18-0999-2016201799999"
    q.update(
        SDOCNAME=ident,
        TITF="Le dossier social électronique des CPAS (QO 99999).",
        TITN="Het elektronisch sociaal dossier van de OCMW's (MV 99999).",
        STATUSQ="transmited",
        link={"href": server.url(f"/v0/qrva/{ident}"), "rel": "self"},
    )
    for n in range(1, 5):
        q[f"TEXTA{n}F"] = q[f"TEXTA{n}N"] = None
    server.serve(f"/v0/qrva/{ident}", json.dumps(item).encode(), content_type="application/json")
    summary = {k: q[k] for k in ("link", "SDOCNAME", "TITF", "TITN", "STATUSQ", "DEPTF", "DEPTN")}
    listing["items"].insert(0, summary)
    server.serve("/v0/qrva?leg=54", json.dumps(listing).encode(), content_type="application/json")
    w.check()
    a = only(w.alerts(), kind="new", ref=ident)
    assert "dse" in a["topics"] and "dossier social électronique" in a["matches"]

    # the answer arrives
    q["STATUSQ"] = "answerReceived"
    q["TEXTA1F"] = {"br": ["Le dossier social électronique respecte le secret professionnel."]}
    server.serve(f"/v0/qrva/{ident}", json.dumps(item).encode(), content_type="application/json")
    listing["items"][0]["STATUSQ"] = "answerReceived"
    server.serve("/v0/qrva?leg=54", json.dumps(listing).encode(), content_type="application/json")
    w.check()
    b = w.alerts()[-1]
    assert b["kind"] == "status" and b["ref"] == ident and "answerReceived" in b["reason"]
    assert "respecte le secret professionnel" in "".join(t for op, t in b["diff"] if op == "+")
    w.check()
    assert len(w.alerts()) == 2


def test_tracked_question_off_the_first_page_is_still_followed(tmp_path: Path, server: LocalServer) -> None:
    listing: dict[str, Any] = json.loads(recording(QRVA_LIST))
    item: dict[str, Any] = json.loads(recording(QRVA_ITEM))
    q = item["items"][0]
    ident = "54-B116-18-0999-2016201799998"
    q.update(SDOCNAME=ident, TITF="Le secret professionnel des assistants sociaux des CPAS.", TITN="Het beroepsgeheim.",
             STATUSQ="transmited", link={"href": server.url(f"/v0/qrva/{ident}"), "rel": "self"})
    for n in range(1, 5):
        q[f"TEXTA{n}F"] = q[f"TEXTA{n}N"] = None
    url = server.serve("/v0/qrva?leg=54", json.dumps(listing).encode(), content_type="application/json")
    w = Watcher(tmp_path, server, src("qrva", "chamber-questions", url), topics=TOPICS)
    w.check()
    server.serve(f"/v0/qrva/{ident}", json.dumps(item).encode(), content_type="application/json")
    with_new = dict(listing, items=[{k: q[k] for k in ("link", "SDOCNAME", "TITF", "TITN", "STATUSQ")}] + listing["items"])
    server.serve("/v0/qrva?leg=54", json.dumps(with_new).encode(), content_type="application/json")
    w.check()
    only(w.alerts(), kind="new", ref=ident)
    # newer questions push it off the first page; weeks later its answer arrives
    server.serve("/v0/qrva?leg=54", json.dumps(listing).encode(), content_type="application/json")
    del q["SDOCNAME"]  # as recorded: a single question's answer carries DOCNAME, not the list's SDOCNAME
    q["STATUSQ"] = "answerReceived"
    q["TEXTA1F"] = {"br": ["Réponse du ministre."]}
    server.serve(f"/v0/qrva/{ident}", json.dumps(item).encode(), content_type="application/json")
    w.check()
    assert [a["kind"] for a in w.alerts()] == ["new", "status"]


def test_empty_open_data_answer_is_broken(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/v0/qrva?leg=56", recording("chamber/opendata_api/data.dekamer.be_v0_qrva_item_empty.json"))
    w = Watcher(tmp_path, server, src("qrva", "chamber-questions", url), topics=TOPICS)
    w.check(expect=1)
    a = only(w.alerts(), kind="source_broken")
    assert "no question" in a["reason"]


# ---------------------------------------------------------------------- feeds

FEED_ITEMS = [
    ("https://rwlp.be/?p=101", "Assemblée générale 2026", "https://rwlp.be/ag-2026", "<p>Compte rendu de notre assemblée.</p>"),
    ("https://rwlp.be/?p=102", "Logement: nos propositions", "https://rwlp.be/logement", "<p>Le droit au logement.</p>"),
]


def test_feed_new_matching_entry_and_its_update(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/feed/", synthetic.rss(FEED_ITEMS), content_type="application/rss+xml; charset=UTF-8")
    w = Watcher(tmp_path, server, src("rwlp", "feed", url), topics=TOPICS)
    w.check()
    dse = ("https://rwlp.be/?p=103", "Le DSE menace-t-il la confiance ?", "https://rwlp.be/dse",
           "<p>Le <strong>dossier social électronique</strong> généralisé dans les CPAS.</p>")
    other = ("https://rwlp.be/?p=104", "Fête de quartier", "https://rwlp.be/fete", "<p>Rendez-vous samedi.</p>")
    server.serve("/feed/", synthetic.rss([dse, other, *FEED_ITEMS]), content_type="application/rss+xml")
    w.check()
    a = only(w.alerts(), kind="new", ref="https://rwlp.be/?p=103", topics=["dse"], url="https://rwlp.be/dse")
    assert a["matches"] == ["dossier social électronique"] and "<strong>" not in a["after"]
    # unchanged: a 304, nothing new
    w.check()
    assert len(w.alerts()) == 1
    edited = (dse[0], dse[1], dse[2], dse[3] + "<p>Mise à jour : la circulaire est publiée.</p>")
    server.serve("/feed/", synthetic.rss([edited, other, *FEED_ITEMS]), content_type="application/rss+xml")
    w.check()
    b = w.alerts()[-1]
    assert b["kind"] == "updated" and "la circulaire est publiée" in "".join(t for op, t in b["diff"] if op == "+")


def test_feed_with_a_repeated_guid_is_read_once(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/feed/", synthetic.rss(FEED_ITEMS))
    w = Watcher(tmp_path, server, src("rwlp", "feed", url), topics=TOPICS)
    w.check()
    twice = ("https://rwlp.be/?p=105", "Le secret professionnel en CPAS", "https://rwlp.be/secret", "<p>Analyse.</p>")
    server.serve("/feed/", synthetic.rss([twice, twice, *FEED_ITEMS]))
    w.check()
    only(w.alerts(), kind="new", ref="https://rwlp.be/?p=105")
    assert w.status()["rwlp"]["ok"] is True


def test_bot_wall_instead_of_a_feed_is_broken(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/feed/", synthetic.rss(FEED_ITEMS))
    w = Watcher(tmp_path, server, src("rwlp", "feed", url), topics=TOPICS)
    w.check()
    server.serve("/feed/", b"<html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>")
    w.check(expect=1)
    only(w.alerts(), kind="source_broken")


# ----------------------------------------------------------------- news pages

PAGE_KEYS = (
    'item_selector = "div.views-row"\nlink_selector = "h3 a"\n'
    'date_selector = ".publication-date"\ntext_selector = ".publication-teaser"\n'
)
LISTING = [
    ("/fr/publications/europe", "L'Europe à portée de communes", "Le groupe de travail Europe.", "Date de publication : 8 décembre 2025 Analyses"),
    ("/fr/publications/climat", "Agir pour le climat", "Trois villes européennes.", "Date de publication : 8 décembre 2025 Analyses"),
]


def test_news_page_new_matching_item(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/fr/publications", synthetic.listing(LISTING))
    w = Watcher(tmp_path, server, src("brulocalis", "page", url, PAGE_KEYS), topics=TOPICS)
    w.check()
    new = ("/fr/publications/secret-cpas", "Le Conseil d'État rappelle l'importance du secret professionnel du CPAS",
           "Avis sur les articles 36 et 50 de la loi organique.", "Date de publication : 24 novembre 2026 Analyses")
    server.serve("/fr/publications", synthetic.listing([new, *LISTING]))
    w.check()
    a = only(w.alerts(), kind="new", url=server.url("/fr/publications/secret-cpas"))
    assert "secret-professionnel" in a["topics"]
    assert "24 novembre 2026" in a["after"]


def test_news_page_item_linked_twice_is_one_item_with_its_title_and_date(tmp_path: Path, server: LocalServer) -> None:
    page = (
        "<!-- SYNTHETIC news listing: each item links its image and its title to the same article -->\n"
        "<html><body><main>"
        '<div class="news"><a href="/fr/nouvelles/dse"><img src="/i.png" alt=""></a>'
        '<h2><a href="/fr/nouvelles/dse">Circulaire relative au dossier social électronique</a></h2>'
        '<span class="date">24 novembre 2026</span></div>'
        "</main></body></html>"
    )
    url = server.serve("/fr/nouvelles", b"<html><body><div class='news'><a href='/fr/nouvelles/old'>Ancienne</a></div></body></html>")
    w = Watcher(tmp_path, server, src("miis", "page", url, 'item_selector = "a[href*=\'/fr/nouvelles/\']"\n'), topics=TOPICS)
    w.check()
    server.serve("/fr/nouvelles", page.encode())
    w.check()
    a = only(w.alerts(), kind="new", title="Circulaire relative au dossier social électronique")
    assert a["url"] == server.url("/fr/nouvelles/dse")
    (tmp_path / "x").mkdir()
    keys = 'item_selector = "div.news"\nlink_selector = "h2 a"\ndate_selector = ".date"\n'
    w2 = Watcher(tmp_path / "x", server, src("miis", "page", url, keys), topics=TOPICS)
    w2.check()
    con = sqlite3.connect(w2.db)
    assert con.execute("SELECT published FROM documents").fetchall() == [("2026-11-24",)]
    con.close()


def test_news_page_where_the_selector_finds_nothing_is_broken(tmp_path: Path, server: LocalServer) -> None:
    url = server.serve("/fr/publications", synthetic.listing(LISTING))
    w = Watcher(tmp_path, server, src("brulocalis", "page", url, PAGE_KEYS), topics=TOPICS)
    w.check()
    server.serve("/fr/publications", b"<html><body><div class='challenge'>Verifying you are human</div></body></html>")
    w.check(expect=1)
    a = only(w.alerts(), kind="source_broken")
    assert "finds nothing" in a["reason"]


@pytest.mark.parametrize(
    "kind, extra, fragment",
    [
        ("feed", 'articles = ["458"]', 'key "articles": is not valid for kind "feed"'),
        ("page", "", 'kind "page" needs the key "item_selector"'),
        ("page", 'item_selector = "div[["', "is not a valid CSS selector"),
        ("moniteur", "catch_up_days = 0", 'key "catch_up_days"'),
        ("chambre", "", '"chambre" is not a known kind'),
    ],
)
def test_kind_specific_keys_are_validated(tmp_path: Path, server: LocalServer, kind: str, extra: str, fragment: str) -> None:
    w = Watcher(tmp_path, server, src("x", kind, "https://example.org/", extra), topics=TOPICS)
    res = w("check")
    assert res.code == 2 and fragment in res.err and "Traceback" not in res.err


def test_questions_api_is_asked_for_json_and_read_when_it_answers_xml(tmp_path: Path, server: LocalServer) -> None:
    listing: dict[str, Any] = json.loads(recording(QRVA_LIST))
    url = server.serve("/v0/qrva?leg=54", json.dumps(listing).encode(), content_type="application/json")
    w = Watcher(tmp_path, server, src("qrva", "chamber-questions", url), topics=TOPICS)
    w.check()
    assert all(h.get("Accept", "").startswith("application/json") for p, h in server.requests if p.startswith("/v0/"))
    # the server now answers XML (the same API serves both): a new question about secrecy
    xml = recording("chamber/opendata_api/data.dekamer.be_v0_qrva_item_54--1-0138-2015201609402.xml")
    xml = xml.replace(b"Les lanceurs d'alerte dans le secteur num\xc3\x83\xc2\xa9rique.", b"Le secret professionnel des CPAS.")
    xml = xml.replace(b"http://data.dekamer.be/v0/qrva/", server.url("/v0/qrva/").encode())
    server.serve("/v0/qrva?leg=54", xml, content_type="application/xml")
    server.serve("/v0/qrva/54--1-0138-2015201609402", xml, content_type="application/xml")
    w.check()
    a = only(w.alerts(), kind="new", ref="54--1-0138-2015201609402")
    assert a["title"] == "Le secret professionnel des CPAS."


def _listed(page: str, dossier: str, title: str) -> str:
    """The recorded list with one more row (copied from its first recorded row) for ``dossier``."""
    start = page.index('<tr valign="top">')
    recorded = recording(RECENT).decode("utf-8")
    first = recorded.index('<tr valign="top">')
    row = recorded[first : recorded.index("</tr>", first) + len("</tr>")]
    number = dossier[3:]
    new = (
        row.replace("dossierID=2657", f"dossierID={int(number)}").replace(">2657<", f">{number}<")
        .replace("55K2657003", f"{dossier}001").replace(">003<", ">001<")
        .replace("AVIS DU CONSEIL D'ETAT", "PROJET DE LOI")
    )
    old_title = new[new.index('<div class="linklist_1">', new.index("<td>")) + len('<div class="linklist_1">') : new.index("<br>")]
    new = new.replace(old_title, "\n\t\t\t\t" + title)
    return page[:start] + new + page[start:]


def test_a_generic_bill_whose_text_touches_cpas_secrecy_is_alerted_when_first_listed(tmp_path: Path, server: LocalServer) -> None:
    list_path = "/kvvcr/showpage.cfm?section=/flwb/recent&language=fr&cfm=/site/wwwcfm/flwb/rapweekweekly.cfm?week=4"
    url = server.serve(list_path, recording(RECENT))
    w = Watcher(tmp_path, server, src("chambre", "chamber", url), topics=TOPICS)
    w.check()
    generic = "Projet de loi portant des dispositions diverses en matière de justice."
    page = recording(RECENT).decode("utf-8")
    page = _listed(_listed(page, "55K3999", generic), "55K3998", generic)
    server.serve(list_path, page.encode("utf-8"))
    bills = {
        "55K3999": ["Art. 12. Dans l'article 458 du Code pénal, les mots", "sont remplacés; les travailleurs sociaux des CPAS informent le procureur du Roi."],
        "55K3998": ["Art. 3. Dans la loi du 16 mars 1968 relative à la police de la circulation routière,", "l'article 29 est remplacé."],
    }
    for dossier, lines in bills.items():
        n = dossier[3:]
        record = recording(DOSSIER_FR).decode("utf-8").replace("http://www.lachambre.be/FLWB/", "/FLWB/")
        record = record.replace("55K3464", dossier).replace("/55/3464/", f"/55/{n}/").replace(
            "Projet de loi modifiant la loi du 21 mars 1991 portant réforme de certaines entreprises publiques économiques.", generic
        ).replace("ADOPTE CHAMBRE", "PENDANT CHAMBRE")
        server.serve(
            f"/kvvcr/showpage.cfm?section=/flwb&language=fr&cfm=/site/wwwcfm/flwb/flwbn.cfm?lang=F&legislat=55&dossierID={int(n)}",
            record.encode("utf-8"),
        )
        server.serve(f"/FLWB/PDF/55/{n}/{dossier}001.pdf", synthetic.pdf(lines), content_type="application/pdf")
    w.check()
    a = only(w.alerts(), kind="new", ref="55K3999")
    assert "art. 458" in a["matches"]
    assert any(p.endswith("55K3999001.pdf") for p, _ in server.requests) and any(p.endswith("55K3998001.pdf") for p, _ in server.requests)
    w.check()  # read once: the bills' documents are not fetched again
    assert sum(p.endswith("001.pdf") for p, _ in server.requests) == 2


def test_a_question_with_a_generic_title_is_matched_on_its_text_and_thesaurus(tmp_path: Path, server: LocalServer) -> None:
    listing: dict[str, Any] = json.loads(recording(QRVA_LIST))
    url = server.serve("/v0/qrva?leg=54", json.dumps(listing).encode(), content_type="application/json")
    w = Watcher(tmp_path, server, src("qrva", "chamber-questions", url), topics=TOPICS)
    w.check()
    item: dict[str, Any] = json.loads(recording(QRVA_ITEM))
    ids = {"54-B120-1-0001-2016201799997": "Le secret professionnel des travailleurs sociaux du CPAS", "54-B120-1-0002-2016201799996": "Le régime des pensions"}
    news = []
    for ident, text in ids.items():
        q = dict(item["items"][0], SDOCNAME=ident, TITF="Question d'actualité.", TITN="Actualiteitsvraag.", STATUSQ="transmited",
                 TEXTQF={"br": [f"{text}: quelles mesures?"]}, link={"href": server.url(f"/v0/qrva/{ident}"), "rel": "self"})
        server.serve(f"/v0/qrva/{ident}", json.dumps({"items": [q]}).encode(), content_type="application/json")
        news.append({k: q[k] for k in ("link", "SDOCNAME", "TITF", "TITN", "STATUSQ")})
    server.serve("/v0/qrva?leg=54", json.dumps(dict(listing, items=news + listing["items"])).encode(), content_type="application/json")
    w.check()
    a = only(w.alerts(), kind="new", ref="54-B120-1-0001-2016201799997")
    assert "secret professionnel" in a["matches"]


@pytest.mark.parametrize("follow", [True, False])
def test_a_news_page_can_follow_each_new_item_to_read_its_text(tmp_path: Path, server: LocalServer, follow: bool) -> None:
    url = server.serve("/fr/publications", synthetic.listing(LISTING))
    keys = PAGE_KEYS + ("follow = true\n" if follow else "")
    w = Watcher(tmp_path, server, src("brulocalis", "page", url, keys), topics=TOPICS)
    w.check()
    new = ("/fr/publications/circulaire", "Nouvelle circulaire", "Une circulaire du SPP.", "Date de publication : 24 novembre 2026 Analyses")
    server.serve("/fr/publications", synthetic.listing([new, *LISTING]))
    server.serve(
        "/fr/publications/circulaire",
        "<!-- SYNTHETIC article page --><html><body><nav>Menu</nav><main><h1>Nouvelle circulaire</h1>"
        "<p>Elle précise le secret professionnel des travailleurs sociaux du CPAS.</p></main></body></html>".encode(),
    )
    w.check()
    alerted = [a["url"] for a in w.alerts()]
    assert alerted == ([server.url("/fr/publications/circulaire")] if follow else [])
    if follow:
        w.check()  # each item's page is read once
        assert sum(p == "/fr/publications/circulaire" for p, _ in server.requests) == 1
