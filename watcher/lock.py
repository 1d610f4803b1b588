"""One worker per database: an advisory file lock beside it.

``flock`` is released by the kernel when the process dies, even by kill -9,
so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import LockedError, StoreError


@contextlib.contextmanager
def exclusive(db_path: Path) -> Iterator[None]:
    """Hold the lock of ``db_path`` or raise :class:`LockedError` at once."""
    lock_path = db_path.with_name(db_path.name + ".lock")
    try:
        lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        raise StoreError(f"cannot create the lock file {lock_path}: {e.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode("ascii", "replace").strip() or "another process"
            raise LockedError(
                f"{db_path} is in use by watcher process {holder}; "
                "only one `watcher run` or `watcher check` may work on a database at a time"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
