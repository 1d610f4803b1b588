"""The README's configuration tables, generated from the declarations.

``python -m watcher.docs README.md`` rewrites every block between
``<!-- generated: NAME -->`` and ``<!-- end generated -->``;
``--check`` only says whether they are current (``tests/test_docs.py``
fails when they are not).  Nothing here is hand-written twice: the keys,
their types, defaults and help come from :mod:`watcher.config` and from
each kind's module.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

from .config import COMMON_SOURCE_KEYS, TABLES
from .keys import Key
from .sources import kinds

_BLOCK = re.compile(r"(<!-- generated: (\w+) -->\n)(.*?)(<!-- end generated -->)", re.S)


def _default(k: Key) -> str:
    if k.required:
        return "required"
    if k.shown_default:
        return k.shown_default
    v: Any = k.default
    if isinstance(v, bool):
        return "`true`" if v else "`false`"
    if v in ("", (), None):
        return "—"
    if isinstance(v, str):
        return f'`"{v}"`'
    return f"`{v}`"


def key_table(keys: tuple[Key, ...]) -> str:
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    rows += [f"| `{k.name}` | {k.type} | {_default(k)} | {k.help} |" for k in keys]
    return "\n".join(rows) + "\n"


def source_section() -> str:
    """The keys every source has, then each kind: what it reads, and its own keys."""
    parts = [key_table(COMMON_SOURCE_KEYS)]
    for kind in kinds().values():
        parts.append(f"\n#### `kind = \"{kind.name}\"` ({kind.mode})\n\n{kind.description}\n")
        if kind.keys:
            parts.append("\n" + key_table(kind.keys))
    return "".join(parts)


def blocks() -> dict[str, str]:
    out = {name: key_table(keys) for name, keys in TABLES.items() if name != "source"}
    out["source"] = source_section()
    return out


def render(text: str) -> str:
    """``text`` with every generated block made current (an unknown name is left alone)."""
    made = blocks()

    def repl(m: re.Match[str]) -> str:
        name = m.group(2)
        return m.group(1) + made[name] + m.group(4) if name in made else m.group(0)

    return _BLOCK.sub(repl, text)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"] or ["README.md"]
    stale = []
    for p in map(Path, paths):
        text = p.read_text(encoding="utf-8")
        new = render(text)
        if new != text:
            stale.append(str(p))
            if not check:
                p.write_text(new, encoding="utf-8")
    if check and stale:
        print(f"out of date: {', '.join(stale)} (run: python -m watcher.docs {' '.join(stale)})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
