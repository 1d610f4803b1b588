"""watcher: keeps watch over Belgian law and policy that touch professional secrecy in social work.

Public API::

    from watcher import load_config, parse_law, word_diff
"""

__version__ = "0.1.0"

from .config import load as load_config  # noqa: E402
from .diff import word_diff  # noqa: E402
from .sources.justel import parse_law  # noqa: E402

__all__ = ["__version__", "load_config", "parse_law", "word_diff"]
