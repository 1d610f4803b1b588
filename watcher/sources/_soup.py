"""BeautifulSoup with lxml, imported on first use.

The adapters of the HTML sites go through this, so that reading the kinds'
declarations (every ``watcher`` command does) never pays for bs4.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..text import decode_html

if TYPE_CHECKING:
    from bs4 import BeautifulSoup


def soup(data: bytes) -> BeautifulSoup:
    """The page's bytes, decoded as :func:`watcher.text.decode_html` does, as a tree."""
    from bs4 import BeautifulSoup

    return BeautifulSoup(decode_html(data), "lxml")
