"""Digest content -> plain text and HTML, in French or Dutch.

The templates (``templates/``) are Jinja2 with autoescaping on for HTML, so
every scraped string is escaped by construction; only the diff markup built
here is marked safe, and it escapes its own text.  Styles are inline
because mail clients drop ``<style>`` blocks.
"""

from __future__ import annotations

from functools import lru_cache
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from ..config import Config
from ..diff import Ops, render_html, render_text
from ..present import bidi_safe, when
from ..store import HEALTH_KINDS, Alert
from ..text import has_bidi, isolate, one_line
from .digest import Content

LABELS: dict[str, dict[str, str]] = {
    "fr": {
        "subject_one": "1 changement", "subject_many": "{n} changements", "subject_none": "rien de neuf",
        "intro": "Veille du {start} au {end}.", "alerts": "Ce qui a changé", "none": "Aucun changement détecté.",
        "where": "Lien officiel", "when": "Publié", "detected": "Détecté", "why": "Pourquoi",
        "reason": "Motif", "change": "Le changement", "new_text": "Texte", "checked": "Vérifié, inchangé",
        "checked_none": "Aucune source vérifiée sur la période.", "broken": "Sources en panne",
        "since": "depuis", "last_ok": "dernier succès", "footer": "Envoyé par watcher. Se désabonner : répondre « unsubscribe ».",
        "added": "ajouté", "removed": "retiré", "changed": "modifié", "new": "nouveau", "updated": "mis à jour",
        "status": "statut", "source_broken": "source en panne", "recovered": "source rétablie",
        "legend": "[- … -] supprimé, [+ … +] ajouté",
        "checked_times": "vérifié {n} fois, dernière fois le {last}", "unchanged": "inchangés :",
        "story": "Suivi", "earlier": "déjà signalé", "published_on": "publié le", "in_force_on": "en vigueur le",
        "consolidated_on": "consolidé au", "note": "Note", "on": "le",
        "filed": "déposé", "amended": "amendé", "adopted": "adopté", "published": "publié",
        "in_force": "en vigueur", "consolidated": "consolidé",
        "checked_note": "vérifié", "disputed": "contesté", "irrelevant": "non pertinent",
        "refused": "Adresses refusées par le serveur de courrier lors des derniers envois (à corriger)",
        "times": "envoi(s) de suite",
    },
    "nl": {
        "subject_one": "1 wijziging", "subject_many": "{n} wijzigingen", "subject_none": "niets nieuws",
        "intro": "Opvolging van {start} tot {end}.", "alerts": "Wat veranderde", "none": "Geen wijzigingen gevonden.",
        "where": "Officiële link", "when": "Gepubliceerd", "detected": "Gevonden", "why": "Waarom",
        "reason": "Reden", "change": "De wijziging", "new_text": "Tekst", "checked": "Nagekeken, ongewijzigd",
        "checked_none": "Geen bron nagekeken in deze periode.", "broken": "Defecte bronnen",
        "since": "sinds", "last_ok": "laatst gelukt", "footer": "Verstuurd door watcher. Uitschrijven: antwoord « unsubscribe ».",
        "added": "toegevoegd", "removed": "geschrapt", "changed": "gewijzigd", "new": "nieuw", "updated": "bijgewerkt",
        "status": "status", "source_broken": "bron defect", "recovered": "bron hersteld",
        "legend": "[- … -] geschrapt, [+ … +] toegevoegd",
        "checked_times": "{n} keer nagekeken, laatst op {last}", "unchanged": "ongewijzigd:",
        "story": "Opvolging", "earlier": "al gemeld", "published_on": "bekendgemaakt op", "in_force_on": "in werking op",
        "consolidated_on": "geconsolideerd tot", "note": "Noot", "on": "op",
        "filed": "ingediend", "amended": "geamendeerd", "adopted": "aangenomen", "published": "bekendgemaakt",
        "in_force": "in werking", "consolidated": "geconsolideerd",
        "checked_note": "nagekeken", "disputed": "betwist", "irrelevant": "niet relevant",
        "refused": "Adressen die de mailserver bij de laatste verzendingen weigerde (na te kijken)",
        "times": "verzending(en) op rij",
    },
}

