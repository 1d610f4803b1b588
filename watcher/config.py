"""sources.toml -> frozen dataclasses, validated strictly before anything runs.

Every key is declared once, as data (:data:`SETTINGS`, :data:`TOPIC_KEYS`,
:data:`SOURCE_KEYS`), with its type, default and help; the validator, the
README table and ``tests/test_docs.py`` all read these declarations.

Every error names the file, the table, the key and, where it can be found,
the line: ``sources.toml, line 14: [[source]] "code-penal-fr": unknown key
"artciles" (did you mean "articles"?)``.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError

KINDS = ("justel", "moniteur", "chamber", "chamber-questions", "feed", "page")
"""Source kinds this version knows; each has an adapter in ``watcher.sources``."""

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Key:
    """One configuration key: its name, type, default and help text."""

    name: str
    type: str  # "str", "int", "float", "bool", "list[str]"
    default: Any = None
    help: str = ""
    required: bool = False
    check: Callable[[Any], str | None] | None = None  # returns an error or None


def _between(low: float, high: float, *, low_open: bool = False) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        if v != v or (v <= low if low_open else v < low) or v > high:  # v != v: NaN
            return f"must be {'greater than' if low_open else 'at least'} {low:g} and at most {high:g}"
        return None

    return check


def _timezone(v: Any) -> str | None:
    try:
        ZoneInfo(v)
    except (ZoneInfoNotFoundError, ValueError):
        return f'"{v}" is not an IANA time zone such as "Europe/Brussels"'
    return None


def _slug(v: Any) -> str | None:
    if _ID.match(v):
        return None
    return "must be lowercase letters, digits, '-', '_' or '.', starting with a letter or digit"


def _url(v: Any) -> str | None:
    try:
        parts = urlsplit(v)
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError as e:
        return f'"{v}" is not a valid URL ({e})'
    if parts.scheme not in ("http", "https"):
        return f'"{v}" is not an http(s) URL'
    if not parts.hostname:
        return f'"{v}" has no host'
    if any(c.isspace() for c in v):
        return f'"{v}" contains blanks'
    return None


_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def parse_duration(text: str) -> int:
    """Seconds in "1d", "6h", "30m", "1h30m", "45s"; ValueError otherwise."""
    m = _DURATION.match(text.strip().replace(" ", ""))
    if not text.strip() or not m or not any(m.groups()):
        raise ValueError(text)
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def _duration_problem(v: Any) -> str | None:
    try:
        seconds = parse_duration(v)
    except ValueError:
        return f'"{v}" is not a duration such as "30s", "15m", "6h", "1d" or "1h30m"'
    return None if seconds >= 1 else "must be at least 1s"


def _cron_problem(v: Any) -> str | None:
    from apscheduler.triggers.cron import CronTrigger

    try:
        CronTrigger.from_crontab(v)
    except ValueError as e:
        return f'"{v}" is not a crontab line such as "0 7 * * 1-5" ({e})'
    return None


def _kind(v: Any) -> str | None:
    return None if v in KINDS else f'"{v}" is not a known kind; known kinds: {", ".join(KINDS)}'


def _nonempty_items(v: Any) -> str | None:
    return None if all(item.strip() for item in v) else "must not contain empty strings"


SETTINGS: tuple[Key, ...] = (
    Key("contact", "str", "", "Contact (e-mail or URL) put in the User-Agent so site operators can reach you."),
    Key("database", "str", "watcher.db", "SQLite database path, relative to the config file."),
    Key("archive_dir", "str", "alerts", "Folder of the static alert archive, relative to the config file."),
    Key("archive_url", "str", "", "Public address of the exported archive, e.g. https://veille.example/ (makes the feeds' links absolute)."),
    Key("timezone", "str", "Europe/Brussels", "Time zone for dates shown to people.", check=_timezone),
    Key("timeout", "float", 30.0, "Seconds before an HTTP request is abandoned.", check=_between(0, 3600, low_open=True)),
    Key("max_bytes", "int", 20_000_000, "Largest response accepted, in bytes.", check=_between(1000, 2_000_000_000)),
    Key("host_delay", "float", 5.0, "Minimum seconds between two requests to the same host.", check=_between(0, 3600)),
    Key("retries", "int", 2, "Retries of a request after a transient error (connection error, 5xx, 429).", check=_between(0, 10)),
    Key("backoff", "float", 2.0, "Seconds before the first retry; doubled for each next one.", check=_between(0, 600)),
    Key("max_retry_after", "float", 300.0, "Longest Retry-After we wait for within a pass; longer ones fail the pass and hold the host.", check=_between(0, 86400)),
    Key("workers", "int", 4, "Sources `watcher check` works on at once (politeness per host holds whatever the number).", check=_between(1, 32)),
    Key("robots", "bool", True, "Honour each host's robots.txt (Disallow and Crawl-delay)."),
    Key("every", "str", "6h", 'Default schedule of the sources for `watcher run`, e.g. "30m", "6h", "1d".', check=lambda v: _duration_problem(v)),
    Key("jitter", "float", 60.0, "Random delay of up to this many seconds added to each scheduled run (never more than a tenth of the interval).", check=_between(0, 3600)),
    Key(
        "failures_before_broken", "int", 3,
        "Consecutive fetch failures before a source is reported broken (a page that no longer parses is broken at once).",
        check=_between(1, 1000),
    ),
)

TOPIC_KEYS: tuple[Key, ...] = (
    Key("id", "str", None, "Stable identifier of the topic.", required=True, check=_slug),
    Key("title", "str", "", "Name shown to readers."),
    Key("terms", "list[str]", (), "Words and phrases of the topic (case- and accent-insensitive, whole words).", check=_nonempty_items),
    Key("articles", "list[str]", (), 'Article numbers the topic follows, e.g. ["458", "458bis"]; matched as "art. 458", "artikel 458 Sw." …', check=_nonempty_items),
    Key(
        "laws", "list[str]", (),
        'Names of the law those articles belong to, e.g. ["Code pénal", "Strafwetboek", "Sw."]; a reference followed by another law ("article 458 du Code civil") does not match. Default: the Code pénal / Strafwetboek.',
        check=_nonempty_items,
    ),
)

SOURCE_KEYS: tuple[Key, ...] = (
    Key("id", "str", None, "Stable identifier; alerts and history hang on it, never on the URL.", required=True, check=_slug),
    Key("kind", "str", None, f"Adapter to use: {', '.join(KINDS)}.", required=True, check=_kind),
    Key("url", "str", None, "Official page to poll (http or https).", required=True, check=_url),
    Key("title", "str", "", "Name shown to readers (default: the page's own title)."),
    Key("articles", "list[str]", (), 'Article numbers to watch, e.g. ["458", "458bis"]; absent with articles_matching absent: every article.', check=_nonempty_items),
    Key(
        "articles_matching", "list[str]", (),
        "Also watch every article whose text contains one of these phrases (case- and accent-insensitive).",
        check=_nonempty_items,
    ),
    Key(
        "topics", "list[str]", (),
        "Ids of [[topic]] tables: for justel, the topics its alerts belong to; for the other kinds, the topics its items are matched against (absent: all).",
    ),
    Key("enabled", "bool", True, "Set to false to keep a source (and its history) without polling it."),
    Key("every", "str", "", 'How often `watcher run` checks it, e.g. "6h" (default: [settings] every); at least "1s".', check=lambda v: _duration_problem(v)),
    Key("cron", "str", "", 'Or a crontab line in the configured time zone, e.g. "0 7 * * 1-5".', check=lambda v: _cron_problem(v)),
    Key("catch_up_days", "int", 7, "moniteur: when watcher was off, read at most this many missed days.", check=_between(1, 60)),
    Key("item_selector", "str", "", "page: CSS selector of one news item (required for kind page)."),
    Key("link_selector", "str", "a", "page: CSS selector of the item's link, inside the item."),
    Key("title_selector", "str", "", "page: CSS selector of the item's title, inside the item (default: the link's text)."),
    Key("date_selector", "str", "", "page: CSS selector of the item's date, inside the item."),
    Key("text_selector", "str", "", "page: CSS selector of the item's teaser text, inside the item."),
)

# Which keys each kind accepts beyond the common ones, and which it requires.
COMMON_SOURCE_KEYS = ("id", "kind", "url", "title", "topics", "enabled", "every", "cron")
KIND_KEYS: dict[str, tuple[str, ...]] = {
    "justel": ("articles", "articles_matching"),
    "moniteur": ("catch_up_days",),
    "chamber": (),
    "chamber-questions": (),
    "feed": (),
    "page": ("item_selector", "link_selector", "title_selector", "date_selector", "text_selector"),
}
KIND_REQUIRED: dict[str, tuple[str, ...]] = {"page": ("item_selector",)}

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


def _one_of(*values: str) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        return None if v in values else f'"{v}" is not one of: {", ".join(values)}'

    return check


def _env_name(v: Any) -> str | None:
    return None if re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", v) else f'"{v}" is not an environment variable name'


_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

SMTP_KEYS: tuple[Key, ...] = (
    Key("host", "str", None, "SMTP server name.", required=True),
    Key("port", "int", 587, "SMTP port (587 for starttls, 465 for ssl, 25 for none).", check=_between(1, 65535)),
    Key("security", "str", "starttls", 'Transport security: "starttls", "ssl" or "none".', check=_one_of("starttls", "ssl", "none")),
    Key("username", "str", "", "Login name (empty: no login)."),
    Key("password_env", "str", "", "Name of the environment variable holding the password (never the password itself).", check=_env_name),
    Key("from", "str", None, "Sender address of the digests.", required=True, check=_email),
    Key("timeout", "float", 30.0, "Seconds before the SMTP server is given up.", check=_between(0, 600, low_open=True)),
)

DIGEST_KEYS: tuple[Key, ...] = (
    Key("id", "str", None, "Stable identifier of the digest.", required=True, check=_slug),
    Key("to", "list[str]", (), "Recipient addresses.", required=True, check=_emails),
    Key("topics", "list[str]", (), "Topics it carries (absent: all); broken sources are always reported."),
    Key("frequency", "str", "daily", '"immediate" (at the end of the pass that found the alert), "daily" or "weekly".', check=_one_of("immediate", "daily", "weekly")),
    Key("at", "str", "07:00", "Time of day it is sent (daily and weekly), in the configured time zone.", check=_clock),
    Key("weekday", "str", "monday", "Day it is sent (weekly).", check=_one_of(*WEEKDAYS)),
    Key("language", "str", "fr", '"fr" or "nl".', check=_one_of("fr", "nl")),
    Key("send_empty", "bool", True, "Send a digest even when nothing changed, so that silence is never ambiguous (not for immediate)."),
    Key("title", "str", "", "Name in the subject and List-Id (default: the id)."),
)

TABLES = {"settings": SETTINGS, "topic": TOPIC_KEYS, "source": SOURCE_KEYS, "smtp": SMTP_KEYS, "digest": DIGEST_KEYS}


@dataclass(frozen=True)
class Settings:
    contact: str = ""
    database: str = "watcher.db"
    archive_dir: str = "alerts"
    archive_url: str = ""
    timezone: str = "Europe/Brussels"
    timeout: float = 30.0
    max_bytes: int = 20_000_000
    host_delay: float = 5.0
    failures_before_broken: int = 3
    retries: int = 2
    backoff: float = 2.0
    max_retry_after: float = 300.0
    robots: bool = True
    workers: int = 4
    every: str = "6h"
    jitter: float = 60.0


@dataclass(frozen=True)
class Topic:
    id: str
    title: str = ""
    terms: tuple[str, ...] = ()
    articles: tuple[str, ...] = ()
    laws: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    id: str
    kind: str
    url: str
    title: str = ""
    articles: tuple[str, ...] = ()
    articles_matching: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    enabled: bool = True
    every: str = ""
    cron: str = ""
    catch_up_days: int = 7
    item_selector: str = ""
    link_selector: str = "a"
    title_selector: str = ""
    date_selector: str = ""
    text_selector: str = ""


@dataclass(frozen=True)
class Smtp:
    host: str
    from_: str
    port: int = 587
    security: str = "starttls"
    username: str = ""
    password_env: str = ""
    timeout: float = 30.0


@dataclass(frozen=True)
class Digest:
    id: str
    to: tuple[str, ...]
    topics: tuple[str, ...] = ()
    frequency: str = "daily"
    at: str = "07:00"
    weekday: str = "monday"
    language: str = "fr"
    send_empty: bool = True
    title: str = ""


@dataclass(frozen=True)
class Config:
    path: Path
    settings: Settings
    topics: tuple[Topic, ...] = ()
    sources: tuple[Source, ...] = field(default_factory=tuple)
    smtp: Smtp | None = None
    digests: tuple[Digest, ...] = ()

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
    except tomllib.TOMLDecodeError as e:
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
            current = f"[[{name}]] #{idx + 1}" if name in ("topic", "source", "digest") else f"[{name}]"
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


_PY_TYPES: dict[str, tuple[type, ...]] = {
    "str": (str,),
    "int": (int,),
    "float": (int, float),
    "bool": (bool,),
    "list[str]": (list,),
}


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
    allowed = {"settings": "table", "topic": "array", "source": "array", "smtp": "table", "digest": "array"}
    for name, value in data.items():
        if name not in allowed:
            close = difflib.get_close_matches(name, allowed, n=1)
            hint = f' (did you mean "{close[0]}"?)' if close else ""
            line = loc.line_of(name, None, None)
            raise ConfigError(
                f"{loc.path.name}{f', line {line}' if line else ''}: unknown table [{name}]{hint}; "
                "valid tables are [settings], [[topic]], [[source]], [smtp] and [[digest]]"
            )
        if allowed[name] == "array" and not isinstance(value, list):
            raise loc.error(name, None, None, None, f"must be written [[{name}]] (an array of tables)")
    settings = Settings(**_check_table(data.get("settings", {}), SETTINGS, loc, "settings", None))

    topics: list[Topic] = []
    for i, raw in enumerate(data.get("topic", [])):
        topics.append(Topic(**_check_table(raw, TOPIC_KEYS, loc, "topic", i)))
    _no_duplicates([t.id for t in topics], loc, "topic")
    topic_ids = {t.id for t in topics}

    sources: list[Source] = []
    for i, raw in enumerate(data.get("source", [])):
        values = _check_table(raw, SOURCE_KEYS, loc, "source", i)
        _check_topic_refs(values, topic_ids, loc, "source", i)
        kind = values["kind"]
        allowed_here = set(COMMON_SOURCE_KEYS) | set(KIND_KEYS[kind])
        for name in raw:
            if name not in allowed_here:
                raise loc.error(
                    "source", i, values["id"], name,
                    f'is not valid for kind "{kind}"; keys for {kind}: {", ".join(COMMON_SOURCE_KEYS + KIND_KEYS[kind])}',
                )
        if values.get("every") and values.get("cron"):
            raise loc.error("source", i, values["id"], "cron", 'give either "every" or "cron", not both')
        for name in KIND_REQUIRED.get(kind, ()):
            if not str(values.get(name, "")).strip():
                raise loc.error("source", i, values["id"], None, f'kind "{kind}" needs the key "{name}"')
        if kind == "page":
            _check_selectors(values, loc, i)
        sources.append(Source(**values))
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
    return Config(
        path=loc.path, settings=settings, topics=tuple(topics), sources=tuple(sources), smtp=smtp, digests=tuple(digests)
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


def _check_selectors(values: dict[str, Any], loc: _Locator, index: int) -> None:
    """Reject CSS selectors soupsieve cannot compile, at load time."""
    import soupsieve

    for name in ("item_selector", "link_selector", "title_selector", "date_selector", "text_selector"):
        sel = values.get(name)
        if sel:
            try:
                soupsieve.compile(sel)
            except soupsieve.SelectorSyntaxError as e:
                msg = str(e).splitlines()[0]
                raise loc.error("source", index, values["id"], name, f'"{sel}" is not a valid CSS selector: {msg}') from None


def _no_duplicates(ids: list[str], loc: _Locator, table: str) -> None:
    seen: dict[str, int] = {}
    for i, ident in enumerate(ids):
        if ident in seen:
            raise loc.error(
                table, i, ident, "id",
                f'duplicate id "{ident}", already used by [[{table}]] #{seen[ident] + 1}; ids must be unique',
            )
        seen[ident] = i
