"""Text helpers shared by the adapters: decoding, HTML to text, folding.

Kept free of any parser library so that the hot path of the Justel adapter
(906 KB pages, hundreds of articles) stays a handful of compiled regexes.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata


def decode_html(data: bytes) -> str:
    """Decode a page's bytes, trusting the bytes and never the declaration.

    ejustice and the Chamber serve windows-1252, often undeclared or
    misdeclared (``<meta charset=utf-8>`` on windows-1252 bytes, and saved
    copies in UTF-8 that still say iso-8859-1).  Text in windows-1252 with
    accents is almost never valid UTF-8, so a strict UTF-8 decode that
    succeeds is the best evidence there is; otherwise the bytes are read as
    windows-1252, a superset of the printable ISO-8859-1.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    # Control bytes go before decoding: in UTF-8 and windows-1252 alike they
    # are never part of another character, and bytes.translate runs in C.
    data = data.translate(None, _CONTROL_BYTES)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # cp1252 leaves five bytes undefined; map those through latin-1 so
        # that nothing is lost and nothing raises.
        return data.decode("cp1252", errors="watcher-latin1")


# Control characters have no place in text people read, are invalid in XML
# (one would break an Atom feed) and \x01-\x03 are our own markers.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_BYTES = bytes([*range(9), 11, 12, *range(14, 32), 127])


_ENTITY_CONTROLS = re.compile("[\x00\x02-\x08\x0b\x0c\x0e-\x1f\x7f]")


# What scraped text may never carry into comparisons, storage, pages or mail:
# C0 controls but tab and newline, DEL, C1 controls (ESC, NUL, CSI …).
_HOSTILE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional controls (U+202E turns "exe.txt" into "txt.exe"): kept in
# text, which readers may need, but isolated wherever it is shown, and
# dropped from identities and links.
_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
FSI, PDI = "\u2068", "\u2069"


