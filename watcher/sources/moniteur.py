"""Moniteur belge / Belgisch Staatsblad: the daily summary (2024 layout).

The configured URL is the summary without a date, e.g.
``https://www.ejustice.just.fgov.be/cgi/summary.pl?language=fr``; each pass
reads ``&sum_date=YYYY-MM-DD`` for the days since the last one read (at
most ``catch_up_days`` of them, most recent first kept), so a watcher that
was off for some days catches up.

Structure, from ../shared/DOMAIN.md (no whole summary page is recorded;
the list-item markup is recorded on the company-annex list pages and one
real row in ``mb_summary_derived_row_2025-02-12_VeilleMoniteur.csv``):

* sections ``div[id^=list-title-]`` with an ``h2``;
* an item is ``p.list-item--subtitle`` (the authority) followed by
  ``a.list-item--title`` (the title, ending in ", p. 26193."), linking to
  ``article.pl?…&numac_search=2025001223…``;
* a publication page has ``span.tag`` (numac), ``h1.page__title`` and the
  body in ``main … .article-text``.

For legislative sections ("Lois, décrets, ordonnances et règlements" /
"Wetten, decreten, ordonnanties en verordeningen") each new publication's
text is fetched, because amending laws have generic titles and the words
that matter ("Dans l'article 458 du Code pénal …") are in the body.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

from ..errors import FetchError, ParseError
from ..keys import Key, between
from ..text import collapse
from . import Context, Doc, Kind, Parsed

if TYPE_CHECKING:
    from ..config import Source
from ._soup import soup as make_soup

_LEGISLATIVE = re.compile(r"lois|décrets|decrets|wetten|decreten|ordonnan|règlements|verordeningen", re.IGNORECASE)
_PAGE_REF = re.compile(r",?\s*p\.\s*\d+\s*\.?\s*$")
_NUMAC = re.compile(r"numac_search=(\d{4}[0-9A-Z]\d{5})\b")  # a numac may carry a letter: 2010A09589
_NUMAC_ONLY = re.compile(r"\d{4}[0-9A-Z]\d{5}")


@dataclass(frozen=True)
class Entry:
    numac: str
    day: str  # ISO date of the issue
    authority: str
    title: str
    url: str
    section: str
    legislative: bool


def parse_summary(data: bytes, url: str, day: str) -> list[Entry]:
    """The publications of one daily summary.

    A page without the summary's list structure is a :class:`ParseError`; a
    recognisable summary with no item (a day without an issue) is an empty list.
    """
    if not data.strip():
        raise ParseError("empty summary page")
    soup = make_soup(data)
    sections = soup.select("div[id^=list-title-]")
    if not sections and not soup.select("div.list, main .list, p.list-item--subtitle"):
        raise ParseError("not a Moniteur summary page: no div[id^=list-title-] section")
    if soup.select_one("div#list-title-3 a[name^='Art.'], div#list-title-3 a[NAME^='Art.']") or "cgi_tsv" in url:
        raise ParseError("not a Moniteur summary page: this is a Justel law or a company-annex page")
    titles = soup.select("a.list-item--title")
    if titles and not any(_NUMAC.search(str(a.get("href") or "")) for a in titles):
        raise ParseError("not a Moniteur summary page: its items link to no numac_search publication")
    entries: list[Entry] = []
    for section in sections or [soup]:
        h2 = section.find("h2")
        heading = collapse(h2.get_text(" ")) if h2 else ""
        authority = ""
        for el in section.select("p.list-item--subtitle, a.list-item--title"):
            classes: list[str] = list(el.get("class") or [])
            if "list-item--subtitle" in classes:
                authority = collapse(el.get_text(" "))
                continue
            href = str(el.get("href") or "")
            m = _NUMAC.search(href)
            if not m:
                continue
            title = _PAGE_REF.sub("", collapse(el.get_text(" ")))
            entries.append(
                Entry(
                    numac=m.group(1),
                    day=day,
                    authority=authority,
                    title=title,
                    url=urljoin(url, href),
                    section=heading,
                    legislative=bool(_LEGISLATIVE.search(heading)),
                )
            )
    return entries


def parse_publication(data: bytes) -> tuple[str | None, str, str]:
    """(numac, title, body text) of a publication page."""
    soup = make_soup(data)
    tag = soup.select_one(".page__section--top span.tag, span.tag")
    h1 = soup.select_one("h1.page__title, h1")
    body = soup.select_one("main .article-text, .article-text")
    if body is None:
        raise ParseError("not a Moniteur publication page: no .article-text body")
    for br in body.find_all("br"):
        br.replace_with("\n")
    text = "\n".join(collapse(line) for line in body.get_text().split("\n") if line.strip())
    if not text:
        raise ParseError("Moniteur publication page with an empty body")
    numac = collapse(tag.get_text()) if tag else None
    if not numac or not _NUMAC_ONLY.fullmatch(numac):
        # A company annex or any other page with an .article-text body is
        # not a publication: its text must never stand for a law's body.
        raise ParseError("not a Moniteur publication page: no numac tag (span.tag)")
    return numac, collapse(h1.get_text(" ")) if h1 else "", text


def day_url(base: str, day: date, edition: int = 1) -> str:
    """The summary of one edition of one day (``s_editie``; a day may have a second edition)."""
    parts = urlsplit(base)
    query = {k: v[0] for k, v in parse_qs(parts.query).items() if k not in ("sum_date", "s_editie")}
    query["sum_date"] = day.isoformat()
    if edition > 1:
        query["s_editie"] = str(edition)
    return urlunsplit(parts._replace(query=urlencode(query)))


MAX_EDITIONS = 3  # a day has one edition, now and then two


def read_day(ctx: Context, day: date) -> list[Entry]:
    """Every publication of a day, across its editions.

    Edition 1 is the day's summary (its failure fails the pass).  Further
    editions are looked for until one is absent: an error, an empty summary,
    or the same publications again (how the site answers an edition that
    does not exist is not recorded, so each of these ends the search).
    """
    url = day_url(ctx.source.url, day)
    fetched = ctx.fetch(url)
    assert fetched is not None
    entries = parse_summary(fetched.content, fetched.final_url or url, day.isoformat())
    seen = {e.numac for e in entries}
    for edition in range(2, MAX_EDITIONS + 1):
        if not entries:
            break
        url = day_url(ctx.source.url, day, edition)
        try:
            more = ctx.fetch(url)
            assert more is not None
            found = parse_summary(more.content, more.final_url or url, day.isoformat())
        except (FetchError, ParseError):
            ctx.captures.pop()  # an absent edition is no failed fetch of the source
            break
        new = [e for e in found if e.numac not in seen]
        if not new:
            break
        entries += new
        seen |= {e.numac for e in new}
    return entries


def days_to_read(last: str | None, today: date, bound: int) -> list[date]:
    """The days from ``last`` up to today, at most ``bound`` most recent.

    ``last`` itself is read again: its issue may have come out after the
    previous pass; items already stored are skipped.
    """
    if not last:
        return [today]
    start = date.fromisoformat(last)
    days = [start + timedelta(days=i) for i in range((today - start).days + 1)]
    return days[-bound:] if days else []


def preview(data: bytes, url: str, source: Source) -> Parsed:
    """A summary as its publications, or one publication page with its body."""
    if b"article-text" in data and b"list-item--title" not in data:
        numac, title, body = parse_publication(data)
        return Parsed(None, title, (Doc(key=numac or "", ref=numac or "", number=numac or "", title=title, url=url, text=body),))
    day = (parse_qs(urlsplit(url).query).get("sum_date") or [""])[0]
    entries = parse_summary(data, url, day)
    docs = tuple(
        Doc(key=e.numac, ref=e.numac, number=e.numac, title=f"{e.title} ({e.authority})" if e.authority else e.title,
            url=e.url, text=e.title, published=e.day or None)
        for e in entries
    )
    return Parsed(None, "Moniteur belge", docs, facts={"publications": str(len(entries)),
                  "legislative": str(sum(e.legislative for e in entries))})


def collect(ctx: Context) -> Parsed:
    source = ctx.source
    days = days_to_read(ctx.state.get("last_day"), ctx.today, source.options["catch_up_days"])
    docs: list[Doc] = []
    warnings: list[str] = []
    empty_weekdays = int(ctx.state.get("empty_weekdays", 0))
    for day in days:
        entries = read_day(ctx, day)
        if not entries and day.weekday() < 5 and day < ctx.today:
            # No issue on a past weekday happens (public holidays), three in a
            # row does not: the page has most likely changed.
            empty_weekdays += 1
            if empty_weekdays >= 3:
                raise ParseError(f"no publication listed for {empty_weekdays} weekdays in a row (last {day}); the summary page may have changed")
        elif entries:
            empty_weekdays = 0
        for entry in entries:
            if entry.numac in ctx.known:
                continue  # already stored, with its body
            text, sha = entry.title, None
            # Bodies only for new legislative items, and not during the
            # baseline (nothing is alerted then).
            if entry.legislative and not ctx.baseline:
                try:
                    pub = ctx.fetch(entry.url)
                    assert pub is not None
                    numac, _, body = parse_publication(pub.content)
                    if numac and numac != entry.numac:
                        raise ParseError(f"the page shows numac {numac}")
                except (FetchError, ParseError) as e:
                    # Left out of this pass (so retried on the next one), not
                    # stored title-only: its body may hold the words that matter.
                    warnings.append(f"publication {entry.numac} of {entry.day}: {e}")
                    continue
                text, sha = body, ctx.captures[-1].sha256
            docs.append(
                Doc(
                    key=entry.numac,
                    ref=entry.numac,
                    number=entry.numac,
                    title=f"{entry.title} ({entry.authority})" if entry.authority else entry.title,
                    url=entry.url,
                    text=text,
                    published=entry.day,
                    sha256=sha,
                )
            )
    if days:
        ctx.state["last_day"] = days[-1].isoformat()
    ctx.state["empty_weekdays"] = empty_weekdays
    return Parsed(None, "Moniteur belge", tuple(docs), warnings=tuple(warnings))


KIND = Kind(
    name="moniteur",
    description=(
        "The Moniteur belge / Belgisch Staatsblad daily summary: each pass reads the days since the last one read "
        "(catching up after an outage), and the body of each new legislative publication, because amending laws "
        "have generic titles. Three empty weekdays in a row, or a page that is not a summary, is a broken source."
    ),
    mode="stream",
    collect=collect,
    preview=preview,
    keys=(
        Key("catch_up_days", "int", 7, "When watcher was off, how many missed days to read at most.", check=between(1, 60)),
    ),
    parse_keys=(),  # how far back to read changes no parse
)
