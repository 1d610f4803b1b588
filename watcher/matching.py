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

import bisect
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from .config import Topic
from .text import _typography, normalize_ref

_NUM = r"\d+(?:[a-z]{1,10})?(?:/\d+)?(?![\d/])"
_SEP = r"\s*(?:,|et|en|and|ou|of|a|tot|-)\s*"
# "art. 458", "article 458", "articles 458 et 458bis", "artikel 458", "artt. 36 en 36bis"
_REF = re.compile(rf"\b(?:art(?:icles?|ikels?|ikelen|t)?\.?|art\b)\s*(?P<list>{_NUM}(?:{_SEP}{_NUM})*)")
_LIST_ITEM = re.compile(rf"(?P<sep>{_SEP})?(?P<num>{_NUM})")
_RANGE_WORDS = {"a", "tot", "-"}
# "Art. 50. Le présent arrêté …" at the start of a line is the text's own
# article heading, not a reference to another law's article.
_HEADING_AFTER = re.compile(r"\s*(?:er)?\.(?:\s|$)")  # used with .match(text, pos): anchored at pos
# The law a reference belongs to, in the folded text right after it.
_GENITIVE = re.compile(
    r"^[^.;:\n]{0,60}?\b(?:(?:du|de\s+la|des|van\s+het|van\s+de)\s+|de\s+l'\s*)"
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
    term: str  # what matched, as people read it: "secret professionnel", "art. 458", "enquête sociale + CPAS"
    start: int  # in the original text
    end: int
    rule: str = "term"  # term | context | article


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
                # Line breaks are kept (a line's "Art. 5." is its own heading); other blanks are spaces.
                out.append(c if c == "\n" else " " if c.isspace() else c)
                where.append(i)
    return "".join(out), where


def _fold_simple(text: str) -> str:
    return fold_map(text)[0]


def _phrase(term: str) -> re.Pattern[str] | None:
    """A whole-word pattern of a term with its inflected forms; a term that
    names a law never matches another law whose name starts the same way
    ("Code pénal" is not "Code pénal social")."""
    folded = _fold_simple(term).strip()
    if not folded:
        return None
    body = r"\s+".join(_inflected(w) for w in folded.split())
    return re.compile(rf"(?<!\w){body}(?!\w)(?!\s+(?:social|sociaal|militaire|militair)\b)")


@dataclass
class _Topic:
    id: str
    terms: list[tuple[str, re.Pattern[str]]]
    in_context: list[tuple[str, re.Pattern[str]]]
    context: list[tuple[str, re.Pattern[str]]]
    exclude: list[re.Pattern[str]]
    within: int
    articles: set[str]
    laws: list[str]
    renumbered_on: str
    renumbered: set[str]


class Matcher:
    """Compiled topics; :meth:`match` returns every hit in a text.

    A term that is an article reference ("art. 458", "artikel 458 Sw.",
    "458bis") is read as one, so it matches "l'article 458, alinéa 2" but
    not "4580"; other terms match as whole words, plurals included.  A
    ``terms_in_context`` term counts only with a ``context`` word in the
    item (or within ``within`` words); an ``exclude`` word silences the
    topic for an item that has no ``context`` word.
    """

    def __init__(self, topics: tuple[Topic, ...] | list[Topic]) -> None:
        self.topics = list(topics)

    @functools.cached_property
    def _compiled(self) -> list[_Topic]:
        # On first use: a pass whose pages all answer 304 matches nothing,
        # and compiling the default topics costs some 50 ms.
        return [self._compile(t) for t in self.topics]

    @staticmethod
    def _compile(t: Topic) -> _Topic:
        articles = {normalize_ref(a) for a in t.articles}
        laws = [_fold_simple(law).strip() for law in t.laws]
        terms: list[tuple[str, re.Pattern[str]]] = []
        for term in t.terms:
            folded = _fold_simple(term).strip()
            ref = _TERM_REF.match(folded) if folded else None
            if ref:
                articles.add(normalize_ref(ref.group("num")))
                law = ref.group("law").strip()
                law = re.sub(r"^(?:du|de\s+la|de\s+l'|van\s+het|van\s+de)\s+", "", law)
                if law and law not in laws:
                    laws.append(law)
                continue
            pattern = _phrase(term)
            if pattern is not None:
                terms.append((term, pattern))

        def compiled(words: tuple[str, ...]) -> list[tuple[str, re.Pattern[str]]]:
            return [(w, p) for w in words if (p := _phrase(w)) is not None]

        return _Topic(
            id=t.id,
            terms=terms,
            in_context=compiled(t.terms_in_context),
            context=compiled(t.context),
            exclude=[p for _, p in compiled(t.exclude)],
            within=t.within,
            articles=articles,
            # A topic that names no law follows the Code pénal's articles:
            # watcher's reason to exist (art. 458 and its neighbours).
            laws=[law for law in laws if law] or list(DEFAULT_LAWS),
            renumbered_on=t.renumbered_on,
            renumbered={normalize_ref(a) for a in t.renumbered_articles},
        )

    def match(self, text: str, date: str | None = None) -> list[Match]:
        """Every hit in ``text``; ``date`` (ISO, the item's own) decides what
        a renumbered law's article numbers mean."""
        if not text:
            return []
        folded, where = fold_map(text)
        hits: list[Match] = []

        def span(a: int, b: int) -> tuple[int, int]:
            return where[a], where[max(a, b - 1)] + 1

        refs = _references(folded) if any(t.articles or t.renumbered for t in self._compiled) else []
        words: _WordIndex | None = None
        for t in self._compiled:
            context = sorted((m.start(), w) for w, p in t.context for m in p.finditer(folded))
            # An exclusion marks another field's item (lawyers' secrecy, the
            # French CCAS): its words do not count, unless a context word is
            # there too.  References to the topic's own law always count.
            excluded = not context and any(p.search(folded) for p in t.exclude)
            if not excluded:
                for term, pattern in t.terms:
                    hits.extend(Match(t.id, term, *span(m.start(), m.end())) for m in pattern.finditer(folded))
                if context:
                    if t.within and words is None:
                        words = _WordIndex(folded)
                    for term, pattern in t.in_context:
                        for m in pattern.finditer(folded):
                            near = _nearest(context, m.start(), words, t.within)
                            if near:
                                hits.append(Match(t.id, f"{term} + {near}", *span(m.start(), m.end()), rule="context"))
            hits.extend(_topic_references(t, refs, folded, span, date))
        hits.sort(key=lambda h: (h.start, h.topic, h.term))
        return hits


# "de l'ancien Code pénal", "van het oud Strafwetboek", "du nouveau Code pénal"
_ERA = re.compile(r"^(ancien|ancienne|oud|oude|nouveau|nouvelle|nieuw|nieuwe)\s+")
_OLD_WORDS = {"ancien", "ancienne", "oud", "oude"}
_BOOK = re.compile(r"^(?:livre|boek)\s+[\w-]+\s+(?:du|de\s+l'|van\s+het|van\s+de)\s*")
_NEW_WORDS = {"nouveau", "nouvelle", "nieuw", "nieuwe"}
_OLD_LAW = re.compile(r"\b1867\b")


@dataclass(frozen=True)
class _Ref:
    numbers: set[str]
    law: str | None  # folded, None when the reference names no law
    start: int
    end: int


def _references(folded: str) -> list[_Ref]:
    """Every article reference of a text, with the law it names."""
    out: list[_Ref] = []
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
        out.append(_Ref(numbers, law, m.start(), end))
    return out


def _topic_references(
    t: _Topic, refs: list[_Ref], folded: str, span: Callable[[int, int], tuple[int, int]], date: str | None
) -> list[Match]:
    """A topic's article references, read with the numbering in force for the text.

    From ``renumbered_on`` (the new Code pénal: 8 April 2026), "article 458
    du Code pénal" in a new text is the new Code's art. 458; the 1867
    numbering holds for texts from before, and wherever the text says
    "de 1867", "ancien" or "oud".  "Nouveau Code pénal" is the new one at
    any date.
    """
    hits: list[Match] = []
    for ref in refs:
        law = ref.law
        era = ""
        if law is not None:
            law = _BOOK.sub("", law)  # "du livre II du Code pénal" is the Code pénal's
            m = _ERA.match(law)
            if m:
                era, law = m.group(1), law[m.end() :]
            if not any(_names(law, name) for name in t.laws):
                continue  # "article 458 du Code civil"
        old = era in _OLD_WORDS or (law is not None and bool(_OLD_LAW.search(law)))
        new = bool(t.renumbered_on) and not old and (
            era in _NEW_WORDS or (date is not None and date[:10] >= t.renumbered_on)
        )
        found = ref.numbers & (t.renumbered if new else t.articles)
        if not found:
            continue
        if law is None and t.laws and all(len(_digits(n)) <= 2 for n in found) and not any(name in folded for name in t.laws):
            # "art. 36" alone could be any law's: short numbers need
            # the topic's law named somewhere in the text.
            continue
        for n in sorted(found):
            hits.append(Match(t.id, f"art. {n}", *span(ref.start, ref.end), rule="article"))
    return hits


class _WordIndex:
    """The word number of any position in a text, in O(log n): "within N words"
    stays cheap on a long bill with many hits."""

    def __init__(self, text: str) -> None:
        self.starts = [m.start() for m in re.finditer(r"\S+", text)]

    def word(self, pos: int) -> int:
        return bisect.bisect_right(self.starts, pos)


def _nearest(context: list[tuple[int, str]], pos: int, words: _WordIndex | None, within: int) -> str | None:
    """The context word nearest to ``pos`` (positions sorted), if near enough."""
    if not within or words is None:
        return context[0][1]
    i = bisect.bisect_left(context, (pos, ""))
    here = words.word(pos)
    for j in (i - 1, i):
        if 0 <= j < len(context) and abs(words.word(context[j][0]) - here) <= within:
            return context[j][1]
    return None


def _inflected(word: str) -> str:
    """A word's pattern with its plural or Dutch inflected forms:
    "professionnel(s)", "huisbezoek(en)", "elektronisch(e)", "sociaal/sociale"."""
    if not word[-1].isalpha():
        return re.escape(word)
    forms = re.escape(word) + "(?:s|x|e|en|es)?"
    m = re.search(r"([aeou])\1([^aeiou])$", word)
    if m:  # Dutch long vowel written once before an ending: sociaal -> sociale
        forms = f"(?:{forms}|{re.escape(word[: m.start()] + m.group(1) + m.group(2))}en?)"
    elif len(word) > 2 and re.search(r"(?:^|[^aeiou])[aeiou]([bdfgklmnprt])$", word):
        # Dutch short vowel: the consonant doubles before an ending (cel -> cellen)
        forms = f"(?:{forms}|{re.escape(word + word[-1])}(?:en|e)?)"
    if word.endswith("al") and len(word) > 3:  # French -al, -aux: social -> sociaux
        forms = f"(?:{forms}|{re.escape(word[:-2])}aux)"
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


def classify(matcher: Matcher, text: str, allowed: tuple[str, ...] = (), date: str | None = None) -> TopicHits:
    """Which topics ``text`` touches (restricted to ``allowed`` when given),
    the matched terms, and a snippet around the first hit; ``date`` is the
    item's own (ISO), for laws that renumbered their articles."""
    hits = [h for h in matcher.match(text, date) if not allowed or h.topic in allowed]
    if not hits:
        return TopicHits((), (), "")
    topics = tuple(dict.fromkeys(h.topic for h in hits))
    matches = tuple(dict.fromkeys(h.term for h in hits))
    return TopicHits(topics, matches, snippet(text, hits[0]))
