"""One adapter per kind of site, and what they share.

Each adapter module has pure parsers (bytes in, dataclasses out, or
:class:`~watcher.errors.ParseError`) and a ``collect(ctx) -> Parsed`` that
decides which URLs to fetch through :class:`Context`.  The pipeline does the
rest (store, diff, topics, alerts) the same way for every kind.

Two modes:

* ``snapshot`` (Justel): the page is the whole truth; a watched article
  that is gone is ``removed``;
* ``stream`` (Moniteur, Chamber, questions, feeds, news pages): items come
  and go from lists; a new item that matches a topic is ``new``, a tracked
  item whose text changes is ``updated``, whose status or sub-documents
  change is ``status``; an item leaving a list is nothing.
"""

from __future__ import annotations

import hashlib
import importlib
import pkgutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from ..errors import FetchError
from ..keys import Key
from ..models import Fetched
from ..reasons import Reason
from ..text import clean, clean_identity, one_line

if TYPE_CHECKING:
    from ..config import Settings, Source
    from ..http import Http
    from ..store import Document


@dataclass(frozen=True)
class Kind:
    """Everything watcher knows about one kind of source, declared in its module.

    ``keys`` are the kind's own ``[[source]]`` keys (beyond the common ones);
    ``parse_keys`` those that change what is parsed or matched (default: all
    of them), so that changing one forces a full fetch and a new parse even
    when the server would answer 304; ``collect`` does one pass; ``preview``
    reads one payload with the pure parsers, fetching nothing more (what
    ``watcher try`` shows); ``accept`` is the Accept header the site wants.
    """

    name: str
    description: str
    mode: Literal["snapshot", "stream"]
    collect: Callable[[Context], Parsed]
    preview: Callable[[bytes, str, Source], Parsed] | None = None
    keys: tuple[Key, ...] = ()
    parse_keys: tuple[str, ...] | None = None
    accept: str | None = None

    def changes_parse(self, key: str) -> bool:
        return key in (self.parse_keys if self.parse_keys is not None else [k.name for k in self.keys])

    def as_json(self, common: tuple[Key, ...] = ()) -> dict[str, Any]:
        return {
            "kind": self.name,
            "description": self.description,
            "mode": self.mode,
            "keys": [k.as_json() for k in common + self.keys],
        }


@dataclass(frozen=True)
class Doc:
    """One watched unit: an article, a publication, a dossier, a question, an entry."""

    key: str  # stable identity within the source: "1867060850:fr:458", "56K1110", a numac, a guid
    ref: str  # what people call it: "458bis", "56K1110"
    number: str
    title: str
    url: str  # official link, as precise as the site allows
    text: str
    notes: tuple[str, ...] = ()
    heading: str = ""
    reason: tuple[Reason, ...] = ()  # why it is watched (snapshot mode)
    published: str | None = None  # ISO date
    status: str | None = None  # a dossier's or question's status
    events: tuple[str, ...] = ()  # a dossier's sub-documents, a question's answers
    track: bool = False  # follow it whatever the topics say (a dossier page named in the config)
    sha256: str | None = None  # the payload it was read from, when not the main one
    extra: str = ""  # read for the topics only, never stored as a version: a bill's PDF, a question's thesaurus

    def __post_init__(self) -> None:
        # Hygiene at the door, for every adapter: no control character in
        # what is compared or stored, no bidi control in an identity or link.
        for name in ("key", "ref", "number", "url"):
            object.__setattr__(self, name, clean_identity(getattr(self, name)))
        for name in ("title", "text", "heading", "extra"):
            object.__setattr__(self, name, clean(getattr(self, name)))
        object.__setattr__(self, "notes", tuple(clean(n) for n in self.notes))
        object.__setattr__(self, "events", tuple(one_line(e) for e in self.events))
        if self.status is not None:
            object.__setattr__(self, "status", one_line(self.status))
        if self.published is not None:
            object.__setattr__(self, "published", clean_identity(self.published))


