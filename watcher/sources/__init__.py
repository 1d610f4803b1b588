"""One adapter per kind of site.

An adapter is a module with a pure ``parse(data, url, source, charset) ->
Parsed`` function: bytes in, :class:`Parsed` out, or
:class:`~watcher.errors.ParseError`.  The pipeline does the rest (store,
diff, alerts), the same way for every kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Mapping

from ..config import Source


@dataclass(frozen=True)
class Doc:
    """One watched unit of a source: an article, later a publication or dossier."""

    key: str  # stable identity within the source: "1867060850:fr:458"
    ref: str  # what people call it: "458bis", "56K1110"
    number: str
    title: str
    url: str  # official link, as precise as the site allows
    text: str
    notes: tuple[str, ...] = ()
    heading: str = ""
    reason: str = ""  # why it is watched


@dataclass(frozen=True)
class Parsed:
    """What an adapter found on one payload."""

    identity: str | None  # e.g. the law's numac: a different one means a wrong page
    title: str
    docs: tuple[Doc, ...]  # the watched ones

    @property
    def refs(self) -> frozenset[str]:
        return frozenset(self.texts)
    texts: Mapping[str, str] = field(default_factory=dict)  # every ref on the page -> its text, watched or not
    warnings: tuple[str, ...] = ()  # worth telling the operator, not worth failing for


Adapter = Callable[[bytes, str, Source, "str | None"], Parsed]


def adapter(kind: str) -> Adapter:
    """The parse function for a source kind (kinds are validated in config)."""
    from . import justel

    adapters: dict[str, Adapter] = {"justel": justel.parse}
    return adapters[kind]
