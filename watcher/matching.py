"""Topics that match like a lawyer reads.

A topic has plain ``terms`` and article references: ``articles`` of the
``laws`` it names (e.g. 458, 458bis of "Code pénal" / "Strafwetboek" /
"Sw.").  Matching is case- and accent-insensitive and respects word and
number boundaries:

* "art. 458", "l'article 458, alinéa 2", "artikel 458 Sw.", "les articles
  458 et 458bis" match 458;
* "4580", "1458" do not (numbers are whole), nor "article 458 du Code civil"
  (a reference followed by another law is that law's).

A reference names its law with a genitive ("du Code …", "de la loi …",
"van het … Wetboek") or an abbreviation right after it ("Sw.", "C. civ.").
An unqualified reference ("l'article 458, alinéa 2") counts; one qualified
by one of the topic's ``laws`` counts; one qualified by anything else does
not.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .config import Topic
from .text import _typography, normalize_ref

_NUM = r"\d+(?:[a-z]{1,10})?(?:/\d+)?(?![\d/])"
# "art. 458", "article 458", "articles 458 et 458bis", "artikel 458", "artt. 36 en 36bis"
_REF = re.compile(
    rf"\b(?:art(?:icles?|ikels?|t)?\.?|art\b)\s*(?P<list>{_NUM}(?:\s*(?:,|et|en|and|ou|of|a|tot|-)\s*{_NUM})*)"
)
_NUM_RE = re.compile(_NUM)
# The law a reference belongs to, in the folded text right after it.
_GENITIVE = re.compile(
    r"^[^.;:\n]{0,60}?\b(?:du|de\s+la|de\s+l'|des|van\s+het|van\s+de)\s+"
    r"(?P<law>(?:\w+\s+){0,3}?(?:code|loi|decret|ordonnance|arrete|constitution|wetboek|wet|decreet|"
    r"ordonnantie|besluit|grondwet|reglement|traite|verdrag|convention)\b[^.;:\n]{0,60})"
)
_ABBREV = re.compile(r"^\s*,?\s*(?P<law>sw\.|strafwetboek|c\.\s?pen\.|c\.\s?civ\.|b\.?w\.|ger\.\s?w\.|w\.\s?venn\.|c\.\s?jud\.)")


@dataclass(frozen=True)
class Match:
    topic: str
    term: str  # the configured term, or "art. 458" for a reference
    start: int  # in the original text
    end: int


def fold_map(text: str) -> tuple[str, list[int]]:
    """Fold ``text`` (lower case, no accents, unified apostrophes, no amendment
    brackets) and map each folded character back to its original index, so a
    snippet can be cut from the text people read."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text):
        if ch in "[]":
            continue
        folded = unicodedata.normalize("NFKD", _typography(ch).casefold())
        for c in folded:
            if not unicodedata.combining(c):
                out.append(" " if c.isspace() else c)
                where.append(i)
    return "".join(out), where


def _fold_simple(text: str) -> str:
    return fold_map(text)[0]


class Matcher:
    """Compiled topics; :meth:`match` returns every hit in a text."""

    def __init__(self, topics: tuple[Topic, ...] | list[Topic]) -> None:
        self.topics = list(topics)
        self._terms: list[tuple[str, str, re.Pattern[str]]] = []
        self._refs: list[tuple[str, set[str], list[str]]] = []
        for t in self.topics:
            for term in t.terms:
                folded = _fold_simple(term).strip()
                if not folded:
                    continue
                # A plural ("secrets professionnels") reads as the same term.
                body = r"\s+".join(re.escape(w) + ("" if w[-1] in "sx" or not w[-1].isalpha() else "[sx]?") for w in folded.split())
                self._terms.append((t.id, term, re.compile(rf"(?<!\w){body}(?!\w)")))
            if t.articles:
                self._refs.append(
                    (t.id, {normalize_ref(a) for a in t.articles}, [_fold_simple(law).strip() for law in t.laws])
                )

    def match(self, text: str) -> list[Match]:
        if not text:
            return []
        folded, where = fold_map(text)
        hits: list[Match] = []

        def span(a: int, b: int) -> tuple[int, int]:
            return where[a], where[max(a, b - 1)] + 1

        for topic, term, pattern in self._terms:
            for m in pattern.finditer(folded):
                hits.append(Match(topic, term, *span(m.start(), m.end())))
        if self._refs:
            for m in _REF.finditer(folded):
                numbers = {normalize_ref(n) for n in _NUM_RE.findall(m.group("list"))}
                law = _law_after(folded, m.end())
                for topic, articles, laws in self._refs:
                    found = numbers & articles
                    if not found:
                        continue
                    if law is not None and not any(name and name in law for name in laws):
                        continue  # "article 458 du Code civil"
                    for n in sorted(found):
                        hits.append(Match(topic, f"art. {n}", *span(m.start(), m.end())))
        hits.sort(key=lambda h: (h.start, h.topic, h.term))
        return hits


def _law_after(folded: str, pos: int) -> str | None:
    """The law named right after a reference, folded, or None if none is."""
    tail = folded[pos : pos + 160]
    m = _ABBREV.match(tail) or _GENITIVE.match(tail)
    return m.group("law") if m else None


def snippet(text: str, hit: Match, width: int = 90) -> str:
    """About ``2 * width`` characters of ``text`` around ``hit``, on word boundaries."""
    start = max(0, hit.start - width)
    end = min(len(text), hit.end + width)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < hit.start else start
    if end < len(text):
        space = text.rfind(" ", hit.end, end)
        end = space if space > hit.end else end
    core = " ".join(text[start:end].split())
    return ("… " if start > 0 else "") + core + (" …" if end < len(text) else "")


@dataclass(frozen=True)
class TopicHits:
    topics: tuple[str, ...]
    matches: tuple[str, ...]
    snippet: str


def classify(matcher: Matcher, text: str, allowed: tuple[str, ...] = ()) -> TopicHits:
    """Which topics ``text`` touches (restricted to ``allowed`` when given),
    the matched terms, and a snippet around the first hit."""
    hits = [h for h in matcher.match(text) if not allowed or h.topic in allowed]
    if not hits:
        return TopicHits((), (), "")
    topics = tuple(dict.fromkeys(h.topic for h in hits))
    matches = tuple(dict.fromkeys(h.term for h in hits))
    return TopicHits(topics, matches, snippet(text, hits[0]))
