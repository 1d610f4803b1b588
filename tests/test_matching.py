"""Topics match like a lawyer reads: words, plurals, article references and their law."""

from __future__ import annotations

import pytest

from watcher.config import Topic
from watcher.matching import Matcher, classify

SECRET = Topic(
    "secret-professionnel",
    terms=("secret professionnel", "beroepsgeheim", "dossier social électronique", "elektronisch sociaal dossier", "DSE"),
    articles=("458", "458bis", "458ter", "458quater"),
    laws=("Code pénal", "Strafwetboek", "Sw."),
)
CPAS = Topic(
    "cpas",
    terms=("loi organique des CPAS", "organieke wet betreffende de OCMW's", "organique des centres publics d'action sociale"),
    articles=("36", "36bis", "50"),
    laws=("loi organique des CPAS", "loi du 8 juillet 1976", "OCMW-wet", "organieke wet van 8 juli 1976"),
)
MATCHER = Matcher([SECRET, CPAS])

CASES = [
    ("art-458", "Vu l'art. 458.", {"secret-professionnel": ["art. 458"]}),
    ("article-alinea", "l'article 458, alinéa 2, est complété par ce qui suit", {"secret-professionnel": ["art. 458"]}),
    ("artikel-sw", "Artikel 458 Sw. wordt aangevuld", {"secret-professionnel": ["art. 458"]}),
    ("list", "les articles 458 et 458bis sont modifiés", {"secret-professionnel": ["art. 458", "art. 458bis"]}),
    ("amending-body", "Dans l'article 458 du Code pénal, les mots « d'un an » sont remplacés", {"secret-professionnel": ["art. 458"]}),
    ("4580", "l'article 4580 du règlement", {}),
    ("1458", "l'article 1458", {}),
    ("code-civil", "article 458 du Code civil", {}),
    ("burgerlijk", "artikel 458 van het Burgerlijk Wetboek", {}),
    ("other-law-after-alinea", "l'article 458, alinéa 2, de la loi du 3 juillet 1978", {}),
    ("cpas-law", "l'article 36bis de la loi organique des CPAS", {"cpas": ["art. 36bis", "loi organique des CPAS"]}),
    ("cpas-not-penal", "l'article 50 de la loi du 8 juillet 1976", {"cpas": ["art. 50"]}),
    ("term-case-accents", "Le SECRET PROFESSIONNEL des travailleurs sociaux", {"secret-professionnel": ["secret professionnel"]}),
    ("plural", "les secrets professionnels", {"secret-professionnel": ["secret professionnel"]}),
    ("dutch", "Het beroepsgeheim van de OCMW-maatschappelijk werkers", {"secret-professionnel": ["beroepsgeheim"]}),
    ("no-accents", "le dossier social electronique", {"secret-professionnel": ["dossier social électronique"]}),
    ("acronym-whole-word", "la DSE et le DSEL", {"secret-professionnel": ["DSE"]}),
    ("apostrophe", "de organieke wet betreffende de OCMW’s", {"cpas": ["organieke wet betreffende de OCMW's"]}),
    ("amendment-brackets", "le [secret] professionnel", {"secret-professionnel": ["secret professionnel"]}),
    ("nothing", "Collecte à domicile. - Autorisation", {}),
    ("own-heading", "Art. 50. Le présent arrêté entre en vigueur le jour de sa publication.", {}),
    ("own-heading-then-ref", "Art. 36. L'article 12 de la loi du 10 mai 2007 est remplacé", {}),
    ("comma-is-not-a-list", "à l'article 5, 36 mois après", {}),
    ("range", "les articles 457 à 459 du Code pénal", {"secret-professionnel": ["art. 458"]}),
    ("short-number-needs-its-law", "l'article 36 est abrogé", {}),
    ("short-number-law-in-text", "Dans la loi organique des CPAS, l'article 36 est abrogé",
     {"cpas": ["art. 36", "loi organique des CPAS"]}),
    ("same-code", "Art. 3. Dans l'article 458bis du même Code, les mots", {"secret-professionnel": ["art. 458bis"]}),
    ("same-code-other-law", "Art. 2. Dans l'article 1382 du Code civil ... Art. 3. Dans l'article 458 du même Code", {}),
    ("penal-social-code", "article 458 du Code pénal social", {}),
    ("sociaal-strafwetboek", "artikel 458 van het Sociaal Strafwetboek", {}),
    ("another-organic-law", "article 36 de la loi organique du 30 novembre 1998 des services de renseignement", {}),
    ("official-title", "modifiant la loi du 8 juillet 1976 organique des centres publics d'action sociale",
     {"cpas": ["organique des centres publics d'action sociale"]}),
    ("dutch-inflection", "het elektronische sociale dossier", {"secret-professionnel": ["elektronisch sociaal dossier"]}),
    ("dutch-plural", "beroepsgeheimen", {"secret-professionnel": ["beroepsgeheim"]}),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_matching(text: str, expected: dict[str, list[str]]) -> None:
    got: dict[str, list[str]] = {}
    for hit in MATCHER.match(text):
        got.setdefault(hit.topic, [])
        if hit.term not in got[hit.topic]:
            got[hit.topic].append(hit.term)
    assert {k: sorted(v) for k, v in got.items()} == {k: sorted(v) for k, v in expected.items()}


def test_snippet_is_cut_from_the_original_text_around_the_first_match() -> None:
    text = ("Considérant " * 30) + "que l'article 458 du Code pénal protège le secret. " + ("Fin " * 40)
    hits = classify(MATCHER, text)
    assert hits.topics == ("secret-professionnel",)
    assert hits.matches == ("art. 458",)
    assert "l'article 458 du Code pénal" in hits.snippet
    assert hits.snippet.startswith("… ") and hits.snippet.endswith(" …")
    assert len(hits.snippet) < 260


def test_allowed_topics_restrict_classification() -> None:
    text = "l'article 36 de la loi organique des CPAS et le secret professionnel"
    assert classify(MATCHER, text, ("cpas",)).topics == ("cpas",)
    assert set(classify(MATCHER, text).topics) == {"cpas", "secret-professionnel"}


@pytest.mark.parametrize(
    "term, text, hit",
    [
        ("art. 458", "l'article 458, alinéa 2", True),
        ("art. 458", "artikel 458 Sw.", True),
        ("art. 458", "les articles 458 et 458bis", True),
        ("art. 458", "l'article 4580", False),
        ("art. 458", "l'article 1458", False),
        ("article 458 du Code pénal", "article 458 du Code civil", False),
        ("article 458 du Code pénal", "Dans l'article 458 du Code pénal, les mots", True),
        ("458bis", "l'article 458bis", True),
        ("458bis", "l'article 458", False),
    ],
)
def test_a_term_that_is_an_article_reference_reads_as_one(term: str, text: str, hit: bool) -> None:
    matcher = Matcher([Topic("t", terms=(term,))])
    assert bool(matcher.match(text)) is hit
