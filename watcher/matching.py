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
from collections.abc import Callable
from dataclasses import dataclass

from .config import Topic
from .text import _typography, normalize_ref

_NUM = r"\d+(?:[a-z]{1,10})?(?:/\d+)?(?![\d/])"
_SEP = r"\s*(?:,|et|en|and|ou|of|a|tot|-)\s*"
# "art. 458", "article 458", "articles 458 et 458bis", "artikel 458", "artt. 36 en 36bis"
_REF = re.compile(rf"\b(?:art(?:icles?|ikels?|t)?\.?|art\b)\s*(?P<list>{_NUM}(?:{_SEP}{_NUM})*)")
_LIST_ITEM = re.compile(rf"(?P<sep>{_SEP})?(?P<num>{_NUM})")
_RANGE_WORDS = {"a", "tot", "-"}
# "Art. 50. Le présent arrêté …" at the start of a line is the text's own
# article heading, not a reference to another law's article.
_HEADING_AFTER = re.compile(r"^\s*(?:er)?\.(?:\s|$)")
# The law a reference belongs to, in the folded text right after it.
_GENITIVE = re.compile(
    r"^[^.;:\n]{0,60}?\b(?:du|de\s+la|de\s+l'|des|van\s+het|van\s+de)\s+"
    r"(?P<law>(?:\w+\s+){0,3}?(?:code|loi|decret|ordonnance|arrete|constitution|[\w-]*wetboek|[\w-]*wet|decreet|"
    r"ordonnantie|besluit|grondwet|reglement|traite|verdrag|convention)\b[^.;:\n]{0,60})"
)
_ABBREV = re.compile(r"^\s*,?\s*(?P<law>sw\.|strafwetboek|c\.\s?pen\.|c\.\s?civ\.|b\.?w\.|ger\.\s?w\.|w\.\s?venn\.|c\.\s?jud\.)")
# "du même Code", "de la même loi", "van hetzelfde Wetboek", "van dezelfde wet"
_SAME = re.compile(r"^(?:meme|hetzelfde|dezelfde)\b")
# Words that make another law of a law's name: "Code pénal social", "Sociaal Strafwetboek".
_OTHER_LAW_WORDS = {"social", "sociaal", "militaire", "militair"}
DEFAULT_LAWS = ("code penal", "strafwetboek", "sw.", "c. pen.", "c.pen.")
# A term that is itself an article reference: "art. 458", "artikel 458 Sw.", "458bis".
_TERM_REF = re.compile(rf"^(?:art(?:icles?|ikels?)?\.?\s*)?(?P<num>{_NUM})\s*(?P<law>.*)$")


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
    """Compiled topics; :meth:`match` returns every hit in a text.

    A term that is an article reference ("art. 458", "artikel 458 Sw.",
    "458bis") is read as one, so it matches "l'article 458, alinéa 2" but
    not "4580"; other terms match as whole words, plurals included.
    """

    def __init__(self, topics: tuple[Topic, ...] | list[Topic]) -> None:
        self.topics = list(topics)
        self._terms: list[tuple[str, str, re.Pattern[str]]] = []
        self._refs: list[tuple[str, set[str], list[str]]] = []
        for t in self.topics:
            articles = {normalize_ref(a) for a in t.articles}
            laws = [_fold_simple(law).strip() for law in t.laws]
            for term in t.terms:
                folded = _fold_simple(term).strip()
                if not folded:
                    continue
                ref = _TERM_REF.match(folded)
                if ref:
                    articles.add(normalize_ref(ref.group("num")))
                    law = ref.group("law").strip()
                    law = re.sub(r"^(?:du|de\s+la|de\s+l'|van\s+het|van\s+de)\s+", "", law)
                    if law and law not in laws:
                        laws.append(law)
                    continue
                # Plurals and Dutch inflections read as the same term:
                # "secrets professionnels", "huisbezoeken", "elektronische".
                body = r"\s+".join(_inflected(w) for w in folded.split())
                self._terms.append((t.id, term, re.compile(rf"(?<!\w){body}(?!\w)")))
            if articles:
                # A topic that names no law follows the Code pénal's articles:
                # watcher's reason to exist (art. 458 and its neighbours).
                self._refs.append((t.id, articles, [law for law in laws if law] or list(DEFAULT_LAWS)))

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
            hits.extend(self._references(folded, span))
        hits.sort(key=lambda h: (h.start, h.topic, h.term))
        return hits

    def _references(self, folded: str, span: Callable[[int, int], tuple[int, int]]) -> list[Match]:
        hits: list[Match] = []
        last_law: str | None = None
        for m in _REF.finditer(folded):
            numbers, end = _numbers(m.group("list"), folded, m.start("list"))
            line_start = folded.rfind("\n", 0, m.start()) + 1
            if not folded[line_start : m.start()].strip() and _HEADING_AFTER.match(folded, m.start("list") + len(m.group("list"))):
                continue  # the text's own "Art. 50." heading
            law = _law_after(folded, end)
            if law is not None and _SAME.match(law):
                law = last_law  # "du même Code": the law named last
            elif law is not None:
                last_law = law
            for topic, articles, laws in self._refs:
                found = numbers & articles
                if not found:
                    continue
                if law is not None:
                    if not any(_names(law, name) for name in laws):
                        continue  # "article 458 du Code civil"
                elif laws and all(len(_digits(n)) <= 2 for n in found) and not any(name in folded for name in laws):
                    # "art. 36" alone could be any law's: short numbers need
                    # the topic's law named somewhere in the text.
                    continue
                for n in sorted(found):
                    hits.append(Match(topic, f"art. {n}", *span(m.start(), end)))
        return hits


