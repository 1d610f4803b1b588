"""sources.toml -> frozen dataclasses, validated strictly before anything runs.

Every key is declared once: the tables' keys as the fields of their
dataclass (:class:`Settings`, :class:`Topic`, :class:`Source` …, through
:func:`watcher.keys.setting`), a source kind's own keys in its adapter module
(:class:`watcher.sources.Kind`).  The validator, ``watcher kinds``, the README
tables and ``tests/test_docs.py`` all read these declarations.

Every error names the file, the table, the key and, where it can be found,
the line: ``sources.toml, line 14: [[source]] "code-penal-fr": unknown key
"artciles" (did you mean "articles"?)``.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .keys import (
    Key,
    between,
    duration,
    keys_of,
    nonempty,
    nonempty_items,
    one_of,
    parse_duration,
    path,
    setting,
    slug,
)
from .keys import url as http_url
from .sources import kinds

__all__ = [
    "Config", "Digest", "Settings", "Smtp", "Source", "Topic", "load", "parse_duration", "source_from", "source_keys",
]

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list[str]": (list,),
}


_ZONE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$")


def _timezone(v: Any) -> str | None:
    problem = f'"{v[:80]}" is not an IANA time zone such as "Europe/Brussels"'
    if len(v) > 64 or not _ZONE.match(v):
        return problem
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: a folder of zones ("Europe"), on some systems
        return problem
    return None


def _cron(v: Any) -> str | None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(v)
    except ValueError as e:
        return f'"{v}" is not a crontab line such as "0 7 * * 1-5" ({e})'
    return None


def _iso_date(v: Any) -> str | None:
    if not v:
        return None
    try:
        date.fromisoformat(v)
    except ValueError:
        return f'"{v}" is not a date such as "2026-04-08"'
    return None


def _durations(v: Any) -> str | None:
    if not v:
        return "must name at least one duration"
    for item in v:
        problem = duration(item)
        if problem:
            return problem
    return None


def _kind(v: Any) -> str | None:
    known = kinds()
    return None if v in known else f'"{v}" is not a known kind; known kinds: {", ".join(known)}'


_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _email(v: Any) -> str | None:
    return None if _EMAIL.match(v) else f'"{v}" is not an e-mail address'


def _emails(v: Any) -> str | None:
    bad = [a for a in v if not _EMAIL.match(a)]
    if not v:
        return "must name at least one address"
    return f'"{bad[0]}" is not an e-mail address' if bad else None


def _clock(v: Any) -> str | None:
    m = re.match(r"^([01]\d|2[0-3]):([0-5]\d)$", v)
    return None if m else f'"{v}" is not a time such as "07:00"'


def _env_name(v: Any) -> str | None:
    return None if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", v) else f'"{v}" is not an environment variable name'


@dataclass(frozen=True)
class Settings:
    """``[settings]``: one declaration per key; ``Http``, the scheduler and the CLI read this object."""

    contact: str = setting("", "Contact (e-mail or URL) put in the User-Agent so site operators can reach you.")
    database: str = setting("watcher.db", "SQLite database path, relative to the config file.", check=path)
    archive_dir: str = setting(
        "alerts", "Folder of the static alert archive, relative to the config file.", check=path
    )
    archive_url: str = setting(
        "", "Public address of the exported archive, e.g. `https://veille.example/` (makes the feeds' links absolute)."
    )
    timezone: str = setting("Europe/Brussels", "Time zone for dates shown to people.", check=_timezone)
    timeout: float = setting(30.0, "Seconds before an HTTP request is abandoned.", check=between(0, 3600, low_open=True))
    max_bytes: int = setting(20_000_000, "Largest response accepted, in bytes.", check=between(1000, 2_000_000_000))
    host_delay: float = setting(5.0, "Minimum seconds between two requests to the same host.", check=between(0, 3600))
    deadline: float = setting(
        120.0,
        "Seconds one request may take in all, however slowly the server sends (the `timeout` applies to each read).",
        check=between(0.1, 86400),
    )
    source_deadline: float = setting(
        600.0,
        "Seconds one source's pass may take in all (its requests and politeness waits); past it the pass fails "
        "and is counted like any failure, so a `watcher check` never holds the database for longer than the sum "
        "of its sources' deadlines.",
        check=between(1, 86400),
    )
    retry_delays: tuple[str, ...] = setting(
        ("5m", "15m", "1h"),
        "`watcher run`: after a failed check, try the source again after these delays in turn (the last one "
        "repeats), never later than its normal schedule; Retry-After and host politeness still hold.",
        check=lambda v: _durations(v),
    )
    track_final_days: int = setting(
        60,
        "Days a tracked Chamber dossier is still read after reaching a final status (adopted, rejected, lapsed, "
        "withdrawn, published) with no change since; then it is no longer fetched (its history stays).",
        check=between(1, 3650),
    )
    failures_before_broken: int = setting(
        3,
        "Consecutive fetch failures before a source is reported broken (a page that no longer parses is broken at once).",
        check=between(1, 1000),
    )
    retries: int = setting(
        2, "Retries of a request after a transient error (connection error, 5xx, 429) within one pass.", check=between(0, 10)
    )
    backoff: float = setting(2.0, "Seconds before the first retry; doubled for each next one.", check=between(0, 600))
    max_retry_after: float = setting(
        300.0,
        "Longest `Retry-After` (429/503) waited for within a pass; a longer one fails the pass and holds every source "
        "of that host back for this long.",
        check=between(0, 86400),
    )
    workers: int = setting(
        4, "Sources `watcher check` works on at once; politeness per host holds whatever the number.", check=between(1, 32)
    )
    robots: bool = setting(
        True, "Honour each host's robots.txt (Disallow, and Crawl-delay when larger than `host_delay`); cached for a day."
    )
    every: str = setting(
        "6h", 'Default schedule of the sources for `watcher run`: `"30m"`, `"6h"`, `"1d"`, `"1h30m"`.', check=duration
    )
    jitter: float = setting(
        60.0,
        "Random delay of up to this many seconds added to each scheduled run (at most a tenth of the interval).",
        check=between(0, 3600),
    )


@dataclass(frozen=True)
class Topic:
    """``[[topic]]``: what an item must touch to be news."""

    id: str = setting(help="Stable identifier of the topic.", check=slug)
    title: str = setting("", "Name shown to readers.")
    terms: tuple[str, ...] = setting(
        (),
        "Words and phrases of the topic: case- and accent-insensitive, whole words; plurals and Dutch inflections "
        'count ("secrets professionnels", "huisbezoeken", "het elektronische sociale dossier").',
        check=nonempty_items,
    )
    articles: tuple[str, ...] = setting(
        (),
        'Article numbers the topic follows, e.g. `["458", "458bis"]`: "art. 458", "l\'article 458, alinéa 2", '
        '"artikel 458 Sw.", "les articles 458 et 458bis" match; "4580" and "1458" do not.',
        check=nonempty_items,
    )
    laws: tuple[str, ...] = setting(
        (),
        'Names of the law those articles belong to, e.g. `["Code pénal", "Strafwetboek", "Sw."]`. A reference '
        'followed by another law ("article 458 du Code civil", "artikel 458 van het Burgerlijk Wetboek", "du Code '
        'pénal social") does not match; "du même Code" refers to the law named last; an unqualified one matches, '
        'except a one- or two-digit number ("art. 36"), which needs one of these names somewhere in the text, and '
        'the text\'s own "Art. 50." headings. Default: the Code pénal / Strafwetboek. A term written as a reference '
        '(`"art. 458"`, `"artikel 458 Sw."`, `"458bis"`) is read as one.',
        check=nonempty_items,
    )
    terms_in_context: tuple[str, ...] = setting(
        (),
        'Words and phrases that count only when one of the `context` words is in the same item (or within `within` '
        'words): "enquête sociale" near "CPAS", not the family court\'s.',
        check=nonempty_items,
    )
    context: tuple[str, ...] = setting(
        (),
        'Words that make a `terms_in_context` term count, and that lift `exclude`: "CPAS", "OCMW", "travailleur '
        'social", "maatschappelijk werker" …',
        check=nonempty_items,
    )
    within: int = setting(
        0,
        "How near a `context` word must be to a `terms_in_context` term, in words; 0: anywhere in the item.",
        check=between(0, 10000),
    )
    exclude: tuple[str, ...] = setting(
        (),
        'Words that mark an item as another field (lawyers\' or bankers\' secrecy, the French "CCAS"): the topic does '
        "not match it, unless one of the `context` words is there too.",
        check=nonempty_items,
    )
    renumbered_on: str = setting(
        "",
        'The date (ISO) from which the topic\'s `laws` number their articles anew, e.g. "2026-04-08" for the new Code '
        'pénal: in a text dated from then on, "article N" of those laws means `renumbered_articles`, unless the text '
        'says "de 1867", "ancien" or "oud".',
        check=lambda v: _iso_date(v),
    )
    renumbered_articles: tuple[str, ...] = setting(
        (),
        'Article numbers followed in texts dated from `renumbered_on` (or citing the "nouveau Code pénal"), e.g. '
        '`["352", "353"]`.',
        check=nonempty_items,
    )


@dataclass(frozen=True)
class Source:
    """``[[source]]``: the keys every kind has; a kind's own keys are in ``options``.

    ``options`` holds every key the kind declares (its default when the
    config leaves it out), so an adapter reads ``source.options["articles"]``
    without a second copy of the defaults.
    """

    id: str = setting(help="Stable identifier; alerts and history hang on it, never on the URL.", check=slug)
    kind: str = setting(help="Adapter to use; `watcher kinds` lists them.", check=_kind)
    url: str = setting(help="Official page to poll (http or https).", check=http_url)
    title: str = setting("", "Name shown to readers (default: the page's own title).")
    topics: tuple[str, ...] = setting(
        (),
        "Ids of `[[topic]]` tables. For `justel`, the topics its alerts belong to; for the other kinds, the topics "
        "its items are matched against (absent: all topics).",
    )
    enabled: bool = setting(True, "Set to false to keep a source (and its history) without polling it.")
    every: str = setting(
        "",
        'How often `watcher run` checks it, e.g. `"6h"`; down to `"1s"` (with a warning under 5 minutes).',
        check=duration,
        shown_default="`[settings] every`",
    )
    cron: str = setting(
        "", 'Instead of `every`: a crontab line in the configured time zone, e.g. `"0 7 * * 1-5"`.', check=_cron
    )
    options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Smtp:
    """``[smtp]``: how digests are sent."""

    host: str = setting(help="SMTP server name.", check=nonempty)
    from_: str = setting(help="Sender address of the digests.", check=_email, name="from")
    port: int = setting(587, "SMTP port (587 for starttls, 465 for ssl, 25 for none).", check=between(1, 65535))
    security: str = setting(
        "starttls", 'Transport security: "starttls", "ssl" or "none".', check=one_of("starttls", "ssl", "none")
    )
    username: str = setting("", "Login name (empty: no login).")
    password_env: str = setting(
        "", "Name of the environment variable holding the password (never the password itself).", check=_env_name
    )
    timeout: float = setting(30.0, "Seconds before the SMTP server is given up.", check=between(0, 600, low_open=True))


@dataclass(frozen=True)
class Digest:
    """``[[digest]]``: one e-mail digest and its recipients."""

    id: str = setting(help="Stable identifier of the digest.", check=slug)
    to: tuple[str, ...] = setting(help="Recipient addresses.", check=_emails, type="list[str]")
    topics: tuple[str, ...] = setting((), "Topics it carries (absent: all); broken sources are always reported.")
    frequency: str = setting(
        "daily",
        '"immediate" (at the end of the pass that found the alert), "daily" or "weekly".',
        check=one_of("immediate", "daily", "weekly"),
    )
    at: str = setting("07:00", "Time of day it is sent (daily and weekly), in the configured time zone.", check=_clock)
    weekday: str = setting("monday", "Day it is sent (weekly).", check=one_of(*WEEKDAYS))
    language: str = setting("fr", '"fr" or "nl".', check=one_of("fr", "nl"))
    send_empty: bool = setting(
        True, "Send a digest even when nothing changed, so that silence is never ambiguous (not for immediate)."
    )
    title: str = setting("", "Name in the subject and List-Id (default: the id).")


@dataclass(frozen=True)
class Notify:
    """``[[notify]]``: immediate short alerts to chat and social services, through Apprise."""

    id: str = setting(help="Stable identifier of the notification target.", check=slug)
    url: str = setting(
        "", 'An Apprise URL without a secret, e.g. `"json://127.0.0.1:9000/hook"`; see apprise\'s documentation.'
    )
    url_env: str = setting(
        "",
        "Name of the environment variable holding an Apprise URL with its secret (a Matrix, Telegram, Signal, "
        'Mastodon or Slack token): `"WATCHER_MATRIX_URL"`. Give `url` or `url_env`.',
        check=_env_name,
    )
    topics: tuple[str, ...] = setting((), "Topics it carries (absent: all); broken sources are not sent here.")
    language: str = setting("fr", '"fr" or "nl".', check=one_of("fr", "nl"))


SETTINGS = keys_of(Settings)
TOPIC_KEYS = keys_of(Topic)
COMMON_SOURCE_KEYS = keys_of(Source)
SMTP_KEYS = keys_of(Smtp)
DIGEST_KEYS = keys_of(Digest)
NOTIFY_KEYS = keys_of(Notify)

TABLES: dict[str, tuple[Key, ...]] = {
    "settings": SETTINGS, "topic": TOPIC_KEYS, "source": COMMON_SOURCE_KEYS, "smtp": SMTP_KEYS, "digest": DIGEST_KEYS,
    "notify": NOTIFY_KEYS,
}
"""The keys of each table; a source's kind adds its own (``watcher.sources.kinds()``)."""


