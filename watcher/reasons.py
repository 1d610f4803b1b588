"""Why an alert was raised: a code with parameters, rendered by key.

The pipeline stores a :class:`Reason` (``reason_code`` and ``reason_params``
in the ``alerts`` table) and, for people reading the database or the JSON,
its English text in ``reason``.  Mails and archive pages render the code in
French or Dutch from :data:`MESSAGES`, so editing a wording never breaks a
translation.  Technical error messages (a broken source's HTTP status, a
parse error) are parameters and stay as they are.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

LANGS = ("en", "fr", "nl")

# code -> (English, French, Dutch).  Parameters in braces; a parameter that
# is a reason, or a list of reasons, is rendered in the same language.
MESSAGES: dict[str, tuple[str, str, str]] = {
    "article_changed": ("text changed", "texte modifié", "tekst gewijzigd"),
    "article_new": ("new article on the page ({why})", "nouvel article sur la page ({why})", "nieuw artikel op de pagina ({why})"),
    "article_now_watched": ("now watched: {why}", "désormais suivi : {why}", "voortaan gevolgd: {why}"),
    "article_watched_again": ("watched again: {why}", "à nouveau suivi : {why}", "opnieuw gevolgd: {why}"),
    "article_deselected": (
        "no longer selected by the source's articles / articles_matching",
        "ne fait plus partie des articles suivis (articles / articles_matching)",
        "valt niet meer onder de gevolgde artikelen (articles / articles_matching)",
    ),
    "article_gone": ("no longer on the page", "n'est plus sur la page", "staat niet meer op de pagina"),
    "selected_listed": ("listed in articles", "repris dans articles", "opgenomen in articles"),
    "selected_all": ("every article is watched", "tous les articles sont suivis", "alle artikelen worden gevolgd"),
    "selected_matching": ("contains {phrases}", "contient {phrases}", "bevat {phrases}"),
    "item_new": ("new item touching a followed topic", "nouvel élément touchant un thème suivi", "nieuw item over een gevolgd thema"),
    "item_started_matching": ("now touches a followed topic", "touche désormais un thème suivi", "raakt nu een gevolgd thema"),
    "item_changed": ("text changed", "texte modifié", "tekst gewijzigd"),
    "item_status": ("{changes}", "{changes}", "{changes}"),
    "status_changed": ("status: {before} → {after}", "statut : {before} → {after}", "status: {before} → {after}"),
    "event_new": ("new: {event}", "nouveau : {event}", "nieuw: {event}"),
    "source_broken": ("{error}", "{error}", "{error}"),
    "source_recovered": ("was broken since {since}: {error}", "en panne depuis {since} : {error}", "defect sinds {since}: {error}"),
    "legacy": ("{text}", "{text}", "{text}"),  # stored before reasons had codes
}

_FIELD = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class Reason:
    """One reason: ``Reason("status_changed", {"before": "…", "after": "…"})``."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise ValueError(f"unknown reason code {self.code!r}")

    def text(self, lang: str = "en") -> str:
        """The reason in ``lang`` ("en", "fr" or "nl"; anything else is English)."""
        template = MESSAGES[self.code][LANGS.index(lang) if lang in LANGS else 0]
        return _FIELD.sub(lambda m: _render(self.params.get(m.group(1), ""), lang), template)

    def __str__(self) -> str:
        return self.text("en")

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": {k: _plain(v) for k, v in self.params.items()}}

    def params_json(self) -> str:
        return json.dumps(self.as_json()["params"], ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, obj: Mapping[str, Any]) -> Reason:
        return cls(str(obj["code"]), {k: _revive(v) for k, v in dict(obj.get("params") or {}).items()})

    @classmethod
    def stored(cls, code: str | None, params: str | None, text: str | None) -> Reason:
        """The reason of a stored alert (a row from before codes reads as ``legacy``)."""
        if code and code in MESSAGES:
            return cls.from_json({"code": code, "params": json.loads(params) if params else {}})
        return cls("legacy", {"text": text or ""})


def _render(value: Any, lang: str) -> str:
    if isinstance(value, Reason):
        return value.text(lang)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, str) for v in value):
            return ", ".join(f"«{v}»" for v in value)
        return "; ".join(_render(v, lang) for v in value)
    return "—" if value is None else str(value)


def _plain(value: Any) -> Any:
    if isinstance(value, Reason):
        return value.as_json()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _revive(value: Any) -> Any:
    if isinstance(value, dict) and "code" in value:
        return Reason.from_json(value)
    if isinstance(value, list):
        return [_revive(v) for v in value]
    return value


# -- rows stored before reasons had codes (migration 0005) ----------------

_LEGACY: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^text changed$"), "changed"),
    (re.compile(r"^no longer on the page$"), "article_gone"),
    (re.compile(r"^no longer selected by the source's articles / articles_matching$"), "article_deselected"),
    (re.compile(r"^new item touching a followed topic$"), "item_new"),
    (re.compile(r"^now touches a followed topic$"), "item_started_matching"),
)


def legacy_code(kind: str, text: str | None) -> tuple[str, dict[str, Any]]:
    """A best reading of an English reason stored by an earlier version.

    Plain phrases get their code; anything else keeps its text as ``legacy``,
    shown as it was stored.
    """
    text = text or ""
    if kind == "source_broken":
        return "source_broken", {"error": text}
    for pattern, code in _LEGACY:
        if pattern.match(text):
            if code == "changed":
                code = "article_changed" if kind == "changed" else "item_changed"
            return code, {}
    return "legacy", {"text": text}
