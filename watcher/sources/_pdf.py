"""The text of a PDF (a bill, an amendment), through pypdf, bounded.

pypdf because it is pure Python, maintained, and reads the Chamber's
documents without a system library; it is imported on first use.  A PDF
that cannot be read is a ParseError, so the caller can say so and go on.
"""

from __future__ import annotations

from ..errors import ParseError
from ..text import clean

MAX_PAGES = 80  # a bill's substance is at its start; annexes can run to hundreds of pages
MAX_CHARS = 300_000


def pdf_text(data: bytes) -> str:
    """The text of the first pages of a PDF, control characters removed."""
    if not data.startswith(b"%PDF"):
        raise ParseError("not a PDF")
    import io
    import logging

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings about odd files are not ours to print
    try:
        reader = PdfReader(io.BytesIO(data))
        parts: list[str] = []
        size = 0
        for page in reader.pages[:MAX_PAGES]:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size > MAX_CHARS:
                break
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, RecursionError) as e:
        raise ParseError(f"the PDF cannot be read ({type(e).__name__}: {str(e)[:120]})") from None
    return clean("\n".join(parts))[:MAX_CHARS]
