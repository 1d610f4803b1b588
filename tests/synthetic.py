"""The SYNTHETIC page builders, which ship with the package (`watcher.samples`) for `watcher demo`."""

from watcher.samples import *  # noqa: F403 -- the tests call them as synthetic.rss(...), synthetic.pdf(...)
from watcher.samples import MB_LEGISLATIVE, MB_OTHER  # noqa: F401
