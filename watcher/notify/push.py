"""Immediate short alerts where people already are: Matrix, Signal, Telegram,
Mastodon, Slack, e-mail, webhooks … through Apprise (``[[notify]]``).

Apprise because one maintained library speaks to all those services from a
URL; the URL (and its token) comes from the config or from an environment
variable, as the SMTP password does.  Each alert is sent once per target
through the digests' outbox: written "sending" before, "sent" after, so a
crash errs towards one duplicate, never a loss; a refused send is tried
again after the next pass.
"""

from __future__ import annotations

import logging
import os
from datetime import UTC, datetime

from ..config import Config, Notify
from ..outbox import begin_send, channel_start, finish_send, pending
from ..store import Alert, Store, utcnow
from ..text import one_line

log = logging.getLogger(__name__)

KIND_WORDS = {
    "fr": {"changed": "modifié", "added": "ajouté", "removed": "retiré", "new": "nouveau", "updated": "mis à jour",
           "status": "statut", "official": "Texte officiel", "archive": "Archive"},
    "nl": {"changed": "gewijzigd", "added": "toegevoegd", "removed": "geschrapt", "new": "nieuw", "updated": "bijgewerkt",
           "status": "status", "official": "Officiële tekst", "archive": "Archief"},
}


def message(a: Alert, n: Notify, archive_url: str) -> tuple[str, str]:
    """(title, body) of one alert: short, one line each part, with the official and archive links."""
    w = KIND_WORDS[n.language]
    title = one_line(f"[watcher] {w.get(a.kind, a.kind)}: {a.title}")[:200]
    lines = [one_line(a.reason.text(n.language))]
    if a.matches:
        lines.append(one_line(", ".join(a.matches)))
    if a.snippet:
        lines.append("« " + one_line(a.snippet)[:300] + " »")
    if (a.url or "").startswith(("http://", "https://")):
        lines.append(f"{w['official']}: {a.url}")
    if archive_url:
        prefix = "" if n.language == "fr" else "nl/"
        lines.append(f"{w['archive']}: {archive_url.rstrip('/')}/{prefix}alerts/{a.id}/")
    return title, "\n".join(line for line in lines if line)


def _send(url: str, title: str, body: str) -> bool:
    import apprise

    logging.getLogger("apprise").setLevel(logging.WARNING)
    sender = apprise.Apprise()
    if not sender.add(url):
        return False
    return bool(sender.notify(title=title, body=body))


def send_notifications(store: Store, config: Config) -> int:
    """Send every pending alert to every ``[[notify]]`` target; how many were sent."""
    sent = 0
    for n in config.notifies:
        url = n.url or os.environ.get(n.url_env, "")
        if not url:
            log.warning("notify %s: the environment variable %s is not set; nothing sent", n.id, n.url_env)
            continue
        key = f"notify:{n.id}"
        start = channel_start(store, key, datetime.now(UTC))  # from now on: no backlog the day it is added
        for a in pending(store, n, start, key=key, changes_only=True):
            title, body = message(a, n, config.settings.archive_url)
            send_id = begin_send(store, key, [a], start, f"<notify-{n.id}-{a.id}-{utcnow()}>")
            ok = _send(url, title, body)
            finish_send(store, send_id, error=None if ok else "the notification service refused it")
            if ok:
                sent += 1
                log.info("notify %s: alert %d sent", n.id, a.id)
            else:
                log.warning("notify %s: alert %d not sent; tried again after the next pass", n.id, a.id)
    return sent
