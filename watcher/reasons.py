"""Alert reasons in the reader's language.

The pipeline stores reasons in English (stable text, searchable, and what
`watcher alerts --json` shows); mails and archive pages translate the known
phrases into French or Dutch.  Technical error messages (a broken source's
HTTP status, a parse error) are left as they are.
"""

from __future__ import annotations

# (English, French, Dutch), longest first where one phrase contains another.
_TABLE: tuple[tuple[str, str, str], ...] = (
    ("no longer selected by the source's articles / articles_matching", "ne fait plus partie des articles suivis (articles / articles_matching)", "valt niet meer onder de gevolgde artikelen (articles / articles_matching)"),
    ("new item touching a followed topic", "nouvel élément touchant un thème suivi", "nieuw item over een gevolgd thema"),
    ("now touches a followed topic", "touche désormais un thème suivi", "raakt nu een gevolgd thema"),
    ("new article on the page", "nouvel article sur la page", "nieuw artikel op de pagina"),
    ("every article is watched", "tous les articles sont suivis", "alle artikelen worden gevolgd"),
    ("no longer on the page", "n'est plus sur la page", "staat niet meer op de pagina"),
    ("listed in articles", "repris dans articles", "opgenomen in articles"),
    ("text changed", "texte modifié", "tekst gewijzigd"),
    ("watched again", "à nouveau suivi", "opnieuw gevolgd"),
    ("now watched", "désormais suivi", "voortaan gevolgd"),
    ("was broken since", "en panne depuis", "defect sinds"),
    ("contains", "contient", "bevat"),
    ("status:", "statut :", "status:"),
    ("new:", "nouveau :", "nieuw:"),
)


def translate(reason: str | None, lang: str) -> str:
    """``reason`` with its known English phrases in ``lang`` ("fr" or "nl")."""
    text = reason or ""
    if lang not in ("fr", "nl"):
        return text
    col = 1 if lang == "fr" else 2
    for row in _TABLE:
        if row[0] in text:
            text = text.replace(row[0], row[col])
    return text
