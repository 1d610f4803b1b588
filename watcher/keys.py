"""How a configuration key is declared, once, and the checks keys share.

A key is declared either as a :class:`Key` (a source kind's own keys, in its
adapter module) or as a dataclass field made with :func:`setting` (the
tables of ``config.py``); :func:`keys_of` reads the latter back as keys.
The validator, ``watcher kinds``, the README tables and their test all read
these declarations, so a default or a help text is written in one place.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

Check = Callable[[Any], "str | None"]
"""Returns a problem ("must be at least 1") or None when the value is fine."""

@dataclass(frozen=True)
class Key:
    """One configuration key: its name, type, default and help text."""

    name: str
    type: str  # "str", "int", "float", "bool" or "list[str]"
    default: Any = None
    help: str = ""
    required: bool = False
    check: Check | None = None
    shown_default: str = ""  # what the README says when the default is not a plain value

    def as_json(self) -> dict[str, Any]:
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        return {
            "name": self.name,
            "type": self.type,
            "required": self.required,
            "default": None if self.required else default,
            "help": self.help,
        }


def setting(
    default: Any = MISSING,
    help: str = "",
    *,
    check: Check | None = None,
    type: str | None = None,
    name: str | None = None,
    shown_default: str = "",
) -> Any:
    """A dataclass field that is also a documented configuration key."""
    meta = {"help": help, "check": check, "type": type, "name": name, "shown_default": shown_default}
    if default is MISSING:
        return field(metadata=meta)
    if isinstance(default, (list, dict, set)):
        raise TypeError("use a tuple for a list default")
    return field(default=default, metadata=meta)


_ANNOTATION_TYPES = {"str": "str", "int": "int", "float": "float", "bool": "bool", "tuple[str, ...]": "list[str]"}


def keys_of(cls: type) -> tuple[Key, ...]:
    """The keys declared by the fields of a dataclass made with :func:`setting`."""
    out = []
    for f in fields(cls):
        if "help" not in f.metadata:
            continue
        meta = f.metadata
        kind = meta["type"] or _ANNOTATION_TYPES[str(f.type)]
        required = f.default is MISSING
        out.append(
            Key(
                meta["name"] or f.name, kind, None if required else f.default, meta["help"],
                required=required, check=meta["check"], shown_default=meta["shown_default"],
            )
        )
    return tuple(out)


# -- checks shared by several tables -------------------------------------

_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


def between(low: float, high: float, *, low_open: bool = False) -> Check:
    def check(v: Any) -> str | None:
        if v != v or (v <= low if low_open else v < low) or v > high:  # v != v: NaN
            return f"must be {'greater than' if low_open else 'at least'} {low:g} and at most {high:g}"
        return None

    return check


def one_of(*values: str) -> Check:
    def check(v: Any) -> str | None:
        return None if v in values else f'"{v}" is not one of: {", ".join(values)}'

    return check


def slug(v: Any) -> str | None:
    if _ID.match(v):
        return None
    return "must be lowercase letters, digits, '-', '_' or '.', starting with a letter or digit"


def url(v: Any) -> str | None:
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


def nonempty_items(v: Any) -> str | None:
    return None if all(item.strip() for item in v) else "must not contain empty strings"


def parse_duration(text: str) -> int:
    """Seconds in "1d", "6h", "30m", "1h30m", "45s"; ValueError otherwise."""
    if len(text) > 40:
        raise ValueError(text)
    m = _DURATION.match(text.strip().replace(" ", ""))
    if not text.strip() or not m or not any(m.groups()):
        raise ValueError(text)
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def duration(v: Any) -> str | None:
    try:
        seconds = parse_duration(v)
    except ValueError:
        return f'"{v}" is not a duration such as "30s", "15m", "6h", "1d" or "1h30m"'
    if seconds < 1:
        return "must be at least 1s"
    return None if seconds <= MAX_DURATION else "must be at most 366 days"


def css_selector(v: Any) -> str | None:
    """A selector soupsieve can compile (checked at load time, not at the first pass).

    Pseudo-elements ("::before") select no element at all and are refused;
    an empty selector is refused too (leave the key out for its default).
    A selector this soupsieve accepted once is remembered (see
    :class:`_GoodSelectors`): importing soupsieve and compiling five
    selectors cost 0.4 s at every start of every command."""
    if not v.strip():
        return "must not be empty (leave the key out to use its default)"
    if len(v) > 500:
        return "is longer than 500 characters"
    if v in _GOOD_SELECTORS:
        return None
    import soupsieve

    try:
        soupsieve.compile(v)
    except soupsieve.SelectorSyntaxError as e:
        return f'"{v}" is not a valid CSS selector: {str(e).splitlines()[0]}'
    except Exception as e:  # noqa: BLE001 -- soupsieve refuses some selectors with other errors (pseudo-elements)
        return f'"{v}" is not a CSS selector watcher can use: {str(e).splitlines()[0] if str(e) else type(e).__name__}'
    _GOOD_SELECTORS.add(v)
    return None


class _GoodSelectors:
    """The selectors the installed soupsieve compiled, kept in the user's
    cache folder ($XDG_CACHE_HOME/watcher, else ~/.cache/watcher) under a
    name that changes with soupsieve's own files, so an upgrade checks
    every selector again.  Only selectors that compiled are kept; a cache
    that cannot be read or written is simply not used."""

    def __init__(self) -> None:
        self._known: set[str] | None = None
        self._file: Path | None = None

    def _load(self) -> set[str]:
        if self._known is None:
            self._known = set()
            try:
                self._file = _selector_cache_file()
                if self._file is not None and self._file.exists():
                    digests = self._file.read_text(encoding="ascii").split()
                    self._known = set(digests)
            except (OSError, UnicodeError, RuntimeError):  # RuntimeError: no home folder to be found
                self._file = None
        return self._known

    def __contains__(self, selector: str) -> bool:
        return _digest(selector) in self._load()

    def add(self, selector: str) -> None:
        known = self._load()
        digest = _digest(selector)
        if digest in known:
            return
        known.add(digest)
        if self._file is None:
            return
        try:
            self._file.parent.mkdir(parents=True, exist_ok=True)
            with self._file.open("a", encoding="ascii") as f:
                f.write(digest + "\n")
        except OSError:
            self._file = None


def _digest(selector: str) -> str:
    return hashlib.sha256(selector.encode("utf-8")).hexdigest()


def _selector_cache_file() -> Path | None:
    spec = importlib.util.find_spec("soupsieve")  # where it is, without importing it
    if spec is None or not spec.origin:
        return None
    stamps = []
    for name in ("css_parser.py", "css_match.py", "__meta__.py"):
        st = (Path(spec.origin).parent / name).stat()
        stamps.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    version = hashlib.sha256("|".join(stamps).encode()).hexdigest()[:16]
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "watcher" / f"css-selectors-{version}"


_GOOD_SELECTORS = _GoodSelectors()


def path(v: Any) -> str | None:
    """A file or folder name: not empty, no control character, not absurdly long."""
    if not v.strip():
        return "must not be empty"
    if any(ord(c) < 32 or ord(c) == 127 for c in v):
        return "must not contain control characters"
    if len(v) > 4096:
        return "is longer than 4096 characters"
    return None


def nonempty(v: Any) -> str | None:
    return None if v.strip() else "must not be empty"


MAX_DURATION = 366 * 86400
