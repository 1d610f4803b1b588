"""One change, one story: a bill, its publication and its consolidation linked.

A legislative event reaches watcher several times, weeks apart: the Chamber
dossier (filed, amended, adopted), the law in the Moniteur (published, with
its entry into force), the article consolidated on Justel.  Each alert of
those kinds gets *keys* read from the pages themselves, never from fuzzy
title similarity:

* ``dossier:55K3518``: a Chamber dossier, and the parliamentary documents a
  Moniteur publication cites ("Documents : 55-3518", "Stukken: 55-3518");
* ``amends:2026-10-15:code-penal:458``: a publication dated 15 October 2026
  whose body cites article 458 of the Code pénal, and a Justel change of
  art. 458 whose new amendment note reads ``<L 2026-10-15/12 …>``;
* ``numac:2026009999``: the publication itself.

Alerts sharing a key are one story; each link records how it was made, and
``watcher story unlink`` undoes one for good.  Everything here works from
what the database holds, so ``watcher story rebuild`` redoes it at any time.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from .matching import _references, fold_map
from .store import HEALTH_KINDS, Alert, Store, utcnow
from .text import base_ref, fold, parse_date

STEPS = ("filed", "amended", "adopted", "published", "in_force", "consolidated")

_DOCS = re.compile(r"(?:documents?|stukken|doc\.)\s*(?:de la chambre[^:]{0,40})?:?\s*(\d{2})[-/ ]?k?(\d{3,4})\b", re.IGNORECASE)
_NOTE = re.compile(r"\b[LW]\s+(\d{4}-\d{2}-\d{2})/\d+[^>]*?(?:en vigueur|inwerkingtreding)\s*:\s*(\d{2}-\d{2}-\d{4})", re.IGNORECASE)
_NOTE_LAW = re.compile(r"\b[LW]\s+(\d{4}-\d{2}-\d{2})/\d+")
_IN_FORCE = re.compile(
    r"(?:entre en vigueur|produit ses effets|treedt in werking|heeft uitwerking)\s+(?:le|op|à partir du|vanaf)?\s*([^.;]{4,40})",
    re.IGNORECASE,
)
_ADOPTED = re.compile(r"ADOPT|AANGENOMEN", re.IGNORECASE)
_AMENDED = re.compile(r"AMENDEMENT", re.IGNORECASE)


def family(law: str) -> str:
    """Which law a name designates, for matching a publication to a consolidated text."""
    f = fold(law)
    if "instruction criminelle" in f or "strafvordering" in f or "c.i.cr" in f:
        return "cicr"
    if "penal" in f or "strafwetboek" in f or f.strip() in ("sw.", "c. pen.", "c.pen."):
        return "code-penal"
    if "centres publics" in f or "cpas" in f or "ocmw" in f or "maatschappelijk welzijn" in f:
        return "cpas"
    if "lokaal bestuur" in f or "administration locale" in f:
        return "dlb"
    if "integration sociale" in f or "maatschappelijke integratie" in f:
        return "dis"
    return "other"


@dataclass(frozen=True)
class Key:
    key: str
    how: str  # how the link was made, for people


Notes = tuple[tuple[str, ...], tuple[str, ...]]  # a Justel change's amendment notes (before, after)


def keys_of(store: Store, a: Alert, source_kind: str, notes: Notes | None = None) -> list[Key]:
    """The identities an alert carries, read from its pages (``notes``: :func:`_notes_of`, when already read)."""
    keys: list[Key] = []
    if source_kind == "chamber" and a.ref:
        keys.append(Key(f"dossier:{a.ref}", f"Chamber dossier {a.ref}"))
    elif source_kind == "moniteur" and a.ref:
        keys.append(Key(f"numac:{a.ref}", f"Moniteur publication {a.ref}"))
        body = a.after or ""
        for m in _DOCS.finditer(body):
            dossier = f"{m.group(1)}K{int(m.group(2)):04d}"
            keys.append(Key(f"dossier:{dossier}", f"the publication cites the parliamentary documents {m.group(1)}-{m.group(2)}"))
        day = law_date(a.title)
        if day:
            # fold_map keeps line breaks, by which _references knows a line's own "Art. 3." heading.
            for ref in _references(fold_map(body)[0]):
                fam = family(ref.law or "")
                if fam == "other":
                    continue  # an article of no law we can name ("Art. 2.", "la Constitution") joins nothing
                for n in sorted(ref.numbers):
                    keys.append(Key(f"amends:{day}:{fam}:{n}", f"the law of {day} cites art. {n} ({fam})"))
    elif source_kind == "justel" and a.ref and a.kind in ("changed", "added", "removed"):
        fam = family(a.title)
        if fam != "other":
            for day in new_amending_laws(notes if notes is not None else _notes_of(store, a)):
                keys.append(Key(f"amends:{day}:{fam}:{base_ref(a.ref)}", f"Justel's amendment note names the law of {day}"))
    return keys


def law_date(title: str) -> str | None:
    """The date a law's title starts with: "15 OCTOBRE 2026. - Loi …" -> 2026-10-15."""
    head = title.split(" - ", 1)[0].split(". -", 1)[0]
    return parse_date(head) if head and len(head) < 40 else None


