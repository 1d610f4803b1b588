"""The archive's words, in French and Dutch."""

from __future__ import annotations

LANGS = ("fr", "nl")

WORDS: dict[str, dict[str, str]] = {
    "fr": {
        "site": "watcher — veille du secret professionnel", "alerts": "Alertes", "sources": "Sources",
        "search": "Recherche", "bad_request": "Demande refusée", "feed": "Flux Atom", "other_lang": "Nederlands", "skip": "Aller au contenu",
        "filters": "Filtrer", "topic": "Thème", "source": "Source", "kind": "Type", "since": "Depuis le",
        "until": "Jusqu'au", "all": "tous", "apply": "Appliquer", "none": "Aucune alerte.", "page": "Page",
        "prev": "Précédente", "next": "Suivante", "detected": "Détecté le", "published": "Publié le",
        "official": "Texte officiel", "why": "Pourquoi cette alerte", "matched": "Termes trouvés",
        "reason": "Motif", "change": "Le changement", "inline": "Dans le texte", "side": "Côte à côte",
        "before": "Avant", "after": "Après", "evidence": "Preuve de la capture", "captured": "Capturé le",
        "status": "Statut HTTP", "sha": "Empreinte SHA-256", "bytes": "Taille", "download": "Télécharger les octets capturés",
        "timeline": "Toutes les versions", "version": "Version", "seen": "vue du", "to": "au",
        "state": "État", "last_checked": "Dernière vérification", "last_success": "Dernier succès",
        "next_run": "Prochaine vérification", "error": "Erreur", "documents": "Documents suivis",
        "query": "Mots recherchés", "go": "Chercher", "in_alerts": "Dans les alertes", "in_texts": "Dans les textes conservés",
        "no_results": "Aucun résultat.", "static_search": "Recherche dans l'archive (dans votre navigateur).",
        "no_js": "La recherche de l'archive statique demande JavaScript ; utilisez les pages par thème ou le flux Atom.",
        "topics": "Thèmes", "feeds": "Flux", "print": "Imprimer", "cite": "Citer cette alerte",
        "changed": "modifié", "added": "ajouté", "removed": "retiré", "new": "nouveau", "updated": "mis à jour",
        "status_kind": "statut", "source_broken": "source en panne", "recovered": "source rétablie",
        "ok": "ok", "failing": "en difficulté", "broken": "en panne", "new_state": "jamais vérifiée",
        "events": "Étapes", "notes": "Notes de modification", "provision": "Historique",
        "stories": "Suivis", "story": "Suivi", "pending": "En attente de consolidation",
        "pending_intro": "Changements publiés au Moniteur que Justel n'a pas encore consolidés.",
        "in_force": "En vigueur le", "consolidated": "Consolidé au", "linked": "lien",
        "step_filed": "déposé", "step_amended": "amendé", "step_adopted": "adopté", "step_published": "publié",
        "step_in_force": "en vigueur", "step_consolidated": "consolidé",
        "lawyer": "Note du juriste", "note_checked": "vérifié", "note_disputed": "contesté", "note_irrelevant": "non pertinent",
    },
    "nl": {
        "site": "watcher — opvolging van het beroepsgeheim", "alerts": "Meldingen", "sources": "Bronnen",
        "search": "Zoeken", "bad_request": "Verzoek geweigerd", "feed": "Atom-feed", "other_lang": "Français", "skip": "Naar de inhoud",
        "filters": "Filteren", "topic": "Thema", "source": "Bron", "kind": "Soort", "since": "Vanaf",
        "until": "Tot en met", "all": "alle", "apply": "Toepassen", "none": "Geen meldingen.", "page": "Pagina",
        "prev": "Vorige", "next": "Volgende", "detected": "Gevonden op", "published": "Gepubliceerd op",
        "official": "Officiële tekst", "why": "Waarom deze melding", "matched": "Gevonden termen",
        "reason": "Reden", "change": "De wijziging", "inline": "In de tekst", "side": "Naast elkaar",
        "before": "Voor", "after": "Na", "evidence": "Bewijs van de opname", "captured": "Opgenomen op",
        "status": "HTTP-status", "sha": "SHA-256-vingerafdruk", "bytes": "Grootte", "download": "De opgenomen bytes downloaden",
        "timeline": "Alle versies", "version": "Versie", "seen": "gezien van", "to": "tot",
        "state": "Toestand", "last_checked": "Laatst nagekeken", "last_success": "Laatst gelukt",
        "next_run": "Volgende controle", "error": "Fout", "documents": "Gevolgde documenten",
        "query": "Zoekwoorden", "go": "Zoeken", "in_alerts": "In de meldingen", "in_texts": "In de bewaarde teksten",
        "no_results": "Geen resultaten.", "static_search": "Zoeken in het archief (in uw browser).",
        "no_js": "Zoeken in het statische archief vraagt JavaScript; gebruik de themapagina's of de Atom-feed.",
        "topics": "Thema's", "feeds": "Feeds", "print": "Afdrukken", "cite": "Deze melding citeren",
        "changed": "gewijzigd", "added": "toegevoegd", "removed": "geschrapt", "new": "nieuw", "updated": "bijgewerkt",
        "status_kind": "status", "source_broken": "bron defect", "recovered": "bron hersteld",
        "ok": "ok", "failing": "problemen", "broken": "defect", "new_state": "nog nooit nagekeken",
        "events": "Stappen", "notes": "Wijzigingsnotas", "provision": "Geschiedenis",
        "stories": "Opvolging", "story": "Opvolging", "pending": "Wacht op consolidatie",
        "pending_intro": "Wijzigingen bekendgemaakt in het Staatsblad die Justel nog niet heeft geconsolideerd.",
        "in_force": "In werking op", "consolidated": "Geconsolideerd tot", "linked": "koppeling",
        "step_filed": "ingediend", "step_amended": "geamendeerd", "step_adopted": "aangenomen",
        "step_published": "bekendgemaakt", "step_in_force": "in werking", "step_consolidated": "geconsolideerd",
        "lawyer": "Noot van de jurist", "note_checked": "nagekeken", "note_disputed": "betwist", "note_irrelevant": "niet relevant",
    },
}


def kind_label(words: dict[str, str], kind: str) -> str:
    return words.get("status_kind" if kind == "status" else kind, kind)
