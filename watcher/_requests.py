"""requests, loaded without the character detector it would import.

requests imports a detector (charset_normalizer, some 40 ms: a sixth of a
one-source `watcher check`) only to guess the encoding of ``Response.text``.
watcher never reads ``.text``: it decodes the bytes itself
(:func:`watcher.text.decode_html`).  So the detector is kept out while
requests loads (requests then guesses UTF-8, and warns that it has no
detector; 2.32 is the first that can, hence the pin), and is importable
again afterwards, for whatever else wants it.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any, cast

_SKIPPED = [name for name in ("chardet", "charset_normalizer") if name not in sys.modules]
_MODULES = cast(dict[str, Any], sys.modules)  # None there means "not importable", the import system's own convention
for _name in _SKIPPED:
    _MODULES[_name] = None
try:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # RequestsDependencyWarning: no detector, on purpose
        import requests
finally:
    for _name in _SKIPPED:
        del sys.modules[_name]

__all__ = ["requests"]
