"""The Justel adapter on real recordings of both layouts and both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import (
    CODE_PENAL_OLD,
    CPAS_STUB,
    ELI_HELP,
    FIXTURES,
    LOI_1994_2024,
    OWN,
    WET_2016_NL,
    LocalServer,
    Watcher,
    code_penal_2024_page,
    justel_2024_from_slices,
    justel_old_from_slices,
    recording,
)
from watcher.config import Source
from watcher.errors import ParseError
from watcher.sources import justel
from watcher.sources.justel import parse_law

ART_458_START = (
    "Les médecins, chirurgiens, officiers de santé, pharmaciens, sages-femmes et toutes autres personnes "
    "dépositaires, par état ou par profession, des secrets qu'on leur confie"
)


@pytest.mark.parametrize(
    "relpath, layout, language, numac, dossier, in_force, n_articles, title_start",
    [
        (CODE_PENAL_OLD, "old", "fr", "1867060850", "1867-06-08/01", "1867-10-15", 774, "8 JUIN 1867. - CODE PENAL."),
        (LOI_1994_2024, "2024", "fr", "1994009284", "1994-02-02/33", "1994-09-27", 37, "2 FEVRIER 1994. - Loi modifiant"),
        (WET_2016_NL, "2024", "nl", "2016003166", "2016-04-22/02", "2016-05-12", 3, "22 APRIL 2016. - Wet tot omzetting"),
        (CPAS_STUB, "2024", "fr", "1976070810", "1976-07-08/01", "1997-01-10", 1, "8 JUILLET 1976. - Loi organique"),
    ],
    ids=["code-penal-old-fr", "loi-1994-2024-fr", "wet-2016-2024-nl", "cpas-stub-2024-fr"],
)
def test_metadata_and_articles(
    relpath: str, layout: str, language: str, numac: str, dossier: str, in_force: str, n_articles: int, title_start: str
) -> None:
    law = parse_law(recording(relpath), "")
    assert (law.layout, law.language, law.numac, law.dossier, law.in_force) == (
        layout, language, numac, dossier, in_force,
    )
    assert law.title.startswith(title_start)
    assert "NOTE" not in law.title  # editorial notes are not part of the title
    assert len(law.articles) == n_articles
    assert all(a.text for a in law.articles if a.ref != "M")


def test_code_penal_old_layout_article_458() -> None:
    law = parse_law(recording(CODE_PENAL_OLD), "")
    assert law.updated == "2018-10-29"
    art = law.article("458")
    assert art is not None
    assert art.text.startswith(ART_458_START)
    # amendment markers go, the bracketed amended words stay, without stray blanks
    assert "[celui où la loi, le décret ou l'ordonnance les oblige ou les autorise]" in art.text
    assert art.text.endswith("ou d'une de ces peines seulement].")
    # inline and footnote amendment references are notes, not text
    assert "<L" not in art.text and "En vigueur" not in art.text
    assert "<L 1996-06-30/34, art. 10, 017; En vigueur : 26-07-1996>" in art.notes
    assert any("2017-07-06/24, art. 312" in n for n in art.notes)
    assert art.heading.endswith("CHAPITRE VI. - DE QUELQUES AUTRES DELITS CONTRE LES PERSONNES.")
    assert [a.ref for a in law.articles if a.ref.startswith("458")] == ["458", "458bis", "458ter", "458quater"]


def test_repeal_printed_only_as_a_note_stays_in_the_text() -> None:
    law = parse_law(recording(CODE_PENAL_OLD), "")
    art = law.article("281")
    assert art is not None and art.text == "(Abrogé)"
    assert art.notes == ("<Abrogé par L 2010-03-08/08, art. 3, 080; En vigueur : 09-04-2010>",)
    assert law.article("551").text == "(Abrogé)"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "anchor, ref",
    [("Art.33bis.", "33bis"), ("Art.136Quinquies", "136quinquies"), ("Art.433novies/1", "433novies/1"), ("Art.371/1", "371/1")],
)
def test_unusual_article_anchors_are_normalised(anchor: str, ref: str) -> None:
    law = parse_law(recording(CODE_PENAL_OLD), "")
    assert f"NAME='{anchor}'".encode() in recording(CODE_PENAL_OLD)
    assert law.article(ref) is not None


def test_federal_cpas_stub_has_article_m() -> None:
    law = parse_law(recording(CPAS_STUB), "")
    (art,) = law.articles
    assert art.ref == "M" and art.number == "M"
    assert "VOIR LES TEXTES APPLICABLES DANS LES ENTITES FEDEREES" in art.text
    assert "1976-07-08/37" in art.text  # the pointer to the Brussels version
    assert law.updated == "2024-06-17"


def test_2024_first_article_label_variant() -> None:
    # 2024 layout prints <A NAME='Art.1'></A>Article <A ...>1</A>. -- label outside the anchor
    law = parse_law(recording(LOI_1994_2024), "")
    first = law.articles[0]
    assert first.ref == "1" and first.text.startswith("A l'article 36bis de la loi du 8 avril 1965")
    last = law.article("37")
    assert last is not None and last.text.startswith("L'article 21, alinéa 4,")


def test_same_text_across_the_2024_redesign() -> None:
    """Art. 454-459 read the same in the 2018 page and the 2025 page, except 458bis,
    which really was amended in 2022 and 2023; the notes' new link format
    (article.pl?cn_search= instead of change_lg.pl?cn=) changes nothing."""
    old = parse_law(recording(CODE_PENAL_OLD), "")
    new = parse_law(code_penal_2024_page(), "")
    assert new.layout == "2024" and new.numac == old.numac == "1867060850"
    assert new.updated == "2025-08-04"
    refs = [a.ref for a in new.articles]
    assert refs == ["454", "455", "456", "457", "458", "458bis", "458ter", "458quater", "459"]
    for art in new.articles:
        before = old.article(art.ref)
        assert before is not None
        if art.ref == "458bis":
            assert art.text != before.text
            assert "417/7 à 417/22" in art.text and "417/7 à 417/22" not in before.text
        else:
            assert art.text == before.text, art.ref
            assert art.notes == before.notes, art.ref


def test_windows_1252_without_declared_charset_keeps_accents() -> None:
    utf8 = recording(CODE_PENAL_OLD)
    cp1252 = utf8.decode("utf-8").encode("cp1252")
    assert b"charset" not in cp1252[:3000].lower()
    a, b = parse_law(utf8, ""), parse_law(cp1252, "")
    assert a.article("458") == b.article("458")
    assert "dépositaires" in b.article("458").text  # type: ignore[union-attr]


def test_misdeclared_charset_is_ignored() -> None:
    # the stub is UTF-8 bytes declaring iso-8859-1 (re-encoded by whoever saved it)
    stub = recording(CPAS_STUB)
    assert b'charset="iso-8859-1"' in stub
    law = parse_law(stub, "")
    assert "Région wallonne" in law.articles[0].text
    assert "Ã" not in law.articles[0].text


def test_dutch_old_layout_synthetic_windows_1252() -> None:
    data = (OWN / "justel_old_nl_synthetic_cp1252.html").read_bytes()
    law = parse_law(data, "https://www.ejustice.just.fgov.be/cgi_loi/change_lg.pl?language=nl&la=N&cn=1867060801&table_name=wet")
    assert (law.layout, law.language, law.numac, law.updated) == ("old", "nl", "1867060850", "2018-10-29")
    art = law.article("458")
    assert art is not None and "geheimen die hun zijn toevertrouwd" in art.text
    assert "Inwerkingtreding" not in art.text
    assert any(n.startswith("<W 1996-06-30/34") for n in art.notes)


@pytest.mark.parametrize(
    "data, why",
    [
        (b"", "empty page"),
        (b"   \n", "empty page"),
        (b"<html><body><h1>Request blocked</h1></body></html>", "not a Justel law page"),
        (b'<html><body><div id="list-title-3" class="box"><h2>Texte</h2></div></main></body></html>', "no article"),
        (b'<html><body><div id="list-title-3" class="box"><A NAME=\'Art.1\'></A>Article 1. Texte.', "truncated"),
        (b"<HTML><A name=\"texte\"> </A><A NAME='Art.1'>Article </A> 1. Texte.", "truncated"),
    ],
    ids=["empty", "blank", "bot-wall", "text-block-without-articles", "2024-cut-in-text", "old-cut-in-text"],
)
def test_unrecognisable_pages_are_errors(data: bytes, why: str) -> None:
    with pytest.raises(ParseError, match=why):
        parse_law(data, "")


def test_page_without_numac_is_a_parse_error() -> None:
    page = recording(CODE_PENAL_OLD).decode("utf-8")
    start, end = page.index('<A name="titre">'), page.index('<A name="tablematiere">')
    with pytest.raises(ParseError, match="numac"):
        parse_law((page[:start] + page[end:]).encode("utf-8"), "")


def test_name_attribute_after_href() -> None:
    page = recording(CODE_PENAL_OLD).decode("utf-8")
    swapped = page.replace("<A NAME='Art.458' HREF='#Art.457'>", "<A HREF='#Art.457' NAME='Art.458'>")
    assert swapped != page
    a, b = parse_law(page.encode(), ""), parse_law(swapped.encode(), "")
    assert len(b.articles) == len(a.articles) and b.article("458") == a.article("458")


def test_a_second_version_of_an_article_is_kept_and_selected_with_it() -> None:
    page = recording(CODE_PENAL_OLD).decode("utf-8")
    i = page.index("&nbsp;&nbsp;<A NAME='Art.458bis'")
    future = "&nbsp;&nbsp;<A NAME='Art.458' HREF='#Art.457'>Art.</A> <A HREF='#Art.458bis'> 458</A>. Texte futur.<BR><BR>"
    law = parse_law((page[:i] + future + page[i:]).encode(), "")
    assert law.article("458~2").text == "Texte futur."  # type: ignore[union-attr]
    assert law.article("458").text.startswith(ART_458_START)  # type: ignore[union-attr]
    assert [a.ref for a, _ in justel.select(law, ("458",), ())] == ["458", "458~2"]


def test_eli_help_page_is_a_parse_error() -> None:
    with pytest.raises(ParseError, match="not a Justel law page"):
        parse_law(recording(ELI_HELP), "https://www.ejustice.just.fgov.be/eli/wet/2016/05/04/2016A03340/justel")


@pytest.mark.parametrize(
    "url, language",
    [
        ("https://www.ejustice.just.fgov.be/cgi_loi/change_lg.pl?language=nl&la=N&cn=1867060801&table_name=wet", "nl"),
        ("https://www.ejustice.just.fgov.be/cgi_loi/article.pl?language=fr&lg_txt=f&cn_search=1976070837", "fr"),
        ("https://www.ejustice.just.fgov.be/eli/wet/2016/04/22/2016003166/justel", "nl"),
    ],
)
def test_language_from_url(url: str, language: str) -> None:
    assert parse_law(recording(LOI_1994_2024), url).language == language


def test_selection_by_number_and_by_content() -> None:
    law = parse_law(recording(CODE_PENAL_OLD), "")
    chosen = justel.select(law, ("458", "422bis"), ("SECRET PROFESSIONNEL", "des secrets qu’on leur confie"))
    refs = {a.ref: "; ".join(r.text("en") for r in why) for a, why in chosen}
    assert "458" in refs and "listed in articles" in refs["458"] and "des secrets" in refs["458"]
    assert refs["422bis"] == "listed in articles"
    assert {r.code for r in chosen[-1][1]} <= {"selected_listed", "selected_matching"}
    # case, accents and apostrophes do not matter
    chosen = justel.select(law, (), ("DEPOSITAIRES, PAR ETAT OU PAR PROFESSION",))
    assert [a.ref for a, _ in chosen] == ["458"]
    # neither list: every article
    assert len(justel.select(law, (), ())) == len(law.articles)


def test_adapter_docs_have_law_identity_and_anchor_links() -> None:
    src = Source(
        id="cp", kind="justel", url="https://example.org/x?language=fr", options={"articles": ("458",), "articles_matching": ()}
    )
    parsed = justel.parse(recording(CODE_PENAL_OLD), src.url, src)
    (doc,) = parsed.docs
    assert doc.key == "1867060850:fr:458"
    assert doc.url == "https://example.org/x?language=fr#Art.458"
    assert doc.title == "8 JUIN 1867. - CODE PENAL, art. 458"
    assert parsed.identity == "1867060850" and "566" in parsed.refs


def test_recordings_are_read_in_place() -> None:
    # the project never carries a copy of a recording
    root = Path(__file__).resolve().parent.parent
    names = {p.name for p in root.rglob("*.html")}
    assert "justel_old2018_code_penal_1867060801_fr.html" not in names


# ----------------------------------------------------------------- the regional CPAS laws and the C.i.cr.


MORE = "ejustice/more/"
REGIONAL = {
    # region: (numac, layout, head slice, article slices)
    "wallonie": ("1976A70810", "2024", "CPAS_Wallonie_1976A70810_cn1976070834_head_through_list-title-1_EXCERPT_chars0-8566.html",
                 ["CPAS_Wallonie_1976A70810_Art35_Art36_secret_to_Art37_EXCERPT_chars141742-144399.html",
                  "CPAS_Wallonie_1976A70810_Art49_Art50_secret_to_Art51_EXCERPT_chars212253-219843.html"]),
    "flandre": ("1976B70810", "2024", "CPAS_Flandre_1976B70810_cn1976070835_head_through_list-title-1_EXCERPT_chars0-8544.html",
                ["CPAS_Flandre_1976B70810_Art35_Art36_abroge_to_Art37_EXCERPT_chars64214-64846.html",
                 "CPAS_Flandre_1976B70810_Art49_Art50_abroge_to_Art51_EXCERPT_chars98670-99302.html"]),
    "germanophone": ("1976C70810", "2024", "CPAS_Germanophone_1976C70810_cn1976070836_head_through_list-title-1_EXCERPT_chars0-8350.html",
                     ["CPAS_Germanophone_1976C70810_Art35_Art36_secret_to_Art37_EXCERPT_chars76603-77676.html",
                      "CPAS_Germanophone_1976C70810_Art49_Art50_secret_to_Art51_EXCERPT_chars94472-98139.html"]),
    "bruxelles": ("1976D70810", "old", "CPAS_Bruxelles_1976D70810_cn1976070837_head_title_metadata_EXCERPT_chars0-5277.html",
                  ["CPAS_Bruxelles_1976D70810_Art35_Art36_secret_to_Art37_EXCERPT_chars114991-117808.html",
                   "CPAS_Bruxelles_1976D70810_Art49_Art50_secret_to_Art50bis_EXCERPT_chars170772-174732.html"]),
}


def regional_page(region: str, *more: str) -> bytes:
    _, layout, head, arts = REGIONAL[region]
    arts = [*arts, *more]
    build = justel_2024_from_slices if layout == "2024" else justel_old_from_slices
    return build(MORE + head, *(MORE + a for a in arts))


@pytest.mark.parametrize("region", sorted(REGIONAL))
def test_regional_cpas_laws_with_letter_numacs_are_read(region: str) -> None:
    numac, layout, _, _ = REGIONAL[region]
    law = parse_law(regional_page(region), "https://www.ejustice.just.fgov.be/cgi_loi/article.pl?language=fr")
    assert (law.numac, law.layout) == (numac, layout)
    art36, art50 = law.article("36"), law.article("50")
    assert art36 is not None and art50 is not None
    if region == "flandre":  # the Flemish form moved these to the decreet over het lokaal bestuur
        assert art36.text == "(Abrogé)" and art50.text == "(Abrogé)"
    else:
        assert "secret" in art36.text and "36" in art50.text


def test_a_regional_cpas_law_is_watched_end_to_end(tmp_path: Path, server: LocalServer) -> None:
    page = regional_page("wallonie")
    url = server.serve("/cgi_loi/article.pl?language=fr&cn_search=1976070834", page)
    w = Watcher(tmp_path, server, f'[[source]]\nid = "cp"\nkind = "justel"\nurl = "{url}"\narticles = ["36", "50"]\n')
    w.check()
    assert w.status()["cp"]["documents"] == 2
    server.serve("/cgi_loi/article.pl?language=fr&cn_search=1976070834", page.replace(b"sont tenus au secret", b"sont tenus au strict secret", 1))
    w.check()
    (a,) = w.alerts()
    assert a["kind"] == "changed" and a["ref"] == "36" and ["+", "strict "] in a["diff"]


def test_the_code_of_criminal_procedure_articles_on_reporting() -> None:
    page = justel_old_from_slices(
        MORE + "CIC_FR_1808111701_head_title_metadata_EXCERPT_chars0-5198.html",
        MORE + "CIC_FR_1808111701_Art28decies_Art29_to_29bis_EXCERPT_chars76152-84614.html",
        MORE + "CIC_FR_1808111701_Art46_46bis_46bis1_to_46ter_EXCERPT_chars166152-178862.html",
    )
    law = parse_law(page, "https://www.ejustice.just.fgov.be/cgi_loi/change_lg.pl?language=fr")
    assert law.numac == "1808111701" and law.updated == "2024-01-26"
    art = law.article("46bis/1")
    assert art is not None and "infractions terroristes" in art.text
    assert {"29", "46bis", "46bis/1"} <= {a.ref for a in law.articles}


# ----------------------------------------------------------------- Book II's reused anchors

BOOK2 = "ejustice/justel_2024layout_code_penal_livre2_2024002088_fr_EXCERPT_"


def test_book_ii_assembled_from_its_recorded_excerpts() -> None:
    head = recording(BOOK2 + "chars0-16000_head_list-title-1.html").decode("utf-8")
    start = recording(BOOK2 + "chars32000-48000_start-of-list-title-3.html").decode("utf-8")
    end = recording(BOOK2 + "chars571016-587016_end-of-page.html").decode("utf-8")
    head = head[: head.index('<div id="list-title-2"')] if '<div id="list-title-2"' in head else head
    text = start[start.index('<div id="list-title-3"') :]  # it stops at the start of art. 80
    page = (head + text + "<BR><BR>&nbsp;&nbsp;<A NAME" + end).encode("utf-8")
    law = parse_law(page, "https://www.ejustice.just.fgov.be/cgi_loi/article.pl?language=fr&cn_search=2024022910")
    assert law.numac == "2024002088" and law.in_force == "2026-04-08"
    refs = [a.ref for a in law.articles]
    assert refs[:4] == ["1", "2", "79", "80"] and refs[-2:] == ["118", "119"]
    assert "livre II du Code pénal" in (law.article("2") or law.articles[1]).text
    assert "loi du 30 juillet 1981" in (law.article("113") or law.articles[0]).text


def synthetic_reuse() -> bytes:
    """SYNTHETIC articles (a law whose own articles reuse the anchors of the
    Book it introduces, as DOMAIN.md records for Book II) set in the frame of
    the recorded whole 2024-layout page of the 1994 law."""
    frame = recording(LOI_1994_2024).decode("cp1252")
    text_open = frame.index('<div id="list-title-3"')
    body = frame.index("</h2>", text_open) + len("</h2>")
    tail = frame[frame.index("</div>", frame.index("NAME='Art.37'")) :]
    arts = [("79", "Book II, art. 79."), ("80", "Book II, art. 80, premier texte."), ("80", "Book II, art. 80, version future."),
            ("81", "Book II, art. 81."), ("79", "La loi introductive, art. 79."), ("80", "La loi introductive, art. 80.")]
    html = "".join(f"&nbsp;&nbsp;<A NAME='Art.{n}' HREF='#x'>Art.</A> {n}. {t}<BR><BR>" for n, t in arts)
    return (frame[:body] + html + tail).encode("utf-8")


def test_a_number_reused_by_another_text_never_takes_the_book_s_identity() -> None:
    page = synthetic_reuse()
    law = parse_law(page, "https://www.ejustice.just.fgov.be/x?language=fr")
    assert [a.ref for a in law.articles] == ["79", "80", "80~2", "81", "79@2", "80@2"]
    assert law.article("79").text.startswith("Book II")  # type: ignore[union-attr]
    src = Source(id="b2", kind="justel", url="https://x.example/?language=fr", options={"articles": ("79", "80"), "articles_matching": ()})
    parsed = justel.parse(page, src.url, src)
    assert [d.ref for d in parsed.docs] == ["79", "80", "80~2"]  # the introducing law's 79 and 80 are not watched with them
    assert {d.key for d in parsed.docs} == {"1994009284:fr:79", "1994009284:fr:80", "1994009284:fr:80~2"}


@pytest.mark.parametrize(
    "source_id, region",
    [("cpas-wallonie-fr", "wallonie"), ("cpas-germanophone-fr", "germanophone"), ("cpas-bruxelles-fr", "bruxelles")],
)
def test_the_default_watch_list_selects_the_secrecy_provisions_and_nothing_else(source_id: str, region: str) -> None:
    from conftest import ROOT
    from watcher.config import load

    src = load(ROOT / "sources.toml").source(source_id)
    prefix = {"wallonie": "CPAS_Wallonie_1976A70810", "germanophone": "CPAS_Germanophone_1976C70810", "bruxelles": "CPAS_Bruxelles_1976D70810"}[region]
    extra = [p.name for p in sorted((FIXTURES / "ejustice" / "more").glob(f"{prefix}_Art*")) if p.name not in REGIONAL[region][3]]
    law = parse_law(regional_page(region, *extra), src.url)
    chosen = {a.ref for a, _ in justel.select(law, src.options["articles"], src.options["articles_matching"])}
    on_page = {a.ref for a in law.articles}
    watched = {"36", "50", "60"} | ({"40"} if region == "bruxelles" else set())
    assert chosen == watched & on_page and {"36", "50"} <= chosen
    assert not chosen & {"35", "37", "39", "49", "51", "59"}


def _reference_article(ref: str, lines: list[str], heading: str) -> justel.Article:
    """The plain reading of an article's lines, one line at a time, that
    ``justel._article`` must give the same answer as (it skips the per-line
    work when the whole text shows no notes and no inline note)."""
    import functools

    number = ref
    if lines:
        m = justel._LABEL.match(lines[0])
        if m:
            number = m.group(1)
            lines[0] = lines[0][m.end() :]
        if not lines[0].strip():
            lines.pop(0)
    body: list[str] = []
    notes: list[str] = []
    in_notes = False
    for line in lines:
        if line.startswith("-----") and not line.strip("-"):
            in_notes = True
            continue
        if in_notes:
            notes.append(line)
            continue
        found: list[str] = []
        line = justel._INLINE_NOTE.sub(functools.partial(justel._note_residue_of, found=found), line)
        if found:
            notes.extend(found)
            line = " ".join(line.split())
        if line:
            body.append(line)
    return justel.Article(ref=ref, number=number, text="\n".join(body), notes=tuple(notes), heading=heading)


def test_an_article_s_lines_read_as_the_plain_reading_does() -> None:
    import random

    rng = random.Random(3)
    pieces = [
        "Art. 458.", "Article 1er.", "Art. 5bis. Le texte", "----------", "-----", "------ pas une règle", "- - -",
        "<L 1996-06-30/34, art. 10, 017; En vigueur : 26-07-1996>", "<Abrogé par L 2010-03-08/08, art. 2>",
        "(1)<L 2018-07-11/10, art. 2, 132>", "texte < 3 et > 2", "[1 des secrets]1", "mot", "<", "a <W 2017-01-01/1> b",
        "", " ",
    ]
    for _ in range(3000):
        lines = [" ".join(rng.choice(pieces) for _ in range(rng.randrange(1, 4))) for _ in range(rng.randrange(0, 8))]
        lines += [""] * (rng.random() < 0.2)
        ours = justel._article("458", list(lines), "h")
        assert ours == _reference_article("458", list(lines), "h"), lines


def test_the_sup_pattern_reads_as_the_lazy_one() -> None:
    """``text._SUP`` is the unrolled form of ``<sup\\b.*?</sup\\s*>``."""
    import random
    import re

    from watcher import text

    lazy = re.compile(r"<sup\b.*?</sup\s*>", re.IGNORECASE | re.DOTALL)
    rng = random.Random(4)
    bits = ["<sup>", "<SUP x='<a>'>", "</sup>", "</SUP >", "</sup\n>", "<supx>", "</sup", "<", ">", "a", "\n", "</", "<sub>"]
    for _ in range(3000):
        s = "".join(rng.choice(bits) for _ in range(rng.randrange(0, 12)))
        assert text._SUP.sub("#", s) == lazy.sub("#", s), s

