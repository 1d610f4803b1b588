"""The topic rules of the README, each with its worked example, on the default topics."""

from __future__ import annotations

import pytest

from conftest import ROOT
from watcher.config import load
from watcher.matching import Matcher, classify

MATCHER = Matcher(load(ROOT / "sources.toml").topics)


def topics(text: str, date: str | None = None) -> tuple[str, ...]:
    return classify(MATCHER, text, date=date).topics


@pytest.mark.parametrize(
    "text, topic",
    [
        ("Vers des dossiers sociaux électroniques partagés", "dossier-social-electronique"),
        ("Lokale Integrale Veiligheidscellen: nood aan vertrouwen", "securite-integrale-locale"),
        ("L'enquête sociale menée par le CPAS et le rapport social", "enquete-sociale"),
        ("le secret professionnel des avocats et des travailleurs sociaux du CPAS", "secret-professionnel"),
        ("les articles 458 et 458bis du Code pénal", "secret-professionnel"),
        ("in de artikelen 458 en 458bis van het Strafwetboek", "secret-professionnel"),
        ("Réforme des Projets Individualisés d'Intégration Sociale (PIIS)", "piis-conditionnalite"),
        ("De OCMW's wisselen diverse gegevens uit via de KSZ.", "donnees-bcss"),
        ("modifiant l'article 46bis/1 du Code d'instruction criminelle", "signalement-parquet"),
    ],
)
def test_what_the_rules_catch(text: str, topic: str) -> None:
    assert topic in topics(text)


@pytest.mark.parametrize(
    "text",
    [
        "L'enquête sociale est une mesure judiciaire prononcée par le juge aux affaires familiales.",
        "La Cour constitutionnelle défend le secret professionnel de l'avocat (loi anti-blanchiment).",
        "Le secrétaire communal et le scrutin secret",
        "article 458 du Code civil",
        "Le CCAS et le secret professionnel selon le code de l'action sociale et des familles",
        "Forfait soins à domicile : deux visites",
        "Aanslagen van 22 maart 2016. - Gevolgen voor de Belgische economie.",
        "Deontologische code - Decreet van 22 december 2017 over het lokaal bestuur, artikel 39 en 74.",
    ],
)
def test_what_the_rules_leave_alone(text: str) -> None:
    assert topics(text) == ()


def test_references_depend_on_the_date_of_the_text() -> None:
    after = "2026-05-04"
    assert "secret-professionnel" not in topics("La loi modifie l'article 458 du Code pénal.", after)
    assert "secret-professionnel" in topics("La loi modifie l'article 352 du Code pénal.", after)
    assert "secret-professionnel" in topics("La loi modifie l'article 458 du Code pénal de 1867.", after)
    assert "secret-professionnel" in topics("Dans l'article 458 de l'ancien Code pénal", after)
    assert "secret-professionnel" in topics("La loi modifie l'article 458 du Code pénal.", "2025-05-04")
    assert "secret-professionnel" in topics("La loi modifie l'article 458 du Code pénal.")  # undated: 1867


def test_every_alert_says_which_rule_matched() -> None:
    hits = classify(MATCHER, "L'enquête sociale menée par le CPAS, art. 458 du Code pénal")
    assert "enquête sociale + CPAS" in hits.matches and "art. 458" in hits.matches


def test_a_dated_feed_item_is_read_with_the_new_numbering(tmp_path, server) -> None:  # type: ignore[no-untyped-def]
    import synthetic
    from conftest import Watcher

    items = [
        ("a", "Projet : article 458 du Code pénal modifié", "https://x.example/a", "<p>Le texte modifie l'article 458 du Code pénal.</p>"),
        ("b", "Projet : article 352 du Code pénal modifié", "https://x.example/b", "<p>Le texte modifie l'article 352 du Code pénal.</p>"),
    ]
    other = ("o", "Autre chose", "https://x.example/o", "<p>Rien.</p>")
    url = server.serve("/feed", synthetic.rss([other]))
    cfg = (ROOT / "sources.toml").read_text(encoding="utf-8")
    topic_block = cfg[cfg.index("[[topic]]") : cfg.index("# --------------------------------------------------------------- sources")]
    w = Watcher(tmp_path, server, f'[[source]]\nid = "f"\nkind = "feed"\nurl = "{url}"\n', topics=topic_block)
    w.check()
    server.serve("/feed", synthetic.rss([*items, other]))  # dated 23 November 2026: the new Code's numbering
    w.check()
    assert [a["url"] for a in w.alerts()] == ["https://x.example/b"]


def test_within_counts_words_to_the_nearest_context_word() -> None:
    near = "La KSZ transmet les données au OCMW."
    far = "La KSZ transmet. " + "mot " * 60 + "Un OCMW ailleurs."
    assert "donnees-bcss" in topics(near)
    assert "donnees-bcss" not in topics(far)
    long_text = "La KSZ et le OCMW. " * 2000  # many hits on both sides: answered at once, not in minutes
    assert "donnees-bcss" in topics(long_text)


def test_an_exclusion_never_silences_a_reference_to_the_topic_s_own_law() -> None:
    text = "L'article 352 du Code pénal est complété. Le secret professionnel de l'avocat est protégé."
    assert "art. 352" in classify(MATCHER, text, date="2026-05-04").matches
    assert "secret professionnel" not in classify(MATCHER, text, date="2026-05-04").matches  # the term is excluded
    assert "art. 352" in classify(MATCHER, "L'article 352 du Livre II du Code pénal est modifié.", date="2026-05-04").matches


def test_a_line_s_own_article_heading_is_no_reference() -> None:
    assert topics("Art. 458. Le présent arrêté entre en vigueur.\nArt. 2. Il est publié.") == ()
