"""Plain data passed between fetch, parse, store and alert.

Parsers return these; nothing here touches the network or the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fetched:
    """One HTTP exchange, as the pipeline needs it."""

    url: str  # the URL asked for
    final_url: str  # after redirects
    status: int
    content: bytes  # empty on 304
    content_type: str | None
    etag: str | None
    last_modified: str | None
    not_modified: bool
    duration_ms: int
    charset: str | None = None  # as declared in Content-Type, a hint only


@dataclass(frozen=True)
class Article:
    """One article of a consolidated law, as printed on Justel."""

    ref: str  # canonical number: "458", "458bis", "433novies/5", "M"
    number: str  # as printed after "Art.": "458", "1er", "M"
    text: str  # normalized legal text, lines joined by "\n"
    notes: tuple[str, ...] = ()  # amendment notes, kept apart from the text
    heading: str = ""  # the structural headings above it, "LIVRE II > TITRE V > ..."


@dataclass(frozen=True)
class Law:
    """A consolidated law page from Justel."""

    url: str
    layout: str  # "2024" or "old"
    language: str  # "fr", "nl" or "de"
    title: str
    numac: str | None
    dossier: str | None  # the "cn" written as printed: "1867-06-08/01"
    updated: str | None  # "mise à jour au" / "bijgewerkt tot", ISO date
    in_force: str | None  # entry into force, ISO date
    articles: tuple[Article, ...] = field(default_factory=tuple)

    def article(self, ref: str) -> Article | None:
        for art in self.articles:
            if art.ref == ref:
                return art
        return None
