"""``watcher try``: what an adapter makes of one page, written nowhere.

The page is fetched politely (robots.txt, host delay, the User-Agent, the
kind's Accept header) or read from a saved file, then read by the kind's
pure parsers (:attr:`watcher.sources.Kind.preview`).  Each item is matched
against the topics, as a check would.  Nothing touches the database.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .config import Config, Settings, Source, Topic, source_from
from .errors import ConfigError, FetchError, ParseError
from .http import Http
from .matching import Matcher, classify
from .sources import kind as declared


@dataclass
class Trial:
    """What ``watcher try`` found; ``as_json`` is the ``--json`` shape."""

    kind: str
    url: str
    bytes: int = 0
    sha256: str = ""
    recognised: bool = False
    title: str = ""
    facts: dict[str, Any] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    problem: str = ""  # why nothing was recognised: the parser's word and the likeliest cause

    def as_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "url": self.url, "bytes": self.bytes, "sha256": self.sha256,
            "recognised": self.recognised, "title": self.title, "facts": self.facts,
            "items": self.items, "warnings": self.warnings, "problem": self.problem or None,
        }


def parse_key(text: str) -> tuple[str, Any]:
    """``name=value`` from ``--key``: the value as TOML when it reads as TOML
    (``articles=["458"]``, ``catch_up_days=3``), else as a plain string."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ConfigError(f'--key "{text}": write it as name=value, e.g. --key item_selector=div.news')
    try:
        parsed = tomllib.loads(f"v = {value}")["v"]
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):
        parsed = value
    return name.strip(), parsed


def adhoc_source(kind: str, url: str, keys: list[str], topics: tuple[Topic, ...]) -> Source:
    """A source made from the command line, validated like one in sources.toml."""
    raw: dict[str, Any] = {"id": "try", "kind": kind, "url": url}
    raw.update(parse_key(k) for k in keys)
    return source_from(raw, {t.id for t in topics}, where="the command line (--kind, --url, --key)")


_BOT_WALL = re.compile(
    rb"just a moment|checking your browser|cf-chl|captcha|are you a robot|access denied|verifying you are human",
    re.IGNORECASE,
)


def likely_cause(data: bytes) -> str:
    """A guess, for people, at why a page was not recognised."""
    head = data[:20000]
    if not data.strip():
        return "the answer is empty"
    if _BOT_WALL.search(head):
        return "a bot wall (a challenge page served instead of the content)"
    if re.search(rb"Help Eli|ELI\s+-\s+BELGI", head, re.IGNORECASE):
        return 'the ELI "no result" page: the address names no text'
    if head.lstrip().startswith((b"{", b"[")):
        return "a JSON answer, not the page this kind reads"
    if re.search(rb"<(rss|feed)\b", head):
        return "a feed, not the page this kind reads (kind feed?)"
    return "another page than this kind reads, or the site's layout changed (no rows found)"


def run_trial(
    source: Source, topics: tuple[Topic, ...], settings: Settings, *, file: Path | None = None
) -> Trial:
    kind = declared(source.kind)
    trial = Trial(kind=source.kind, url=source.url)
    if file is not None:
        data = file.read_bytes()
    else:
        http = Http(settings)
        try:
            data = http.get(source.url, accept=kind.accept).content
        except FetchError as e:
            trial.problem = f"could not fetch the page: {e}"
            return trial
        finally:
            http.close()
    trial.bytes = len(data)
    trial.sha256 = hashlib.sha256(data).hexdigest()
    if kind.preview is None:
        trial.problem = f"kind {kind.name} has no preview"
        return trial
    try:
        parsed = kind.preview(data, source.url, source)
    except ParseError as e:
        trial.problem = f"{e} — likely {likely_cause(data)}"
        return trial
    trial.recognised = True
    trial.title = parsed.title
    trial.facts = {k: v for k, v in parsed.facts.items() if v is not None}
    trial.warnings = list(parsed.warnings)
    matcher = Matcher(topics)
    for doc in parsed.docs:
        hits = classify(matcher, f"{doc.title}\n{doc.text}\n{doc.extra}".rstrip(), source.topics, date=doc.published)
        trial.items.append({
            "ref": doc.ref, "title": doc.title, "url": doc.url, "published": doc.published, "status": doc.status,
            "why_watched": "; ".join(r.text("en") for r in doc.reason) or None,
            "topics": list(hits.topics), "matched": list(hits.matches), "snippet": hits.snippet,
        })
    return trial


def render(trial: Trial) -> str:
    lines = [f"{trial.kind}  {trial.url}"]
    if trial.bytes:
        lines.append(f"  {trial.bytes} bytes, sha256 {trial.sha256[:16]}…")
    if not trial.recognised:
        lines.append(f"  NOT RECOGNISED: {trial.problem}")
        return "\n".join(lines)
    lines.append(f"  recognised: {trial.title or '(untitled)'}")
    lines += [f"  {k}: {v}" for k, v in trial.facts.items()]
    lines += [f"  warning: {w}" for w in trial.warnings]
    noun = "watched article(s)" if trial.kind == "justel" else "item(s)"
    lines.append(f"  {len(trial.items)} {noun}:")
    for it in trial.items:
        when = f" [{it['published']}]" if it["published"] else ""
        status = f" ({it['status']})" if it["status"] else ""
        lines.append(f"  - {it['ref']}{when}{status}: {it['title']}")
        if it["url"]:
            lines.append(f"      {it['url']}")
        if it["why_watched"]:
            lines.append(f"      watched because: {it['why_watched']}")
        if it["topics"]:
            lines.append(f"      topics: {', '.join(it['topics'])} — matched {', '.join(it['matched']) or '(followed source)'}")
    return "\n".join(lines)


def topics_and_settings(config: Config | None) -> tuple[tuple[Topic, ...], Settings]:
    return (config.topics, config.settings) if config else ((), Settings())