def clean(text: str) -> str:
    """Scraped text as watcher keeps it: no control characters (tab and
    newline kept; a carriage return becomes a newline)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _HOSTILE.sub("", text) if _HOSTILE.search(text) else text


def clean_identity(text: str) -> str:
    """An identity (guid, URL, numac …): :func:`clean`, without bidi controls or outer blanks."""
    text = clean(text)
    return _BIDI.sub("", text).strip() if _BIDI.search(text) else text.strip()


def one_line(text: object) -> str:
    """Any text as one clean line: no control characters, blanks collapsed."""
    return " ".join(clean(str(text or "")).split())


def has_bidi(text: str) -> bool:
    """Whether ``text`` holds a bidi control (most text holds none)."""
    return _BIDI.search(text) is not None


def isolate(text: str) -> str:
    """``text`` wrapped in FSI … PDI when it holds bidi controls, so that they
    cannot reorder what surrounds it on a page or in a mail (PDI also closes
    any embedding or override left open inside)."""
    return f"{FSI}{text}{PDI}" if _BIDI.search(text) else text


def strip_controls(text: str) -> str:
    """``text`` without C0 control characters (tab and line breaks kept)."""
    return _CONTROLS.sub("", text) if _CONTROLS.search(text) else text


def _latin1_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    chunk = err.object[err.start : err.end]
    return bytes(chunk).decode("latin-1"), err.end


codecs.register_error("watcher-latin1", _latin1_fallback)

# A tag, honouring quoted attribute values: Justel puts raw "<" and ">" inside
# title='<L 2017-07-06/24, ...>' attributes.
_TAG = re.compile(r"""<[A-Za-z/!?][^>"']*(?:(?:"[^"]*"|'[^']*')[^>"']*)*>""")
_BR = re.compile(r"<br\s*/?>|</p\s*>|</div\s*>|</li\s*>|</h\d\s*>|</tr\s*>", re.IGNORECASE)
# "<sup …>" up to the first "</sup>", as ``<sup\b.*?</sup\s*>`` (DOTALL) reads
# it, spelt so that the engine runs over plain text between "<" without
# trying the end at every character (a third of the time on a Justel page).
_SUP = re.compile(r"<sup\b[^<]*(?:<(?!/sup\s*>)[^<]*)*</sup\s*>", re.IGNORECASE)
_SCRIPT = re.compile(r"<(script|style)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

# Typographic variants that carry no legal meaning: Justel and its copies mix
# them for the same text.  (str.replace beats str.translate with a dict by far.)
_TYPOGRAPHY = (("\u2019", "'"), ("\u2018", "'"), ("\u00ad", ""), ("\ufeff", ""), ("\u200b", ""))


_COMMON_ENTITIES = (("&nbsp;", " "), ("&lt;", "<"), ("&gt;", ">"))
_MULTISPACE = re.compile("  +")
_BLANKS = ("\u00a0", "\t", "\r", "\f", "\v", "\u2002", "\u2003", "\u2009", "\u202f", "\u3000")


def _typography(text: str) -> str:
    for old, new in _TYPOGRAPHY:
        if old in text:
            text = text.replace(old, new)
    return text


def html_to_text(fragment: str, *, drop_sup: bool = True, scripts: bool = True) -> str:
    """An HTML fragment as text: line breaks where ``<br>`` and block ends
    were, no tags, entities resolved, runs of spaces collapsed, typographic
    apostrophes unified.  Lines are not stripped (see :func:`html_to_lines`).
    ``<sup>`` blocks (Justel's amendment numbers) are dropped by default;
    ``scripts=False`` skips looking for <script>/<style> in a fragment known
    to hold none (four scans of a 900 KB text section).
    """
    # Substring tests are a fraction of a regex pass over a 900 KB page.
    if "<!--" in fragment:
        fragment = _COMMENT.sub("", fragment)
    if scripts and ("<script" in fragment or "<SCRIPT" in fragment or "<style" in fragment or "<STYLE" in fragment):
        fragment = _SCRIPT.sub("", fragment)
    if drop_sup:
        fragment = _SUP.sub("", fragment)
    # Justel indents every line with "<BR>&nbsp;&nbsp;": dropping that
    # indent here spares the space-collapsing pass thousands of matches.
    fragment = fragment.replace("<BR>&nbsp;&nbsp;", "<BR>")
    fragment = _BR.sub("\n", fragment)
    fragment = _TAG.sub("", fragment)
    # Justel's entities are nearly all &nbsp; &lt; &gt;: plain replaces are
    # far cheaper than html.unescape calling back for each one; it then only
    # sees the few that are left ("&amp;lt;" stays the text "&lt;": &amp;
    # is never replaced here).
    text = fragment
    if "&" in text:
        for entity, char in _COMMON_ENTITIES:
            if entity in text:
                text = text.replace(entity, char)
        if "&" in text:
            numeric = "&#" in text
            text = html.unescape(text)
            if numeric:
                # "&#2;" must not smuggle a control character (or something
                # like our \x01 marker) into the text.
                text = _ENTITY_CONTROLS.sub("", text)
    text = _typography(unicodedata.normalize("NFC", text))
    # Unify the rare blanks once, and collapse runs of spaces in one C-speed pass.
    for blank in _BLANKS:
        if blank in text:
            text = text.replace(blank, " ")
    return _MULTISPACE.sub(" ", text)


def html_to_lines(fragment: str, *, drop_sup: bool = True) -> list[str]:
    """Turn an HTML fragment into clean, non-empty text lines (see :func:`html_to_text`)."""
    return [line for line in map(str.strip, html_to_text(fragment, drop_sup=drop_sup).split("\n")) if line]


def collapse(text: str) -> str:
    """Collapse runs of blanks (newlines included) to one space and strip;
    control characters go too."""
    return " ".join(strip_controls(text).split())


def fold(text: str) -> str:
    """Case- and accent-insensitive form of ``text`` for matching."""
    # Amendment brackets ("des secrets [qu'on leur confie]") are markup, not words.
    decomposed = unicodedata.normalize("NFKD", text.casefold().replace("[", "").replace("]", ""))
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_typography(stripped).split())


_REF = re.compile(r"^(\d+)([A-Za-z]*)(.*)$")
_ART_PREFIX = re.compile(r"^(?:art(?:icle|ikel)?\.?)\s*", re.IGNORECASE)
_BASE_REF = re.compile(r"^\d+[a-z]*(?:/\d+)?|^[A-Za-z]+$")


def normalize_ref(ref: str) -> str:
    """Canonical article number: ``"Art.136Quinquies"`` -> ``"136quinquies"``.

    Latin suffixes are lower-cased, an "Art."/"article" prefix and stray dots
    dropped, and "1er" (how "premier" is printed) read as "1"; a purely
    alphabetic number such as ``M`` (the stub article of the federal CPAS
    law) is kept.
    """
    if ref.isdigit():  # by far the most common case
        return ref
    ref = ref.strip()
    if ref[:1].isalpha():  # the common all-digit case skips the regex
        ref = _ART_PREFIX.sub("", ref)
    ref = ref.strip().rstrip(".").strip()
    m = _REF.match(ref)
    if not m:
        return ref
    suffix = m.group(2).lower()
    if suffix == "er":
        suffix = ""
    return m.group(1) + suffix + m.group(3).replace(" ", "")


def base_ref(ref: str) -> str:
    """The article a variant belongs to: ``"458~2"`` or ``"458_DROIT_FUTUR"`` -> ``"458"``;
    ``"113@2"`` (another text on the page reusing the number) is its own article."""
    if "@" in ref:
        return ref.split("~", 1)[0]
    m = _BASE_REF.match(ref)
    return m.group(0) if m else ref


_MONTHS = {
    # FR
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    # NL
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7, "augustus": 8,
    "oktober": 10,
    # DE
    "januar": 1, "februar": 2, "marz": 3, "dezember": 12,
}
_DATE_NUM = re.compile(r"\b(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})\b")
_DATE_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DATE_WORDS = re.compile(r"\b(\d{1,2})(?:er)?\s+([^\W\d_]+)\s+(\d{4})\b")


def parse_date(text: str) -> str | None:
    """The first date in ``text`` as ISO: "29-10-2018", "2025-02-12",
    "8 décembre 2025", "12 mei 2016", "1er janvier 2027"; None if none."""
    m = _DATE_ISO.search(text)
    if m and 1 <= int(m.group(2)) <= 12:
        return m.group(0)
    m = _DATE_NUM.search(text)
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= mo <= 12 and 1 <= d <= 31:
            return f"{y:04d}-{mo:02d}-{d:02d}"
    for m in _DATE_WORDS.finditer(text):
        month = _MONTHS.get(fold(m.group(2)))
        if month and 1 <= int(m.group(1)) <= 31:
            return f"{int(m.group(3)):04d}-{month:02d}-{int(m.group(1)):02d}"
    return None
