"""A rendered digest, byte for byte: the text and HTML parts of a fixed
digest are compared with the files in ``tests/data/digest/``, so that work on
how fast digests are built cannot change what federations receive.

The content is synthetic and covers every part the templates show: a diff,
a new text, a snippet, a broken source, a story, notes, the checked list,
refused addresses, long lines, bidi controls and markup in scraped text.
Regenerate the files only for a deliberate change of the digest's look:
``WATCHER_GOLDEN_WRITE=1 pytest tests/test_digest_golden.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from watcher.config import Config, load
from watcher.notify.digest import Checked, Content, StoryLine
from watcher.notify.mailer import message
from watcher.notify.render import render
from watcher.reasons import Reason
from watcher.store import Alert

DATA = Path(__file__).parent / "data" / "digest"

CONFIG = """\
[[topic]]
id = "secret"
title = "Secret professionnel"
terms = ["secret professionnel"]

[[topic]]
id = "dse"
title = "Dossier social électronique"
terms = ["dossier social électronique"]

[[source]]
id = "cp"
kind = "justel"
title = "Code pénal"
url = "https://www.ejustice.just.fgov.be/eli/loi/1867/06/08/1867060850/justel"
articles = ["458"]

[[source]]
id = "chambre"
kind = "chamber"
title = "Chambre — projets <b>de loi</b>"
url = "https://www.lachambre.be/kvvcr/showpage.cfm?section=/flwb"

[smtp]
host = "127.0.0.1"
from = "veille@example.org"

[[digest]]
id = "fed"
title = "Fédération des CPAS"
to = ["a@example.org"]
topics = ["secret", "dse"]
language = "{lang}"
"""

LONG = ("Le travailleur social est tenu au secret professionnel, sauf lorsqu'il est appelé à rendre "
        "témoignage en justice ou devant une commission d'enquête parlementaire ") * 3


def content(tmp_path: Path, lang: str) -> tuple[Config, Content]:
    path = tmp_path / "sources.toml"
    path.write_text(CONFIG.replace("{lang}", lang), encoding="utf-8")
    config = load(path)
    alerts = [
        Alert(id=1, kind="changed", source_id="cp", detected_at="2026-11-30T06:05:00+00:00", ref="art. 458",
              title="Code pénal, art. 458", url="https://www.ejustice.just.fgov.be/eli/loi/1867/06/08/1867060850/justel#Art.458",
              published="2026-11-28", topics=("secret",), matches=("secret professionnel",),
              before="Les médecins et toutes autres personnes dépositaires des secrets.",
              after="Les médecins, les travailleurs sociaux et toutes autres personnes dépositaires des secrets.",
              diff=(("=", "Les médecins"), ("-", " et"), ("+", ", les travailleurs sociaux et"),
                    ("=", " toutes autres personnes dépositaires des secrets.")),
              reason=Reason("article_changed")),
        Alert(id=2, kind="new", source_id="chambre", detected_at="2026-11-30T07:10:00+00:00", ref="56K1234",
              title="Projet de loi <script>alert(1)</script> relatif au \u202edossier social électronique",
              url="javascript:alert(1)", topics=("dse",), matches=("dossier social électronique",),
              after=LONG, reason=Reason("item_new")),
        Alert(id=3, kind="updated", source_id="chambre", detected_at="2026-11-29T22:59:00+00:00", ref="56K0999",
              title="Proposition de loi — levée du secret", url="https://www.lachambre.be/FLWB/PDF/56/0999/56K0999001.pdf",
              topics=("secret", "dse"), matches=("secret professionnel", "CPAS"),
              snippet="… lever le " + "secret professionnel " * 8 + "des CPAS …",
              reason=Reason("status_changed", {"before": "déposé", "after": "adopté"})),
        Alert(id=4, kind="source_broken", source_id="cp", detected_at="2026-11-30T08:00:00+00:00",
              title="Code pénal", reason=Reason("source_broken", {"error": "HTTP 503 <html>"})),
    ]
    checked = [
        Checked(source_id="cp", title="Code pénal", url="https://example.org/cp", state="ok",
                last_success="2026-11-30T06:05:00+00:00", broken_since=None, error=None,
                provisions=["458bis", "458ter", "458quater"], times=4),
        Checked(source_id="chambre", title="Chambre <i>x</i>", url="https://example.org/ch", state="ok",
                last_success="2026-11-30T07:10:00+00:00", broken_since=None, error=None, times=1),
    ]
    broken = [Checked(source_id="cp", title="Code pénal", url="https://example.org/cp", state="broken",
                      last_success="2026-11-29T06:00:00+00:00", broken_since="2026-11-30T08:00:00+00:00",
                      error="HTTP 503 Service Unavailable " * 4)]
    stories = {1: StoryLine(id=7, title="Secret des CPAS — loi du 8 juillet 1976", published="2026-11-28",
                            in_force="2027-01-01", consolidated=None,
                            earlier=(("filed", "2026-10-01T09:00:00+00:00"), ("adopted", "2026-11-20T09:00:00+00:00")))}
    notes = {1: [{"status": "checked", "fr": "Vérifié avec le texte du Moniteur.", "nl": "Nagekeken.",
                  "author": "Juriste <b>FdC</b>", "at": "2026-11-30T09:00:00+00:00", "story_id": None}],
             2: [{"status": "disputed", "fr": "", "nl": "Niet zeker.", "author": "", "at": "2026-11-30T09:00:00+00:00",
                  "story_id": None}]}
    digest = config.digests[0]
    c = Content(digest=digest, alerts=alerts, checked=checked, broken=broken,
                period_start="2026-11-29T06:00:00+00:00", period_end="2026-11-30T06:00:00+00:00",
                refused={"old@example.org": 2}, stories=stories, notes=notes)
    return config, c


@pytest.mark.parametrize("lang", ["fr", "nl"])
def test_the_rendered_digest_is_unchanged_byte_for_byte(tmp_path: Path, lang: str) -> None:
    config, c = content(tmp_path, lang)
    text, html = render(config, c)
    msg = message(config, c)
    body = msg.get_body(("plain",))
    assert body is not None
    parts = {"txt": text, "html": html, "subject": str(msg["Subject"]),
             "mime.txt": body.as_string().split("\n\n", 1)[1]}
    for ext, got in parts.items():
        path = DATA / f"golden_{lang}.{ext}"
        if os.environ.get("WATCHER_GOLDEN_WRITE"):
            path.write_bytes(got.encode("utf-8"))
        assert got.encode("utf-8") == path.read_bytes(), f"{path.name} differs"
