"""The one exception tree of watcher.

Only ``watcher.cli`` turns these into messages and exit codes; the library
never prints and never calls ``sys.exit``.

    WatcherError
    ├── ConfigError            bad sources.toml (exit 2)
    ├── LockedError            another process holds the database (exit 1)
    ├── Interrupted            a stop was requested (SIGTERM/SIGINT) during a pass
    ├── SourceError            one source could not be checked (exit 1)
    │   ├── FetchError         network, HTTP status, size or scheme problem
    │   │   └── TransientFetchError   worth retrying (connection errors, 5xx, 429)
    │   └── ParseError         the payload is not what the adapter recognises
    ├── StoreError             the database is unusable (wrong schema, corrupt)
    └── SendError              a digest could not be sent (exit 1; retried next run)
"""

from __future__ import annotations


class WatcherError(Exception):
    """Base of every error watcher raises on purpose."""


class ConfigError(WatcherError):
    """The configuration file is missing, unreadable or invalid.

    The message always names the file, and where it can, the table, the key
    and the line.  It is always one line: a CR, LF or other control
    character that came from the file is shown escaped (``\\n``).
    """

    def __init__(self, message: str) -> None:
        super().__init__(_one_line(message))


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


class LockedError(WatcherError):
    """Another watcher process is working on the same database."""


class Interrupted(WatcherError):
    """A stop was requested while a pass was waiting; nothing of it is written."""


class SourceError(WatcherError):
    """A source could not be checked; the others go on."""


class FetchError(SourceError):
    """The payload could not be fetched (or was refused by our own limits)."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class TransientFetchError(FetchError):
    """A fetch failure that may go away by itself (timeouts, 5xx, 429)."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class ParseError(SourceError):
    """The payload is not a page this adapter recognises.

    Raised instead of returning an empty result: an unrecognisable page must
    never look like "everything was repealed".
    """


class StoreError(WatcherError):
    """The database cannot be used."""


class SendError(WatcherError):
    """A digest could not be sent; nothing was marked as sent."""
