"""Word-level diff of two normalized texts: pure ``(old, new) -> ops``.

Ops are ``[op, text]`` pairs, ``op`` one of ``"="``, ``"-"``, ``"+"``, and
joining the ``=``/``-`` texts gives back ``old``, the ``=``/``+`` texts ``new``.
Tokens are words, blanks and single punctuation marks, so that
"cent euros" -> "deux cents euros" shows as one small change.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher

_TOKEN = re.compile(r"\w+|[^\w\s]|\s+")

Ops = Sequence[Sequence[str]]
"""What the renderers accept: ``word_diff``'s lists, or a stored alert's tuples."""


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def word_diff(old: str, new: str) -> list[list[str]]:
    """The changes from ``old`` to ``new`` as ``[[op, text], ...]``."""
    a, b = tokens(old), tokens(new)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    ops: list[list[str]] = []
    pending_del: list[str] = []
    pending_ins: list[str] = []
    opcodes = matcher.get_opcodes()
    for n, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        equal = "".join(a[i1:i2]) if tag == "equal" else ""
        # A lone blank kept between two edits would split one change into
        # many ("[-un-] [-emprisonnement-]"); fold it into both sides.
        if tag == "equal" and not equal.strip() and pending_del + pending_ins and n < len(opcodes) - 1:
            pending_del.append(equal)
            pending_ins.append(equal)
            continue
        if tag == "equal":
            _flush(ops, pending_del, pending_ins)
            ops.append(["=", equal])
        else:
            pending_del.extend(a[i1:i2])
            pending_ins.extend(b[j1:j2])
    _flush(ops, pending_del, pending_ins)
    return ops


def _flush(ops: list[list[str]], dels: list[str], ins: list[str]) -> None:
    removed, added = "".join(dels), "".join(ins)
    if removed:
        ops.append(["-", removed])
    if added:
        ops.append(["+", added])
    dels.clear()
    ins.clear()


def trim(ops: Ops, context: int = 12) -> list[list[str]]:
    """The changed passages with ``context`` words around each; longer
    unchanged runs become ``["…", ""]`` markers.  Ops keep their order."""
    out: list[list[str]] = []
    last = len(ops) - 1
    for i, (op, text) in enumerate(ops):
        if op != "=":
            out.append([op, text])
            continue
        words = text.split(" ")
        if len(words) <= 2 * context + 1:
            out.append([op, text])
            continue
        head = [] if i == 0 else words[:context]
        tail = [] if i == last else words[-context:]
        if head:
            out.append(["=", " ".join(head) + " "])
        out.append(["…", ""])
        if tail:
            out.append(["=", " " + " ".join(tail)])
    return out


def render_text(ops: Ops, context: int = 12, *, spaced: bool = False) -> str:
    """Plain-text rendering, ``[-old-]`` / ``[+new+]`` (``[- old -]`` with
    ``spaced``), trimmed to the changed passages with ``context`` words
    around them."""
    marks = {"-": ("[- ", " -]"), "+": ("[+ ", " +]")} if spaced else {"-": ("[-", "-]"), "+": ("[+", "+]")}
    parts: list[str] = []
    for op, text in trim(ops, context):
        if op in marks:
            opening, closing = marks[op]
            parts.append(opening + (text.strip() if spaced else text) + closing)
        elif op == "…":
            parts.append(" … ")
        else:
            parts.append(text)
    return "".join(parts).strip()


def render_html(ops: Ops, context: int = 25, *, del_style: str = "", ins_style: str = "") -> str:
    """HTML of a trimmed diff: ``<del>``/``<ins>`` around escaped text.
    ``del_style``/``ins_style`` add inline styles (for mail clients)."""
    from markupsafe import escape

    dels = f' style="{escape(del_style)}"' if del_style else ""
    inss = f' style="{escape(ins_style)}"' if ins_style else ""
    parts: list[str] = []
    for op, text in trim(ops, context):
        if op == "-":
            parts.append(f"<del{dels}>{escape(text)}</del>")
        elif op == "+":
            parts.append(f"<ins{inss}>{escape(text)}</ins>")
        elif op == "…":
            parts.append(" … ")
        else:
            parts.append(str(escape(text)))
    return "".join(parts)
