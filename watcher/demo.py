"""``watcher demo``: see watcher work in a few seconds, offline.

It serves the SYNTHETIC sample pages of :mod:`watcher.samples` on 127.0.0.1
(a 2024-layout Justel page with art. 458, 458bis and 458ter, a Moniteur
summary and publication, a Chamber list, dossier and bill, a federation's
feed), checks them once, changes them the way real amendments do (a law
amending art. 458 filed, published and consolidated; a circular in the
feed), checks again, then prints the alerts, writes the digests as ``.eml``
files with an HTML preview, exports the archive, and serves it.  Nothing
leaves 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import threading
from collections.abc import Callable
from datetime import date
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

from . import samples

LIST = "/kvvcr/showpage.cfm?section=/flwb/recent&language=fr&cfm=/site/wwwcfm/flwb/rapweekweekly.cfm?week=1"
DOSSIER = "/kvvcr/showpage.cfm?section=/flwb&language=fr&cfm=/site/wwwcfm/flwb/flwbn.cfm?lang=F&legislat=55&dossierID=3999"
JUSTEL = "/cgi_loi/article.pl?language=fr&lg_txt=f&cn_search=1867060801"
SUMMARY = "/cgi/summary.pl"
BILL = "Projet de loi portant des dispositions diverses en matière de justice."
LAW = "15 NOVEMBRE 2026. - Loi portant des dispositions diverses en matière de justice"
NUMAC = "2026009999"

ART_458 = (
    "Les médecins, chirurgiens, officiers de santé, pharmaciens, sages-femmes et toutes autres personnes dépositaires, "
    "par état ou par profession, des secrets qu'on leur confie, qui, hors le cas où ils sont appelés à rendre "
    "témoignage en justice et celui où la loi les oblige à faire connaître ces secrets, les auront révélés, seront "
    "punis d'un emprisonnement d'un an à trois ans et d'une amende de cent euros à mille euros."
)
ART_458BIS = "Toute personne qui, par état ou par profession, est dépositaire de secrets peut en informer le procureur du Roi."
ART_458TER = "Il n'y a pas d'infraction lorsqu'une personne tenue au secret professionnel le partage dans une concertation de cas."
NOTE_2017 = "L 2017-07-06/24, art. 312, 124; En vigueur : 03-08-2017"


class Site:
    """The sample pages on 127.0.0.1, changeable between passes."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                page = site.pages.get(self.path) or site.pages.get(self.path.split("?", 1)[0])
                if page is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                body, ctype = page
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def serve(self, path: str, body: bytes, ctype: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (body, ctype)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def first_pass(site: Site, today: date) -> None:
    site.serve(JUSTEL, samples.justel_page(
        "1867060850", "8 JUIN 1867. - CODE PENAL",
        [("458", ART_458, [NOTE_2017]), ("458bis", ART_458BIS, []), ("458ter", ART_458TER, [])], "2026-10-01"))
    site.serve(SUMMARY, samples.moniteur_summary(today.isoformat(), {samples.MB_OTHER: [("2026000001", "SPF Intérieur", "Arrêté royal portant nomination")]}))
    site.serve(LIST, samples.chamber_list([("55K3950", "Projet de loi relatif aux heures d'ouverture.", "12/11/2026", "PROJET DE LOI")]))
    site.serve("/feed/", samples.rss([("rwlp-1", "Assemblée générale du réseau", "https://rwlp.example/ag", "<p>Compte rendu.</p>")]),
               "application/rss+xml")


def second_pass(site: Site, today: date) -> None:
    """A law amending art. 458: filed, published, consolidated; and a circular in a federation's feed."""
    site.serve(LIST, samples.chamber_list([
        ("55K3999", BILL, "20/11/2026", "PROJET DE LOI"),
        ("55K3950", "Projet de loi relatif aux heures d'ouverture.", "12/11/2026", "PROJET DE LOI"),
    ]))
    site.serve(DOSSIER, samples.chamber_dossier("55K3999", BILL, "ADOPTE CHAMBRE", "20/11/2026", [("001", "20/11/2026", "PROJET DE LOI")]))
    site.serve("/FLWB/PDF/55/3999/55K3999001.pdf", samples.pdf([
        "Art. 5. Dans l'article 458 du Code pénal de 1867, les mots « d'un an à trois ans » sont remplacés",
        "par les mots « de deux ans à cinq ans ».",
    ]), "application/pdf")
    site.serve(SUMMARY, samples.moniteur_summary(today.isoformat(), {
        samples.MB_LEGISLATIVE: [(NUMAC, "Service public fédéral Justice", LAW)],
        samples.MB_OTHER: [("2026000001", "SPF Intérieur", "Arrêté royal portant nomination")],
    }))
    site.serve(
        f"/cgi/article.pl?language=fr&sum_date={today.isoformat()}&lg_txt=f&caller=sum&s_editie=1&{NUMAC}=1&numac_search={NUMAC}&view_numac=",
        samples.moniteur_publication(NUMAC, LAW, [
            "Art. 5. Dans l'article 458 du Code pénal de 1867, les mots « d'un an à trois ans » sont remplacés par les mots « de deux ans à cinq ans ».",
            "Art. 12. La présente loi entre en vigueur le 1er décembre 2026.",
            "Note (1) Chambre des représentants (www.lachambre.be) Documents : 55-3999.",
        ]),
    )
    site.serve(JUSTEL, samples.justel_page(
        "1867060850", "8 JUIN 1867. - CODE PENAL",
        [("458", ART_458.replace("d'un an à trois ans", "de deux ans à cinq ans"),
          [NOTE_2017, "L 2026-11-15/07, art. 5, 131; En vigueur : 01-12-2026"]),
         ("458bis", ART_458BIS, []), ("458ter", ART_458TER, [])],
        "2026-11-25"))
    site.serve("/feed/", samples.rss([
        ("rwlp-2", "Circulaire relative au rapport social électronique", "https://rwlp.example/rse",
         "<p>Le SPP Intégration sociale précise l'échange du rapport social électronique entre CPAS.</p>"),
        ("rwlp-1", "Assemblée générale du réseau", "https://rwlp.example/ag", "<p>Compte rendu.</p>"),
    ]), "application/rss+xml")


def config_text(base: str, topics: str) -> str:
    return (
        "# SYNTHETIC demo configuration: every source is a sample page on 127.0.0.1.\n"
        '[settings]\ndatabase = "watcher.db"\narchive_dir = "alerts"\nhost_delay = 0\nretries = 0\ntimeout = 10\n\n'
        + topics
        + f'\n[[source]]\nid = "code-penal"\nkind = "justel"\ntitle = "Code pénal (1867)"\nurl = "{base}{JUSTEL}"\n'
        'articles = ["458", "458bis", "458ter"]\ntopics = ["secret-professionnel"]\n'
        f'\n[[source]]\nid = "moniteur"\nkind = "moniteur"\ntitle = "Moniteur belge"\nurl = "{base}{SUMMARY}?language=fr"\n'
        f'\n[[source]]\nid = "chambre"\nkind = "chamber"\ntitle = "Chambre : documents récents"\nurl = "{base}{LIST}"\n'
        f'\n[[source]]\nid = "rwlp"\nkind = "feed"\ntitle = "RWLP"\nurl = "{base}/feed/"\n'
        '\n[smtp]\nhost = "smtp.invalid"\nfrom = "veille@watcher.example"\n'
        '\n[[digest]]\nid = "federation-fr"\ntitle = "Fédération des CPAS"\nto = ["juristes@federation.example"]\nlanguage = "fr"\n'
        '\n[[digest]]\nid = "federatie-nl"\ntitle = "Federatie van OCMW\'s"\nto = ["juristen@federatie.example"]\nlanguage = "nl"\n'
    )


def default_topics() -> str:
    """The [[topic]] tables of the packaged default watch list."""
    from importlib.resources import files

    text = files("watcher").joinpath("data/sources.toml").read_text(encoding="utf-8")
    start = text.index("[[topic]]")
    end = text.index("# --------------------------------------------------------------- sources")
    return text[start:end]


def run(directory: Path, echo: Callable[[str], None], cli: Callable[[list[str]], int]) -> int:
    """Build the demo in ``directory``; the exit status of the first step that failed, or 0."""
    directory.mkdir(parents=True, exist_ok=True)
    today = _brussels_today()
    cfg = directory / "sources.toml"
    with Site() as site:
        first_pass(site, today)
        cfg.write_text(config_text(site.base, default_topics()), encoding="utf-8")
        base = ["--config", str(cfg), "-q"]
        echo(f"Sample pages (synthetic) served on {site.base}; configuration in {cfg}")
        echo("1/2 first check: every source's baseline …")
        if code := _quiet(cli, [*base, "check"]):
            return code
        second_pass(site, today)
        echo("2/2 the sample pages change as real amendments do; second check …")
        if code := _quiet(cli, [*base, "check"]):
            return code
    echo("")
    cli([*base, "alerts"])
    out = directory / "mail"
    _quiet(cli, [*base, "digest", "--dry-run", "--force", "--out", str(out)])
    previews = write_previews(out)
    echo(f"\nDigests as e-mail: {', '.join(str(p) for p in sorted(out.glob('*.eml')))}")
    echo(f"HTML previews: {', '.join(str(p) for p in previews)}")
    if code := _quiet(cli, [*base, "export", str(directory / "alerts")]):
        return code
    echo(f"Archive exported to {directory / 'alerts'} (open index.html)")
    return 0


def _brussels_today() -> date:
    from datetime import datetime

    return datetime.now(ZoneInfo("Europe/Brussels")).date()


def _quiet(cli: Callable[[list[str]], int], args: list[str]) -> int:
    with contextlib.redirect_stdout(io.StringIO()):
        return cli(args)


def write_previews(folder: Path) -> list[Path]:
    """Each digest's HTML part as a file a browser opens."""
    out = []
    for eml in sorted(folder.glob("*.eml")):
        msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
        html = msg.get_body(("html",)) if isinstance(msg, EmailMessage) else None
        if html is not None:
            path = eml.with_suffix(".html")
            path.write_text(html.get_content(), encoding="utf-8")
            out.append(path)
    return out