DEL_STYLE = "background:#fde2e2;color:#8a1010;text-decoration:line-through"
INS_STYLE = "background:#dff5e1;color:#0b5a1a;text-decoration:none;font-weight:bold"


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("watcher.notify", "templates"),
        autoescape=select_autoescape(["html", "j2.html"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=bidi_safe,
    )
    env.filters["para"] = para
    return env


WIDTH = 72
INDENT = 3


def para(text: str, indent: int = INDENT, hang: int | None = None, extra: int = 0) -> str:
    """Text wrapped at 72 columns, every line indented under its alert's
    number (``hang``: the first line starts at the margin, the others under
    its text).  Words are never split, so a URL stays whole on its line."""
    first = " " * (indent + extra) if hang is None else ""
    rest = " " * ((hang if hang is not None else indent) + extra)
    out: list[str] = []
    text = str(text)
    for paragraph in text.split("\n"):
        out.extend(_wrap(paragraph.split(), first, rest))
        first = rest
    if not has_bidi(text):
        return "\n".join(out)
    # A line break ends every bidi embedding in plain text: each line that
    # carries a bidi control is isolated on its own, after its indent.
    return "\n".join(_isolate_line(line) for line in out)


def _wrap(words: list[str], first: str, rest: str) -> list[str]:
    """Greedy wrapping (textwrap's result for plain words, several times faster:
    a digest of a thousand alerts wraps tens of thousands of lines)."""
    if not words:
        return [first.rstrip()]
    whole = " ".join(words)
    if len(first) + len(whole) <= WIDTH:  # most fields fit on one line
        return [first + whole]
    lines: list[str] = []
    line, size = [first + words[0]], len(first) + len(words[0])
    for word in words[1:]:
        if size + 1 + len(word) > WIDTH:
            lines.append("".join(line))
            line, size = [rest + word], len(rest) + len(word)
        else:
            line.append(" " + word)
            size += 1 + len(word)
    lines.append("".join(line))
    return lines


def _isolate_line(line: str) -> str:
    body = line.lstrip(" ")
    isolated = isolate(body)
    return line if isolated is body else line[: len(line) - len(body)] + isolated


def html_diff(ops: Ops, context: int = 25) -> Markup:
    """Inline-styled HTML of a trimmed diff; every piece of text escaped."""
    return Markup(render_html(ops, context, del_style=DEL_STYLE, ins_style=INS_STYLE))


def subject(config: Config, content: Content) -> str:
    labels = LABELS[content.digest.language]
    n = len([a for a in content.alerts if a.kind not in HEALTH_KINDS])
    count = labels["subject_none"] if n == 0 else labels["subject_one"] if n == 1 else labels["subject_many"].format(n=n)
    names = {t.id: t.title or t.id for t in config.topics}
    topics: list[str] = []
    for a in content.alerts:
        for t in a.topics:
            if names.get(t, t) not in topics:
                topics.append(names.get(t, t))
    if not topics:
        topics = [names.get(t, t) for t in content.digest.topics]
    name = content.digest.title or content.digest.id
    broken = f" — {len(content.broken)} ⚠" if content.broken else ""
    return one_line(f"[watcher: {name}] {count}" + (f" — {', '.join(topics)}" if topics else "") + broken)


def _story_line(content: Content, alert_id: int, labels: dict[str, str], tz: ZoneInfo) -> str:
    """"Suivi : <title> — publié le …, en vigueur le …; déjà signalé : adopté (2026-10-02)"."""
    s = content.stories.get(alert_id)
    if s is None:
        return ""
    dates = [f"{labels[k]} {v}" for k, v in (("published_on", s.published), ("in_force_on", s.in_force),
                                               ("consolidated_on", s.consolidated)) if v]
    earlier = ", ".join(f"{labels.get(step, step)} ({when(at, tz)[:10]})" for step, at in s.earlier)
    parts = [one_line(s.title)]
    if dates:
        parts.append(", ".join(dates))
    text = f"{labels['story']} #{s.id}: " + " — ".join(parts)
    return text + (f"; {labels['earlier']}: {earlier}" if earlier else "")


def _note_line(n: dict[str, Any], lang: str, labels: dict[str, str]) -> str:
    words = n[lang] or n["fr"] or n["nl"] or ""
    status = labels["checked_note"] if n["status"] == "checked" else labels.get(n["status"], n["status"])
    by = f", {n['author']}" if n["author"] else ""
    return one_line(f"{labels['note']} ({status}{by}): {words}")


class _Block:
    """An alert's block, rendered once: shown as it is, in text or HTML
    (not a ``str``, so ``finalize`` leaves it alone: its fields were
    isolated one by one when it was rendered)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __html__(self) -> str:
        return self.text


class Blocks:
    """Alert blocks shared by the digests of one run: an alert goes to every
    digest whose topics it touches, and its block reads the same in each
    (same language, story line and notes), but for its number."""

    def __init__(self) -> None:
        self.views: dict[tuple[Any, ...], SimpleNamespace] = {}
        self.lines: dict[bytes, str] = {}  # a line of a message body -> its quoted-printable form


def _view(config: Config, content: Content, blocks: Blocks | None = None) -> dict[str, Any]:
    tz = ZoneInfo(config.settings.timezone)
    lang = content.digest.language
    labels = LABELS[lang]
    l_ = SimpleNamespace(**labels)
    names = {t.id: t.title or t.id for t in config.topics}
    sources = {s.id: s.title or s.id for s in config.sources}
    cache = blocks.views if blocks is not None else {}
    alerts = []
    for a in content.alerts:
        story = _story_line(content, a.id, labels, tz)
        notes = [_note_line(n, lang, labels) for n in content.notes.get(a.id, [])]
        key = (a.id, lang, story, tuple(notes))
        view = cache.get(key)
        if view is None:
            view = cache[key] = _alert_view(a, labels, names, sources, tz, lang, story, notes)
            view.text_block = _Block(_env().get_template("alert.txt").render(a=view, l=l_))
            view.html_block = _Block(_env().get_template("alert.html").render(a=view, l=l_))
        alerts.append(view)
    return {
        "l": l_,
        "digest": content.digest,
        "alerts": alerts,
        "checked": content.checked,
        "broken": content.broken,
        "refused": content.refused,
        "start": when(content.period_start, tz),
        "end": when(content.period_end, tz),
        "local": lambda ts: when(ts, tz),
        "one_line": one_line,
    }


def _alert_view(a: Alert, labels: dict[str, str], names: dict[str, str], sources: dict[str, str], tz: ZoneInfo,
                lang: str, story: str, notes: list[str]) -> SimpleNamespace:
    diff = a.diff
    # A namespace, not a dict: Jinja reads ``a.kind`` as an attribute first,
    # and on a dict that lookup fails with an exception every time.
    return SimpleNamespace(
        kind=labels.get(a.kind, a.kind),
        raw_kind=a.kind,
        source=one_line(sources.get(a.source_id, a.source_id)),
        title=one_line(a.title),
        ref=one_line(a.ref),
        url=a.url if (a.url or "").startswith(("http://", "https://")) else "",
        published=a.published or "",
        detected=when(a.detected_at, tz),
        topics=", ".join(names.get(t, t) for t in a.topics),
        matches=", ".join(one_line(m) for m in a.matches),
        snippet=one_line(a.snippet),
        reason=one_line(a.reason.text(lang)),
        diff_text=render_text(diff, spaced=True) if diff and a.before else "",
        diff_html=html_diff(diff) if diff and a.before else "",
        new_text=one_line(a.after)[:600] if a.after and not a.before else "",
        story=story,
        notes=notes,
    )


def render(config: Config, content: Content, blocks: Blocks | None = None) -> tuple[str, str]:
    """(plain text, HTML) of a digest; ``blocks`` shares alert blocks between the digests of a run."""
    view = _view(config, content, blocks)
    text = _env().get_template("digest.txt").render(view)
    html = _env().get_template("digest.html").render(view)
    return text, html
