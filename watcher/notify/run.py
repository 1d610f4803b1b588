"""Send the digests that are due: the one entry point for the CLI and `watcher run`."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from .. import outbox
from ..config import Config, Digest
from ..errors import SendError
from ..store import Store
from . import digest as contents
from .mailer import message, send, write_eml
from .render import Blocks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    digest_id: str
    sent: bool
    alerts: int
    note: str  # "sent", "not due", "nothing new", a file path, or the error


def send_due(
    store: Store,
    config: Config,
    digests: list[Digest],
    *,
    force: bool = False,
    dry_run: bool = False,
    out: Path | None = None,
    only_immediate: bool = False,
) -> list[Outcome]:
    """Send each digest that is due (all of them with ``force``).

    ``dry_run`` writes .eml files to ``out`` and records nothing, so the
    alerts stay pending for the real send.
    """
    tz = ZoneInfo(config.settings.timezone)
    now_utc = datetime.now(UTC)
    results: list[Outcome] = []
    blocks = Blocks()  # an alert in several digests is rendered once
    for d in digests:
        if only_immediate and d.frequency != "immediate":
            continue
        content = contents.build(store, config, d, now_utc, record=not dry_run)
        has_alerts = bool(content.alerts)
        if not has_alerts and (not d.send_empty or d.frequency == "immediate"):
            results.append(Outcome(d.id, False, 0, "nothing new"))
            continue
        if not force and not contents.is_due(store, d, now_utc.astimezone(tz), has_alerts):
            results.append(Outcome(d.id, False, 0, "not due"))
            continue
        msg = message(config, content, blocks)
        if dry_run:
            path = write_eml(out or Path("."), msg, d)
            results.append(Outcome(d.id, False, len(content.alerts), str(path)))
            continue
        assert config.smtp is not None
        send_id = outbox.begin_send(store, d, content.alerts, content.period_start, str(msg["Message-ID"]))
        try:
            refused = send(config.smtp, msg, d)
        except SendError as e:
            outbox.finish_send(store, send_id, error=str(e))
            log.warning("digest %s not sent: %s", d.id, e)
            results.append(Outcome(d.id, False, len(content.alerts), f"failed: {e}"))
            continue
        outbox.finish_send(store, send_id, refused=list(refused))
        log.info("digest %s sent to %d recipient(s) with %d alert(s)", d.id, len(d.to) - len(refused), len(content.alerts))
        note = "sent"
        if refused:
            log.warning("digest %s: the SMTP server refused %s", d.id, ", ".join(refused))
            note = f"sent; refused: {', '.join(refused)}"
        results.append(Outcome(d.id, True, len(content.alerts), note))
    return results