def _notes_of(store: Store, a: Alert) -> Notes:
    """(notes before, notes after) the change an alert reports: the version
    first seen when the alert was raised and the one before it (so a later
    rebuild reads the same pair).  A removal made no new version: nothing."""
    if a.document_id is None:
        return (), ()
    versions = [v for v in store.versions(a.document_id) if v.first_seen <= a.detected_at]
    if not versions or versions[-1].first_seen != a.detected_at:
        return (), ()
    before = versions[-2].notes if len(versions) > 1 else ()
    return before, versions[-1].notes


def new_amending_laws(notes: Notes) -> list[str]:
    """The dates of the laws named by the amendment notes an article gained."""
    before, after = notes
    old = {m.group(1) for n in before for m in _NOTE_LAW.finditer(n)}
    return sorted({m.group(1) for n in after for m in _NOTE_LAW.finditer(n)} - old)


def in_force_of(a: Alert, source_kind: str, notes: Notes) -> str | None:
    """The entry into force a page states for this change, ISO, or None."""
    if source_kind == "justel":
        before, after = notes
        dates = [m.group(2) for n in after if n not in before for m in _NOTE.finditer(n)]
        return parse_date(dates[-1]) if dates else None
    if source_kind == "moniteur":
        m = _IN_FORCE.search(a.after or "")
        return parse_date(m.group(1)) if m else None
    return None


def step_of(a: Alert, source_kind: str) -> str:
    if source_kind == "moniteur":
        return "published"
    if source_kind == "justel":
        return "consolidated"
    if a.kind == "status":
        changes = json.dumps(a.reason.as_json(), ensure_ascii=False)
        if _ADOPTED.search(changes):
            return "adopted"
        if _AMENDED.search(changes):
            return "amended"
    return "filed"


def link(store: Store, a: Alert, source_kind: str, *, consolidated: str | None = None) -> int | None:
    """Put an alert in its story (made, joined or merged), by its keys; the story's id.

    The alert also gets the dates its pages give: its entry into force, and
    for a Justel change the consolidation date (``consolidated``).
    """
    # A Justel change's notes are read once here, for its date and its keys.
    notes = _notes_of(store, a) if source_kind == "justel" else ((), ())
    in_force = in_force_of(a, source_kind, notes)
    if source_kind == "justel" and consolidated is None:
        consolidated = a.consolidated
    store.set_alert_dates(a.id, in_force=in_force, consolidated=consolidated if source_kind == "justel" else None)
    current = store.story_of(a.id)
    if current is not None or store.is_unlinked(a.id):
        return current
    keys = keys_of(store, a, source_kind, notes)
    if not keys:
        return None
    found = store.stories_with_keys([k.key for k in keys])
    story = found[0] if found else store.new_story(a.title or a.ref or "", utcnow())
    for other in found[1:]:
        store.merge_story(other, into=story)
    existing = store.story_keys(story)
    how = "; ".join(dict.fromkeys(k.how for k in keys if k.key in existing)) or keys[0].how
    for k in keys:
        store.add_story_key(story, k.key, k.how)
    store.add_story_alert(story, a.id, step_of(a, source_kind), how if found else "first step of the story", utcnow())
    # A story is named after its law as published, else its bill, else its first change.
    steps = {s for s, _, _ in store.story_steps(story)}
    if source_kind == "moniteur" or (source_kind == "chamber" and "published" not in steps):
        store.set_story_title(story, a.title)
    store.update_story_dates(story, published=a.published if source_kind == "moniteur" else None,
                             in_force=in_force, consolidated=consolidated if source_kind == "justel" else None)
    return story


def source_kinds(store: Store) -> dict[str, str]:
    """Each source's kind as the database knows it (also for sources since removed from the config)."""
    return {str(r["id"]): str(r["kind"]) for r in store.sources()}


def rebuild(store: Store, on_alert: Callable[[], None] | None = None) -> int:
    """Link every alert again, from what the database holds (idempotent); the number of stories.

    A note written on a story follows its alerts into the story they are
    linked to now; unlink decisions stand.
    """
    kinds = source_kinds(store)
    with store.atomic():
        noted = store.story_note_alerts()  # note id -> the alerts its story had
        store.clear_stories()
        for a in store.alerts():
            if on_alert is not None:
                on_alert()
            kind = kinds.get(a.source_id)
            if kind and a.kind not in HEALTH_KINDS:
                link(store, a, kind)
        for note_id, alert_ids in noted.items():
            story = next((s for s in (store.story_of(i) for i in alert_ids) if s is not None), None)
            store.move_note(note_id, story)
        store.drop_empty_stories()
        return store.count_stories()


def unlink(store: Store, alert_id: int) -> int | None:
    """Take an alert out of its story for good; the keys it alone brought go too."""
    kinds = source_kinds(store)
    story = store.unlink_alert(alert_id, utcnow())
    if story is not None:
        store.clear_story_keys(story)
        for _, _, a in store.story_steps(story):
            for k in keys_of(store, a, kinds.get(a.source_id, "")):
                store.add_story_key(story, k.key, k.how)
    return story
