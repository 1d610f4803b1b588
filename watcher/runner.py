"""Check several sources in one pass, one after the other or a few at a time.

One source's failure never stops the others.  The topic matcher is compiled
once per pass and handed to every check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .config import Config, Source
from .errors import Interrupted, SourceError
from .health import CheckResult
from .http import Http
from .matching import Matcher
from .pipeline import check_source
from .store import Store

log = logging.getLogger(__name__)


def check_all(
    store: Store, http: Http, config: Config, source_ids: list[str] | None = None, *, matcher: Matcher | None = None
) -> list[CheckResult]:
    """Check the chosen sources (default: every enabled one), one after the other."""
    matcher = matcher or Matcher(config.topics)
    return [_check_one(store, http, config, s, matcher) for s in _chosen(config, source_ids)]


def check_parallel(
    db_path: Path,
    http: Http,
    config: Config,
    source_ids: list[str] | None = None,
    workers: int = 4,
    on_done: Callable[[CheckResult], None] | None = None,
) -> list[CheckResult]:
    """Like :func:`check_all`, several sources at a time, each worker with its
    own database connection.  Politeness holds: the shared :class:`Http`
    spaces requests per host whatever the number of workers."""
    chosen = _chosen(config, source_ids)
    matcher = Matcher(config.topics)
    local = threading.local()
    stores: list[Store] = []
    lock = threading.Lock()

    def run(source: Source) -> CheckResult:
        store = getattr(local, "store", None)
        if store is None:
            store = local.store = Store.open(db_path)
            with lock:
                stores.append(store)
        result = _check_one(store, http, config, source, matcher)
        if on_done is not None:
            on_done(result)
        return result

    try:
        if workers <= 1 or len(chosen) <= 1:
            return [run(s) for s in chosen]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check") as pool:
            return list(pool.map(run, chosen))
    finally:
        for store in stores:
            store.close()


def _chosen(config: Config, source_ids: list[str] | None) -> list[Source]:
    return [config.source(i) for i in source_ids] if source_ids else [s for s in config.sources if s.enabled]


def _check_one(store: Store, http: Http, config: Config, source: Source, matcher: Matcher) -> CheckResult:
    try:
        return check_source(store, http, config, source, matcher)
    except SourceError as e:
        return CheckResult(source.id, False, "failing", error=str(e))
    except Interrupted:
        raise
    except Exception as e:
        log.exception("%s: internal error", source.id)
        return CheckResult(source.id, False, "failing", error=f"internal error: {type(e).__name__}: {e}")