def source_keys(kind: str) -> tuple[Key, ...]:
    """Every key a ``[[source]]`` of this kind accepts."""
    return COMMON_SOURCE_KEYS + kinds()[kind].keys


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    topics: tuple[Topic, ...] = ()
    sources: tuple[Source, ...] = field(default_factory=tuple)
    smtp: Smtp | None = None
    digests: tuple[Digest, ...] = ()
    notifies: tuple[Notify, ...] = ()

    def digest(self, digest_id: str) -> Digest:
        for d in self.digests:
            if d.id == digest_id:
                return d
        known = ", ".join(d.id for d in self.digests) or "none"
        raise ConfigError(f'{self.path.name}: no [[digest]] with id "{digest_id}" (known: {known})')

    @property
    def database_path(self) -> Path:
        return (self.path.parent / self.settings.database).resolve()

    @property
    def archive_path(self) -> Path:
        return (self.path.parent / self.settings.archive_dir).resolve()

    def source(self, source_id: str) -> Source:
        for s in self.sources:
            if s.id == source_id:
                return s
        known = ", ".join(s.id for s in self.sources) or "none"
        raise ConfigError(f'{self.path.name}: no [[source]] with id "{source_id}" (known: {known})')

    def topics_of(self, source: Source) -> tuple[Topic, ...]:
        """The topics a source's items are matched against (all when it names none)."""
        if not source.topics:
            return self.topics
        return tuple(t for t in self.topics if t.id in source.topics)

    def fingerprint(self, source: Source) -> str:
        """What a parse of this source depends on besides the bytes.

        Every key its kind says changes parsing, and the definitions of the
        topics it is matched against: when any changes, the stored HTTP
        validators no longer apply and the next check reads the page in
        full, even where the server would answer 304.
        """
        kind = kinds()[source.kind]
        parts: list[Any] = [source.kind, source.url]
        parts += [[k.name, source.options.get(k.name)] for k in kind.keys if kind.changes_parse(k.name)]
        if kind.mode == "stream":
            parts += [
                [t.id, t.terms, t.articles, t.laws, t.terms_in_context, t.context, t.within, t.exclude,
                 t.renumbered_on, t.renumbered_articles]
                for t in self.topics_of(source)
            ]
        blob = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=list)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def load(path: str | Path) -> Config:
    """Read and validate a configuration file, or raise :class:`ConfigError`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found (use --config or WATCHER_CONFIG)") from None
    except OSError as e:
        raise ConfigError(f"{path}: cannot read: {e.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{path}: not UTF-8 (byte {e.start})") from None
    loc = _Locator(path, text)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise ConfigError(f"{path.name}: nested too deeply to be a watcher configuration") from None
    except ValueError as e:
        if not isinstance(e, tomllib.TOMLDecodeError):  # e.g. an integer of thousands of digits
            raise ConfigError(f"{path.name}: a value is too large to read ({str(e)[:120]})") from None
        line = _line_of(str(e))
        where = loc.table_at(line) if line else None
        key = loc.key_at(line) if line else None
        table = (f" in {where}" if where else "") + (f' key "{key}"' if key else "")
        raise ConfigError(f"{path.name}{f', line {line}' if line else ''}: TOML syntax error{table}: {e}") from None
    return _validate(data, loc)


def _line_of(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


class _Locator:
    """Finds the line of a table or key in the TOML text, for error messages.

    tomllib keeps no positions; a line scan is enough for the plain layout
    a config file has, and when it finds nothing the message just has no line.
    """

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?")

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.lines = text.splitlines()
        self.headers: list[tuple[int, str, int]] = []  # (line, table, occurrence)
        counts: dict[str, int] = {}
        for no, line in enumerate(self.lines, 1):
            m = self._HEADER.match(line)
            if m:
                name = m.group(2)
                counts[name] = counts.get(name, 0) + 1
                self.headers.append((no, name, counts[name] - 1))

    def table_at(self, line: int) -> str | None:
        current = None
        for no, name, idx in self.headers:
            if no > line:
                break
            current = f"[[{name}]] #{idx + 1}" if name in ("topic", "source", "digest", "notify") else f"[{name}]"
        return current

    def key_at(self, line: int) -> str | None:
        if 0 < line <= len(self.lines):
            m = re.match(r"^\s*([A-Za-z0-9_-]+)\s*=", self.lines[line - 1])
            return m.group(1) if m else None
        return None

    def line_of(self, table: str, index: int | None, key: str | None) -> int | None:
        start, end = None, len(self.lines) + 1
        for pos, (no, name, idx) in enumerate(self.headers):
            if name == table and (index is None or idx == index):
                start = no
                if pos + 1 < len(self.headers):
                    end = self.headers[pos + 1][0]
                break
        if start is None:
            return None
        if key is None:
            return start
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*=")
        for no in range(start + 1, end):
            if pattern.match(self.lines[no - 1]):
                return no
        return start

    def error(self, table: str, index: int | None, ident: str | None, key: str | None, msg: str) -> ConfigError:
        line = self.line_of(table, index, key)
        where = f"[{table}]" if index is None else f"[[{table}]] #{index + 1}"
        if ident:
            where += f' (id "{ident}")'
        keypart = f' key "{key}"' if key else ""
        lpart = f", line {line}" if line else ""
        return ConfigError(f"{self.path.name}{lpart}: {where}{keypart}: {msg}")


def _check_table(
    raw: Any, keys: tuple[Key, ...], loc: _Locator, table: str, index: int | None
) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise loc.error(table, index, None, None, "must be a table")
    ident = raw.get("id") if isinstance(raw.get("id"), str) else None
    known = {k.name: k for k in keys}
    for name in raw:
        if name not in known:
            close = difflib.get_close_matches(name, known, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise loc.error(
                table, index, ident, name,
                f"unknown key{hint}; valid keys are: {', '.join(known)}",
            )
    out: dict[str, Any] = {}
    for k in keys:
        if k.name not in raw:
            if k.required:
                raise loc.error(table, index, ident, None, f'missing required key "{k.name}" ({k.help})')
            continue
        v = raw[k.name]
        ok = isinstance(v, _PY_TYPES[k.type]) and not (k.type in ("int", "float") and isinstance(v, bool))
        if ok and k.type == "list[str]":
            ok = all(isinstance(item, str) for item in v)
        if not ok:
            raise loc.error(table, index, ident, k.name, f"must be {_describe(k.type)}, not {_describe_value(v)}")
        if k.check:
            problem = k.check(v)
            if problem:
                raise loc.error(table, index, ident, k.name, problem)
        out[k.name] = tuple(v) if k.type == "list[str]" else (float(v) if k.type == "float" else v)
    return out


def _describe(t: str) -> str:
    return {
        "str": "a string",
        "int": "an integer",
        "float": "a number",
        "bool": "true or false",
        "list[str]": "a list of strings",
    }[t]


def _describe_value(v: Any) -> str:
    if isinstance(v, bool):
        return "a boolean"
    if isinstance(v, str):
        return f'the string "{v}"'
    if isinstance(v, (int, float)):
        return f"the number {v}"
    if isinstance(v, list):
        return "a list" + (" with non-string items" if v else "")
    if isinstance(v, dict):
        return "a table"
    return type(v).__name__


def _validate(data: dict[str, Any], loc: _Locator) -> Config:
    allowed = {
        "settings": "table", "topic": "array", "source": "array", "smtp": "table", "digest": "array", "notify": "array",
    }
    for name, value in data.items():
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            line = loc.line_of(name, None, None)
            raise ConfigError(
                f"{loc.path.name}{f', line {line}' if line else ''}: unknown table [{name}]{hint}; "
                "valid tables are [settings], [[topic]], [[source]], [smtp], [[digest]] and [[notify]]"
            )
        if allowed[name] == "array" and not isinstance(value, list):
            raise loc.error(name, None, None, None, f"must be written [[{name}]] (an array of tables)")
    settings = Settings(**_check_table(data.get("settings", {}), SETTINGS, loc, "settings", None))

    topics: list[Topic] = []
    for i, raw in enumerate(data.get("topic", [])):
        topics.append(Topic(**_check_table(raw, TOPIC_KEYS, loc, "topic", i)))
    _no_duplicates([t.id for t in topics], loc, "topic")
    topic_ids = {t.id for t in topics}

    sources = [_source(raw, loc, i, topic_ids) for i, raw in enumerate(data.get("source", []))]
    _no_duplicates([s.id for s in sources], loc, "source")

    smtp = None
    if "smtp" in data:
        values = _check_table(data["smtp"], SMTP_KEYS, loc, "smtp", None)
        values["from_"] = values.pop("from")
        smtp = Smtp(**values)
    digests: list[Digest] = []
    for i, raw in enumerate(data.get("digest", [])):
        values = _check_table(raw, DIGEST_KEYS, loc, "digest", i)
        _check_topic_refs(values, topic_ids, loc, "digest", i)
        digests.append(Digest(**values))
    _no_duplicates([d.id for d in digests], loc, "digest")
    if digests and smtp is None:
        raise loc.error("digest", 0, digests[0].id, None, "digests need an [smtp] table saying how to send them")
    notifies: list[Notify] = []
    for i, raw in enumerate(data.get("notify", [])):
        values = _check_table(raw, NOTIFY_KEYS, loc, "notify", i)
        _check_topic_refs(values, topic_ids, loc, "notify", i)
        if bool(values.get("url")) == bool(values.get("url_env")):
            raise loc.error("notify", i, values["id"], "url", 'give either "url" or "url_env" (for a URL with a secret)')
        notifies.append(Notify(**values))
    _no_duplicates([n.id for n in notifies], loc, "notify")
    if not any(s.enabled for s in sources):
        what = "no [[source]] is enabled" if sources else "there is no [[source]]"
        raise ConfigError(
            f"{loc.path.name}: {what}, so there is nothing to watch; add one "
            "(`watcher kinds` lists the kinds, the README's Configuration section shows examples)"
        )
    return Config(
        path=loc.path, settings=settings, topics=tuple(topics), sources=tuple(sources), smtp=smtp, digests=tuple(digests),
        notifies=tuple(notifies),
    )


def _check_topic_refs(values: dict[str, Any], topic_ids: set[str], loc: _Locator, table: str, index: int) -> None:
    for t in values.get("topics", ()):
        if t not in topic_ids:
            close = difflib.get_close_matches(t, topic_ids, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            raise loc.error(
                table, index, values["id"], "topics",
                f'refers to undefined topic "{t}"{hint}; defined topics: {", ".join(sorted(topic_ids)) or "none"}',
            )


def source_from(raw: dict[str, Any], topic_ids: set[str], *, where: str) -> Source:
    """A source given another way than in the file (``watcher try --kind``),
    validated exactly like a ``[[source]]``; errors name ``where``."""
    return _source(raw, _Locator(Path(where.replace("/", " ")), ""), 0, topic_ids)


def _source(raw: Any, loc: _Locator, i: int, topic_ids: set[str]) -> Source:
    """One ``[[source]]``: the common keys, then its kind's own keys."""
    known = kinds()
    kind_name = raw.get("kind") if isinstance(raw, dict) else None
    if isinstance(kind_name, str) and kind_name in known:
        kind = known[kind_name]
        own = {k.name for k in kind.keys}
        ident = raw.get("id") if isinstance(raw.get("id"), str) else None
        for name in raw:
            if name not in own and any(name in {k.name for k in other.keys} for other in known.values()):
                valid = ", ".join(k.name for k in source_keys(kind.name))
                raise loc.error("source", i, ident, name, f'is not valid for kind "{kind.name}"; keys for {kind.name}: {valid}')
        for k in kind.keys:
            if k.required and not str(raw.get(k.name, "")).strip():
                raise loc.error("source", i, ident, None, f'kind "{kind.name}" needs the key "{k.name}" ({k.help})')
        keys = source_keys(kind.name)
    else:
        # No usable kind yet: accept every kind's keys so the message is about the kind.
        seen: dict[str, Key] = {k.name: k for k in COMMON_SOURCE_KEYS}
        for other in known.values():
            for k in other.keys:
                seen.setdefault(k.name, k)
        keys = tuple(seen.values())
    values = _check_table(raw, keys, loc, "source", i)
    _check_topic_refs(values, topic_ids, loc, "source", i)
    if values.get("every") and values.get("cron"):
        raise loc.error("source", i, values["id"], "cron", 'give either "every" or "cron", not both')
    common = {k.name for k in COMMON_SOURCE_KEYS}
    options = {k.name: values.get(k.name, k.default) for k in known[values["kind"]].keys}
    return Source(**{k: v for k, v in values.items() if k in common}, options=MappingProxyType(options))


def _no_duplicates(ids: list[str], loc: _Locator, table: str) -> None:
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in seen:
            raise loc.error(
                table, i, ident, "id",
                f'duplicate id "{ident}", already used by [[{table}]] #{seen[ident] + 1}; ids must be unique',
            )
        seen[ident] = i
