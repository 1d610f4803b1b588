"""watcher: keeps watch over Belgian law and policy that touch professional secrecy in social work.

Public API::

    from watcher import load_config, parse_law, word_diff

The names are imported on first use, so that importing any part of the
package (``watcher.http`` needs ``__version__``) never drags in the rest.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_config", "parse_law", "word_diff"]


def __getattr__(name: str) -> Any:
    if name == "load_config":
        from .config import load

        return load
    if name == "word_diff":
        from .diff import word_diff

        return word_diff
    if name == "parse_law":
        from .sources.justel import parse_law

        return parse_law
    raise AttributeError(f"module 'watcher' has no attribute {name!r}")