def _inflected(word: str) -> str:
    """A word's pattern with its plural or Dutch inflected forms:
    "professionnel(s)", "huisbezoek(en)", "elektronisch(e)", "sociaal/sociale"."""
    if not word[-1].isalpha():
        return re.escape(word)
    forms = re.escape(word) + "(?:s|x|e|en|es)?"
    m = re.search(r"([aeou])\1([^aeiou])$", word)
    if m:  # Dutch long vowel written once before an ending: sociaal -> sociale
        forms = f"(?:{forms}|{re.escape(word[: m.start()] + m.group(1) + m.group(2))}en?)"
    return forms


def _digits(ref: str) -> str:
    m = re.match(r"\d+", ref)
    return m.group(0) if m else ref


def _numbers(listing: str, folded: str, offset: int) -> tuple[set[str], int]:
    """The article numbers of a reference list, and where the list really ends.

    "458 et 458bis" -> both; "457 à 459" -> the range; "12, 50 jours" -> 12
    only (a number after a comma must continue the list, not start a phrase).
    """
    items = list(_LIST_ITEM.finditer(listing))
    numbers: list[str] = []
    end = offset
    for _i, it in enumerate(items):
        num = normalize_ref(it.group("num"))
        sep = (it.group("sep") or "").strip()
        if sep == ",":
            after = folded[offset + it.end() : offset + it.end() + 12]
            if not re.match(rf"^(?:{_SEP}|\s*[);.:]|\s*$|\s+(?:du|de|des|van)\b)", after):
                break
        if sep in _RANGE_WORDS and numbers and numbers[-1].isdigit() and num.isdigit():
            low, high = int(numbers[-1]), int(num)
            if 0 < high - low <= 200:
                numbers.extend(str(n) for n in range(low + 1, high))
        numbers.append(num)
        end = offset + it.end()
    return set(numbers), end


def _law_after(folded: str, pos: int) -> str | None:
    """The law named right after a reference, folded, or None if none is."""
    tail = folded[pos : pos + 160]
    same = re.match(r"^[^.;:\n]{0,40}?\b(?:du|de\s+la|de\s+l'|van\s+het|van\s+de)\s+(?P<law>(?:meme|hetzelfde|dezelfde)\b.*)", tail)
    if same:
        return same.group("law")
    m = _ABBREV.match(tail) or _GENITIVE.match(tail)
    return m.group("law").strip() if m else None


def _names(law: str, name: str) -> bool:
    """Whether the law phrase after a reference is this law, as a whole name."""
    if not law.startswith(name):
        return False
    rest = law[len(name) :].split()
    return not rest or rest[0].strip(",.;") not in _OTHER_LAW_WORDS


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
