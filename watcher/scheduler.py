"""``watcher run``: APScheduler 3 in-process, one job per source.

Each source runs on its own schedule (``every`` or ``cron``, in the
configured time zone, with jitter); missed runs coalesce into one; one run
per source at a time (``max_instances=1``).  Jobs run in a small thread pool;
each opens its own database connection (SQLite in WAL mode serialises the
short write transactions).  A stop request (SIGTERM, SIGINT) sets an event
that also interrupts politeness waits, so the process ends within seconds;
a job cut short writes nothing (its transaction never started or is rolled
back), and the next run redoes it.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .config import Config, Source
from .errors import Interrupted
from .http import Http
from .keys import parse_duration
from .matching import Matcher
from .notify.push import send_notifications
from .notify.run import send_due
from .runner import check_all
from .store import Store

log = logging.getLogger(__name__)

SHORT_INTERVAL = 300  # seconds; below this the operator is warned (tests use 1 s)
STOP_GRACE = 5.0  # seconds a running check may take to finish after a stop request


def trigger_for(source: Source, config: Config) -> IntervalTrigger | CronTrigger:
    tz = config.settings.timezone
    if source.cron:
        return CronTrigger.from_crontab(source.cron, timezone=tz)
    seconds = parse_duration(source.every or config.settings.every)
    if seconds < SHORT_INTERVAL:
        log.warning("%s: checking every %d s is hard on the site; use at least 5 minutes outside tests", source.id, seconds)
    jitter = min(config.settings.jitter, seconds / 10)
    return IntervalTrigger(seconds=seconds, timezone=tz, jitter=jitter or None)


class Runner:
    """The long-running process: schedules every enabled source until stopped."""

    def __init__(self, config: Config, db_path: Path, make_http: Callable[[threading.Event], Http]) -> None:
        self.config = config
        self.db_path = db_path
        self.stop = threading.Event()
        self.http = make_http(self.stop)
        self.matcher = Matcher(config.topics)  # compiled once for every job
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(4)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=config.settings.timezone,
        )
        self._active = 0
        self._active_lock = threading.Lock()
        self._digest_lock = threading.Lock()  # one digest run at a time: the outbox is per digest
        self._source_lock = threading.Lock()
        self._running: set[str] = set()  # sources being checked now
        self.retry_delays = [parse_duration(d) for d in config.settings.retry_delays]

    def retry_time(self, failures: int) -> datetime:
        """When a source that failed ``failures`` times in a row is tried again."""
        delay = self.retry_delays[min(max(failures, 1), len(self.retry_delays)) - 1]
        return datetime.now(UTC) + timedelta(seconds=delay)

    @contextlib.contextmanager
    def _job(self, what: str) -> Iterator[Store]:
        """A scheduled job: counted as running (for a clean stop), with its own
        database connection, and never allowed to kill the scheduler."""
        with self._active_lock:
            self._active += 1
        try:
            store = Store.open(self.db_path)
            try:
                yield store
            finally:
                store.close()
        except Interrupted:
            log.info("%s interrupted by the stop request; nothing of it was written", what)
        except Exception:
            log.exception("%s failed", what)
        finally:
            with self._active_lock:
                self._active -= 1

    def _check(self, source_id: str) -> None:
        if self.stop.is_set():
            return
        with self._job(f"check {source_id}") as store:
            with self._source_lock:
                if source_id in self._running:
                    return  # a retry and a scheduled run met: one check at a time per source
                self._running.add(source_id)
            try:
                results = check_all(store, self.http, self.config, [source_id], matcher=self.matcher)
            finally:
                with self._source_lock:
                    self._running.discard(source_id)
            for r in results:
                level = logging.INFO if r.ok else logging.WARNING
                log.log(level, "check %s: %s, %d alert(s)%s", r.source_id, r.state, r.alerts,
                        f", {r.error}" if r.error else "")
            failed = any(not r.ok for r in results)
            if self.config.notifies and not self.stop.is_set():
                with self._digest_lock:
                    send_notifications(store, self.config)
            if any(d.frequency == "immediate" for d in self.config.digests) and not self.stop.is_set():
                # "immediate" digests go out at the end of the pass that found
                # the alert, and any that failed are retried after each pass.
                with self._digest_lock:
                    send_due(store, self.config, list(self.config.digests), only_immediate=True)
            job = self.scheduler.get_job(source_id)
            next_run = job.next_run_time if job is not None else None
            retry_job = f"retry:{source_id}"
            if failed:
                failures = int((store.source(source_id) or {}).get("consecutive_failures") or 1)
                retry_at = self.retry_time(failures)
                if next_run is None or retry_at < next_run:
                    self.scheduler.add_job(
                        self._check, "date", run_date=retry_at, args=[source_id], id=retry_job,
                        name=f"retry {source_id}", replace_existing=True,
                    )
                    log.info("check %s: trying again at %s", source_id, retry_at.isoformat(timespec="seconds"))
                    next_run = retry_at
            elif self.scheduler.get_job(retry_job) is not None:
                self.scheduler.remove_job(retry_job)
            if next_run is not None:
                store.update_source(source_id, next_run=next_run.astimezone(UTC).isoformat(timespec="seconds"))

    def _digests(self) -> None:
        if self.stop.is_set():
            return
        with self._job("digests") as store, self._digest_lock:
            for r in send_due(store, self.config, list(self.config.digests)):
                log.info("digest %s: %s", r.digest_id, r.note)

    def start(self) -> None:
        store = Store.open(self.db_path)
        try:
            for source in self.config.sources:
                if not source.enabled:
                    continue
                store.ensure_source(source.id, source.kind, source.url, source.title)
                # The first check of each source runs at once.
                self.scheduler.add_job(
                    self._check, trigger_for(source, self.config), args=[source.id], id=source.id,
                    name=source.id, next_run_time=datetime.now(UTC),
                )
                log.info("scheduled %s (%s)", source.id, source.cron or source.every or self.config.settings.every)
        finally:
            store.close()
        for d in self.config.digests:
            if d.frequency == "immediate":
                continue
            hour, minute = d.at.split(":")
            days = d.weekday[:3] if d.frequency == "weekly" else "*"
            self.scheduler.add_job(
                self._digests, CronTrigger(day_of_week=days, hour=int(hour), minute=int(minute), timezone=self.config.settings.timezone),
                id=f"digest:{d.id}", name=f"digest {d.id}",
            )
        if self.config.digests:
            # A digest whose time passed while watcher was down goes out now.
            self.scheduler.add_job(self._digests, id="digest:catch-up", next_run_time=datetime.now(UTC))
        self.scheduler.start()

    def run_until_stopped(self, install_signals: bool = True) -> int:
        """Run until SIGTERM/SIGINT (or :attr:`stop`); the number of jobs abandoned (see :meth:`shutdown`)."""
        if install_signals:
            def handler(signum: int, frame: FrameType | None) -> None:
                log.info("received %s: stopping", signal.Signals(signum).name)
                self.stop.set()

            signal.signal(signal.SIGTERM, handler)
            signal.signal(signal.SIGINT, handler)
        self.start()
        try:
            while not self.stop.wait(1.0):
                pass
        finally:
            abandoned = self.shutdown()
        return abandoned

    def shutdown(self) -> int:
        """Stop scheduling, give running jobs STOP_GRACE seconds; return how many still run.

        The caller (``watcher run`` in ``cli.py``) ends the process at once
        when some still run (a slow download, a slow SMTP server), *before*
        the database lock is released: SQLite rolls their transaction back,
        as after a crash, and the next start redoes it.  Nothing runs after
        the lock is gone.
        """
        self.stop.set()
        self.scheduler.shutdown(wait=False)
        waited = 0.0
        while waited < STOP_GRACE:
            with self._active_lock:
                if self._active == 0:
                    break
            time.sleep(0.1)
            waited += 0.1
        with self._active_lock:
            running = self._active
        self.http.close()
        if running:
            log.warning("stopping with %d job(s) still running; they are redone on the next start", running)
        else:
            log.info("stopped")
        return running