@dataclass(frozen=True)
class Parsed:
    """What an adapter found in one pass."""

    identity: str | None  # e.g. the law's numac: a different one means a wrong page
    title: str
    docs: tuple[Doc, ...]
    texts: Mapping[str, str] = field(default_factory=dict)  # snapshot: every ref on the page -> its text
    warnings: tuple[str, ...] = ()  # worth telling the operator, not worth failing for
    not_modified: bool = False  # snapshot: the page is the same as the last good one (HTTP 304)
    facts: Mapping[str, str | None] = field(default_factory=dict)  # what the page says of itself, for `watcher try`

    @property
    def refs(self) -> frozenset[str]:
        return frozenset(self.texts)


@dataclass
class Capture:
    """One fetch made during a pass, kept for the store (evidence, re-parsing)."""

    url: str
    started_at: str
    fetched: Fetched | None
    sha256: str | None
    error: str | None = None


class Context:
    """What an adapter may use during one pass: fetching, state, known items.

    Fetches go through the shared :class:`~watcher.http.Http` and are only
    recorded here; the pipeline writes them, with everything else, in one
    transaction once the pass is over.
    """

    def __init__(
        self,
        source: Source,
        http: Http,
        *,
        now: Callable[[], str],
        today: date,
        validators: Callable[[str], tuple[str | None, str | None]],
        state: dict[str, Any],
        known: Mapping[str, Document],
        matches: Callable[[str], bool],
        baseline: bool,
        until: float | None = None,
        settings: Settings | None = None,
    ) -> None:
        self.source = source
        self.http = http
        self.now = now
        self.today = today
        self._validators = validators
        self.state = state
        self.known = known  # documents already stored for this source, by key
        self.matches = matches  # does this text touch one of the source's topics?
        self.baseline = baseline  # first good pass: store, do not alert
        self.until = until  # time.monotonic() by which the pass must be over
        self.settings = settings or _default_settings()
        self.captures: list[Capture] = []
        self.earned: dict[str, tuple[str | None, str | None, str]] = {}  # url -> validators to save

    def fetch(self, url: str, *, conditional: bool = False, accept: str | None = None) -> Fetched | None:
        """GET ``url`` (asking for ``accept`` types); None when ``conditional`` and the server says 304."""
        etag, modified = self._validators(url) if conditional else (None, None)
        started = self.now()
        try:
            fetched = self.http.get(url, etag=etag, last_modified=modified, until=self.until, accept=accept)
        except FetchError as e:
            self.captures.append(Capture(url, started, None, None, str(e)))
            raise
        digest = None if fetched.not_modified else hashlib.sha256(fetched.content).hexdigest()
        self.captures.append(Capture(url, started, fetched, digest))
        if fetched.not_modified:
            return None
        if conditional:
            self.earned[url] = (fetched.etag, fetched.last_modified, digest or "")
        return fetched

    def tracked(self) -> list[Document]:
        return [doc for doc in self.known.values() if doc.tracked]


def _default_settings() -> Settings:
    from ..config import Settings

    return Settings()


@cache
def kinds() -> dict[str, Kind]:
    """Every kind, found as the ``KIND`` of each module of this package.

    Adding a kind is adding a module.  The modules import their HTML and
    feed libraries inside their parsers, so reading the declarations stays
    cheap for a watch list of laws.
    """
    found: dict[str, Kind] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        kind = getattr(module, "KIND", None)
        if isinstance(kind, Kind):
            if kind.name in found:
                raise RuntimeError(f"two modules declare the source kind {kind.name!r}")
            found[kind.name] = kind
    return dict(sorted(found.items(), key=lambda kv: _ORDER.get(kv[0], 99)))


# The order `watcher kinds` and the README list them in: the law first.
_ORDER = {"justel": 0, "moniteur": 1, "chamber": 2, "chamber-questions": 3, "feed": 4, "page": 5}


def kind(name: str) -> Kind:
    """The declaration of a kind (kinds are validated in config)."""
    return kinds()[name]
