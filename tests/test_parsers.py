"""The early-warning adapters' pure parsers: recorded bytes in, dataclasses out.

One test per recording (../shared/fixtures, read in place through
``conftest.recording``), with the values read off the recorded page itself.
The Moniteur daily summary and publication page, the feed and the news page
have no whole recording; their inputs are small SYNTHETIC pages, written
inline, that follow ../shared/DOMAIN.md and say so in their first line.

Tests marked ``xfail(strict=True)`` pin down a parser bug found while writing
these: they pass while the bug is there and fail once it is fixed, so that
the mark is removed with the fix.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest

from conftest import ELI_HELP, recording
from watcher.errors import ParseError
from watcher.sources.chamber import Listed, parse_dossier, parse_recent
from watcher.sources.feed import parse_feed
from watcher.sources.moniteur import parse_publication, parse_summary
from watcher.sources.page import parse_page
from watcher.sources.questions import parse_item, parse_list

RECENT = "chamber/lachambre_flwb_recent_documents_month_fr_2023-08-17.html"
RECENT_URL = (
    "https://www.lachambre.be/kvvcr/showpage.cfm?section=/flwb/recent&language=fr"
    "&cfm=/site/wwwcfm/flwb/rapweekweekly.cfm?week=4"
)
API = "chamber/opendata_api/data.dekamer.be_v0_qrva_"
MB = "ejustice/mb_"
SUMMARY_URL = "https://www.ejustice.just.fgov.be/cgi/summary.pl?language=fr&sum_date=2025-02-12"
NEWS_URL = "https://www.brulocalis.brussels/fr/publications"


# --- Chamber: dossier pages ------------------------------------------------------------------------------

# (file, dossier, title start, status, filing-date label, filing date, first sub-documents, last, count)
DOSSIERS = [
    (
        "chamber/dekamer_flwb_dossier_56K0146_nl_cached_2025-07-12.html",
        "56K0146",
        (
            "Wetsvoorstel tot wijziging van de wet van 4 juli 1989 betreffende de beperking en de controle van de "
            "verkiezingsuitgaven"
        ),
        "VERWORPEN KAMER",
        ("Indieningsdatum", "26/08/2024"),
        ("002 2025-06-10 ADVIES VAN DE RAAD VAN STATE", "003 2025-06-23 AMENDEMENT", "004 2025-06-24 AMENDEMENT"),
        "005 2025-07-04 VERSLAG",
        4,
    ),
    (
        "chamber/dekamer_flwb_dossier_56K0272_nl_cached_2025-06-16.html",
        "56K0272",
        # the page has two spaces after "Wetboek,": the title is collapsed
        "Wetsvoorstel tot wijziging van de artikelen 572bis, 1179 en 1184 van het Gerechtelijk Wetboek, van het",
        "HANGEND KAMER",
        ("Indieningsdatum", "25/09/2024"),
        (
            "002 2024-12-20 AMENDEMENT",
            "003 2025-02-14 ADVIES VAN DE RAAD VAN STATE",
            "004 2025-04-15 AMENDEMENT",
            "005 2025-06-06 VERSLAG",
            "006 2025-06-06 AANGENOMEN TEKST",
        ),
        "007 2025-06-12 AANGENOMEN TEKST",
        6,
    ),
    (
        "chamber/dekamer_flwb_dossier_56K0854_nl_cached_2025-06-27.html",
        "56K0854",
        "Wetsontwerp houdende de algemene uitgavenbegroting voor het begrotingsjaar 2025.",
        "HANGEND KAMER",
        ("Indieningsdatum", "25/04/2025"),
        ("002 2025-04-28 ERRATA", "003 2025-06-02 VERSLAG", "004 2025-06-03 VERSLAG"),
        "047 2025-06-19 ARTIKELEN AANGENOMEN IN PLENUM",
        46,  # 002 … 047, none skipped
    ),
    (
        "chamber/dekamer_flwb_dossier_56K0886_nl_cached_2025-06-16.html",
        "56K0886",
        "Vermoeden van fraude bij de toekenning van leeflonen door de OCMW's - Hoorzittingen.",
        None,  # a report-only dossier: its unlabelled row holds a date, not a status
        ("Indieningsdatum", "06/06/2025"),
        ("002 2025-06-06 VERSLAG", "003 2025-06-10 VERSLAG"),
        "004 2025-06-12 AANGENOMEN TEKST",
        3,
    ),
    (
        "chamber/lachambre_flwb_dossier_55K3464_fr_prettified.html",
        "55K3464",
        "Projet de loi modifiant la loi du 21 mars 1991 portant réforme de certaines entreprises publiques",
        "ADOPTE CHAMBRE",
        ("Date de dépôt", "29/06/2023"),
        (
            "002 2023-07-10 RAPPORT",
            "003 2023-07-10 ARTICLES ADOPTES AU 1ER VOTE",
            "004 2023-07-18 FARDE",
            "005 2023-07-18 TEXTE ADOPTE",
        ),
        "006 2023-07-20 TEXTE ADOPTE",
        5,
    ),
]


@pytest.mark.parametrize(
    "relpath, dossier, title_start, status, filed, head, last, count",
    DOSSIERS,
    ids=[d[1] for d in DOSSIERS],
)
def test_chamber_dossier(
    relpath: str,
    dossier: str,
    title_start: str,
    status: str | None,
    filed: tuple[str, str],
    head: tuple[str, ...],
    last: str,
    count: int,
) -> None:
    data = recording(relpath)
    d = parse_dossier(data)
    assert (d.dossier, d.status) == (dossier, status)
    assert d.title.startswith(title_start)
    assert d.fields[filed[0]] == filed[1]
    assert d.subdocs[: len(head)] == head
    assert (d.subdocs[-1], len(d.subdocs)) == (last, count)
    # The recordings were saved as UTF-8; the server sends windows-1252.
    assert parse_dossier(data.decode("utf-8").encode("cp1252")) == d


# --- Chamber: the recent-documents list -----------------------------------------------------------------


def test_chamber_recent_documents() -> None:
    rows = parse_recent(recording(RECENT), RECENT_URL)
    assert (len(rows), len({r.dossier for r in rows})) == (69, 49)  # 55K3436 lists 006 and 007 on one row
    assert rows[0] == Listed(
        dossier="55K2657",
        legislature="55",
        number="2657",
        title="Proposition de loi modifiant la loi du 10 novembre 2006 relative aux heures d'ouverture dans le "
        "commerce, l'artisanat et les services en ce qui concerne les dérogations relatives au repos hebdomadaire "
        "et aux heures de fermeture obligatoires.",
        url="https://www.lachambre.be/kvvcr/showpage.cfm?section=/none&leftmenu=no&language=fr"
        "&cfm=/site/wwwcfm/flwb/flwbn.cfm?lang=F&legislat=55&dossierID=2657",
        subdoc="55K2657003",
        date="2023-08-17",
        doc_type="AVIS DU CONSEIL D'ETAT",
    )
    # The list gives a sub-document's distribution date (the dossier page gives 006 as 20/07/2023).
    assert [(r.subdoc, r.date, r.doc_type) for r in rows if r.dossier == "55K3464"] == [
        ("55K3464006", "2023-07-27", "TEXTE ADOPTE"),
        ("55K3464005", "2023-07-18", "TEXTE ADOPTE"),
        ("55K3464004", "2023-07-18", "FARDE"),
    ]
    assert all(r.date and "2023-07-17" <= r.date <= "2023-08-17" for r in rows)  # "du 17/07/2023 au 17/08/2023"
    assert all(r.title and r.doc_type and r.subdoc.startswith(r.dossier) for r in rows)


def test_chamber_recent_row_with_two_subdocuments() -> None:
    """55K3436 lists 006 (report) and 007 (adopted text) on one row: both are kept, each with its own type."""
    rows = parse_recent(recording(RECENT), RECENT_URL)
    by_sub = {r.subdoc: r for r in rows if r.dossier == "55K3436"}
    assert {"55K3436006", "55K3436007", "55K3436008", "55K3436009"} <= set(by_sub)
    assert (by_sub["55K3436006"].date, by_sub["55K3436006"].doc_type) == ("2023-07-17", "RAPPORT")
    assert (by_sub["55K3436007"].date, by_sub["55K3436007"].doc_type) == ("2023-07-17", "TEXTE ADOPTE")
    assert by_sub["55K3436007"].title == by_sub["55K3436006"].title


# --- Chamber: written questions, open-data API ----------------------------------------------------------


def test_questions_list() -> None:
    items = parse_list(recording(API + "list_leg54_sample.json"))
    assert [it["SDOCNAME"] for it in items][:3] == [
        "54-B116-18-0496-2016201716126",
        "54-B116-18-0497-2016201716135",
        "54-B117-2-1389-2016201715581",
    ]
    assert len(items) == 10
    first = items[0]
    assert first["TITF"] == "La liberté des femmes à participer aux processus politiques (QO 15719)."
    assert first["TITN"] == "De vrije deelname van vrouwen aan de politiek (MV 15719)."
    assert first["link"]["href"] == "http://data.dekamer.be/v0/qrva/54-B116-18-0496-2016201716126"
    assert [it["SDOCNAME"] for it in items if it["STATUSQ"] == "answerLessPublicated"] == [
        "54-B117-2-1393-2016201715597",
        "54-B117-2-1394-2016201715600",
    ]


def test_questions_item() -> None:
    item = parse_item(recording(API + "item_54-B001-3-0001-0000201400004.json"))
    assert item is not None
    assert (item["ID"], item["STATUSQ"], item["DEPOTDAT"]) == (146303, "answerReceived", "20140718")
    assert item["link"]["href"] == "http://data.dekamer.be/v0/qrva/54-B001-3-0001-0000201400004"
    assert item["TITF"] == (
        "Enquête relative aux mariages de complaisance et aux cohabitations légales de complaisance. "
        "- Ambassades. - Instructions."
    )
    assert item["TEXTQF"]["br"][0].startswith("Dans le cadre de la lutte contre les mariages de complaisance")
    assert item["TEXTA1F"]["br"][0].startswith("J'attire votre attention sur le fait qu'un déplacement")
    assert item["TEXTA2F"] is None


def test_questions_empty_answer() -> None:
    data = recording(API + "item_empty.json")
    assert parse_item(data) is None  # an unknown question id
    with pytest.raises(ParseError, match="returned no question"):
        parse_list(data)  # a list with no question at all means something broke


# The API serves the same answers as XML: read like the JSON ones, the
# double-encoded text ("numÃ©rique") repaired.
def test_questions_xml_answer_transmitted() -> None:
    item = parse_item(recording(API + "item_54--1-0138-2015201609402.xml"))
    assert item is not None
    assert (item["SDOCNAME"], item["STATUSQ"], item["DEPOTDAT"]) == ("54--1-0138-2015201609402", "transmited", "20160513")
    assert item["TITF"] == "Les lanceurs d'alerte dans le secteur numérique."
    assert item["link"]["href"] == "http://data.dekamer.be/v0/qrva/54--1-0138-2015201609402"
    assert item["TEXTQF"] is None  # blank in the answer


def test_questions_xml_answer_received_reads_like_json() -> None:
    from watcher.sources.questions import _doc

    item = parse_item(recording(API + "item_54--1-0168-2016201712499.xml"))
    assert item is not None and item["STATUSQ"] == "answerReceived"
    assert item["TEXTQF"].startswith("Depuis deux semaines, nous sommes nombreux")
    doc = _doc(item, item, None)
    assert doc.status == "answerReceived" and doc.events == ("answer 1",)
    depot = item["DEPOTDAT"]
    assert "La notion de flagrant" in doc.text and doc.published == f"{depot[:4]}-{depot[4:6]}-{depot[6:]}"


def test_questions_xml_that_is_not_the_api_is_refused() -> None:
    with pytest.raises(ParseError, match="without <result><items>"):
        parse_item(b'<?xml version="1.0"?><rss><channel/></rss>')
    with pytest.raises(ParseError, match="not a JSON or XML answer"):
        parse_item(b"<html><body>Just a moment</body></html")


# --- Moniteur belge ---------------------------------------------------------------------------------------
# The old api2.pl "valid" answers (mb_api2pl_2022_valid*.html) are of a kind no parser reads: no test.


def test_moniteur_summary_with_recorded_row() -> None:
    # synthetic 2024-layout summary (DOMAIN.md) around the one recorded real row; its section is not recorded
    recorded = recording(MB + "summary_derived_row_2025-02-12_VeilleMoniteur.csv").decode("utf-8")
    row = next(csv.DictReader(io.StringIO(recorded), delimiter=";"))
    href = row["Hyperlien"].replace("&", "&amp;")
    page = (
        "<!-- SYNTHETIC Moniteur belge daily summary (2024 layout) following ../shared/DOMAIN.md -->\n"
        '<!doctype html><html lang="fr"><body><main class="page__inner"><div class="list">\n'
        '<div id="list-title-1" class="box"><h2 class="list-title">Autres arrêtés</h2>\n'
        f'<div class="list-item"><p class="list-item--subtitle">{row["Titre du décret"]}</p>\n'
        f'<a href="{href}" class="list-item--title">{row["Description du décret"]}</a></div>\n'
        "</div></div></main></body></html>\n"
    ).encode("cp1252")
    (entry,) = parse_summary(page, SUMMARY_URL, "2025-02-12")
    assert (entry.numac, entry.day) == ("2025001223", "2025-02-12")
    assert entry.authority == "Service public fédéral Intérieur"
    assert entry.title == "Collecte à domicile. - Autorisation"  # ", p. 26193." dropped
    assert entry.url == row["Hyperlien"]
    assert (entry.section, entry.legislative) == ("Autres arrêtés", False)


@pytest.mark.parametrize(
    "relpath",
    [
        MB + "tsv_bijlage_list_1item_btw736812790_nl.html",
        MB + "tsv_bijlage_list_1item_no_address_btw1009987358_nl.html",
        MB + "tsv_bijlage_list_btw471938850_nl_browser-serialized.html",
    ],
    ids=["1item", "1item-no-address", "browser-serialized"],
)
def test_moniteur_summary_refuses_company_annex_list(relpath: str) -> None:
    # Same list-item markup as the summary, but links to no numac: not an empty day.
    with pytest.raises(ParseError, match="link to no numac_search publication"):
        parse_summary(recording(relpath), SUMMARY_URL, "2024-06-05")


@pytest.mark.parametrize(
    "relpath, message",
    [
        (MB + "api2pl_2022_empty_response.html", r"no div\[id\^=list-title-\] section"),
        (MB + "api2pl_2022_invalid_request_response.html", "empty summary page"),  # 0 bytes
    ],
    ids=["html-shell", "zero-bytes"],
)
def test_moniteur_summary_refuses_empty_answers(relpath: str, message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse_summary(recording(relpath), SUMMARY_URL, "2022-04-15")


def test_moniteur_summary_keeps_letter_numac() -> None:
    # synthetic summary item; letter numacs are recorded in Book II's links (DOMAIN.md)
    page = (
        "<!-- SYNTHETIC Moniteur belge daily summary (2024 layout) following ../shared/DOMAIN.md -->\n"
        '<html><body><main><div class="list"><div id="list-title-1"><h2>Lois, décrets, ordonnances et règlements</h2>'
        '<p class="list-item--subtitle">Service public de Wallonie</p>'
        '<a class="list-item--title" href="article.pl?language=fr&amp;numac_search=2010A09589">Décret, p. 1.</a>'
        "</div></div></main></body></html>"
    ).encode("cp1252")
    assert [e.numac for e in parse_summary(page, SUMMARY_URL, "2010-01-25")] == ["2010A09589"]


def test_moniteur_publication() -> None:
    # synthetic publication page (2024 layout) following ../shared/DOMAIN.md
    page = (
        "<!-- SYNTHETIC Moniteur belge publication page following ../shared/DOMAIN.md -->\n"
        '<html><body><div class="page__section page__section--top"><span class="tag">2026001234</span>'
        '<h1 class="page__title">20 NOVEMBRE 2026. - Loi portant des dispositions diverses</h1></div>'
        '<main class="page__inner page__inner--content article-text"><p>Article 1er.<br>'
        "Dans l'article 458 du Code pénal, les mots « secrets » sont remplacés par …</p></main></body></html>"
    ).encode("cp1252")
    assert parse_publication(page) == (
        "2026001234",
        "20 NOVEMBRE 2026. - Loi portant des dispositions diverses",
        "Article 1er.\nDans l'article 458 du Code pénal, les mots « secrets » sont remplacés par …",
    )


def test_moniteur_publication_refuses_company_annex_detail() -> None:
    with pytest.raises(ParseError):
        parse_publication(recording(MB + "tsv_annexe_personnes_morales_detail_1002370482_fr.html"))


# --- Feeds --------------------------------------------------------------------------------------------------

RSS = b"""<?xml version="1.0" encoding="UTF-8"?><!-- SYNTHETIC WordPress RSS 2.0 feed following ../shared/DOMAIN.md -->
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>
<title>RWLP</title><link>https://rwlp.be</link><description>R\xc3\xa9seau wallon</description>
<item><title>Le secret professionnel au CPAS</title><link>https://rwlp.be/2026/11/secret/</link>
<pubDate>Mon, 23 Nov 2026 09:00:00 +0000</pubDate><guid isPermaLink="false">https://rwlp.be/?p=101</guid>
<description><![CDATA[<p>Court</p>]]></description>
<content:encoded><![CDATA[<p>Premier paragraphe.</p><p>L'article 458 du Code p&eacute;nal.</p>]]></content:encoded></item>
<item><title>Agenda</title><link>https://rwlp.be/2026/11/agenda/</link>
<pubDate>Tue, 24 Nov 2026 10:00:00 +0000</pubDate><description>Sans guid</description></item>
</channel></rss>
"""


def test_feed_rss_two_items() -> None:
    title, docs = parse_feed(RSS, "https://rwlp.be/feed/")
    assert title == "RWLP"
    got = [(d.key, d.title, d.url, d.text, d.published) for d in docs]
    assert got == [
        (
            "https://rwlp.be/?p=101",  # the guid
            "Le secret professionnel au CPAS",
            "https://rwlp.be/2026/11/secret/",
            "Premier paragraphe.\nL'article 458 du Code pénal.",  # the full content, not the excerpt
            "2026-11-23",
        ),
        ("https://rwlp.be/2026/11/agenda/", "Agenda", "https://rwlp.be/2026/11/agenda/", "Sans guid", "2026-11-24"),
    ]


def test_feed_date_is_the_publishers_day() -> None:
    # An item posted at 00:30 in Brussels is of that day, not of the day before in UTC.
    # synthetic Atom feed
    atom = (
        b'<?xml version="1.0" encoding="utf-8"?><!-- SYNTHETIC Atom feed -->\n'
        b'<feed xmlns="http://www.w3.org/2005/Atom"><title>UVCW</title><id>urn:uvcw</id>'
        b"<updated>2026-11-23T00:30:00+01:00</updated><entry><title>CPAS</title><id>urn:uvcw:art-1</id>"
        b'<link href="https://www.uvcw.be/cpas/actus/art-1"/><updated>2026-11-23T00:30:00+01:00</updated>'
        b"<summary>Mis en ligne le 23 novembre 2026</summary></entry></feed>"
    )
    _, (doc,) = parse_feed(atom, "https://www.uvcw.be/rss/fil-rss.xml")
    assert doc.published == "2026-11-23"


# --- News pages -----------------------------------------------------------------------------------------------

LISTING = """<!-- SYNTHETIC publications listing following the Brulocalis structure in ../shared/DOMAIN.md -->
<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Publications</title></head><body>
<div class="view-content">
<div class="views-row"><h3><a href="/fr/publications/secret-cpas">Conseil d'État : secret professionnel et CPAS</a></h3>
<div class="teaser">Le travailleur social reste tenu au secret.</div>
<div class="date">Date de publication : 8 décembre 2025 Analyses</div></div>
<div class="views-row"><h3><a href="https://www.brulocalis.brussels/fr/publications/rse#top">Le rapport social électronique</a></h3>
<div class="date">Date de publication : 12 novembre 2025 Actualités</div></div>
<div class="views-row"><h3><a href="javascript:void(0)">Brouillon</a></h3></div>
</div></body></html>
""".encode()


def test_news_page() -> None:
    options = {"item_selector": "div.views-row", "date_selector": ".date", "text_selector": ".teaser"}
    docs = parse_page(LISTING, NEWS_URL, options)
    got = [(d.key, d.title, d.published, d.text) for d in docs]
    assert got == [
        (
            "https://www.brulocalis.brussels/fr/publications/secret-cpas",  # made absolute
            "Conseil d'État : secret professionnel et CPAS",
            "2025-12-08",
            (
                "Conseil d'État : secret professionnel et CPAS\nDate de publication : 8 décembre 2025 Analyses\n"
                "Le travailleur social reste tenu au secret."
            ),
        ),
        (
            "https://www.brulocalis.brussels/fr/publications/rse",  # fragment dropped
            "Le rapport social électronique",
            "2025-11-12",
            "Le rapport social électronique\nDate de publication : 12 novembre 2025 Actualités",
        ),
    ]  # the javascript: link is no item


# --- Every parser refuses an unrelated page ---------------------------------------------------------------

PARSERS: list[tuple[str, Callable[[bytes], Any], str]] = [
    ("chamber-dossier", parse_dossier, "not a Chamber dossier page"),
    ("chamber-recent", lambda b: parse_recent(b, RECENT_URL), "no dossier rows"),
    ("questions-list", parse_list, "not a JSON or XML answer"),
    ("questions-item", parse_item, "not a JSON or XML answer"),
    ("moniteur-summary", lambda b: parse_summary(b, SUMMARY_URL, "2025-02-12"), "not a Moniteur summary page"),
    ("moniteur-publication", parse_publication, "not a Moniteur publication page"),
    ("feed", lambda b: parse_feed(b, "https://rwlp.be/feed/"), "not an RSS or Atom feed"),
    ("page", lambda b: parse_page(b, NEWS_URL, {"item_selector": "div.views-row"}), '"div.views-row" finds nothing'),
]


@pytest.mark.parametrize("parse, message", [p[1:] for p in PARSERS], ids=[p[0] for p in PARSERS])
def test_unrelated_page_is_parse_error(parse: Callable[[bytes], Any], message: str) -> None:
    with pytest.raises(ParseError, match=message):
        parse(recording(ELI_HELP))
