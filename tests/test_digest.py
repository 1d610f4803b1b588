"""E-mail digests through a real SMTP server (aiosmtpd on 127.0.0.1), parsed
back with the email package."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

import synthetic
from conftest import CODE_PENAL_OLD, LocalServer, Watcher, free_port, recording

AMENDED_FROM = "d'un an à trois ans et d'une amende de cent euros à mille euros"
AMENDED_TO = "de deux ans à cinq ans et d'une amende de cinq cents euros à cinq mille euros"


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def]
        if address.startswith("gone@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class Smtp:
    def __init__(self) -> None:
        self.port = free_port()
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp() -> Iterator[Smtp]:
    s = Smtp()
    s.start()
    yield s
    s.stop()


def mail_config(port: int, *, send_empty: bool = True, language: str = "fr", frequency: str = "daily") -> str:
    return (
        f'[smtp]\nhost = "127.0.0.1"\nport = {port}\nsecurity = "none"\nfrom = "veille@watcher.example"\n\n'
        f'[[digest]]\nid = "federation"\ntitle = "Fédération des CPAS"\nto = ["equipe@federation.example", "juriste@federation.example"]\n'
        f'frequency = "{frequency}"\nlanguage = "{language}"\nsend_empty = {"true" if send_empty else "false"}\n'
    )


def justel_source(url: str) -> str:
    return f'[[source]]\nid = "cp"\nkind = "justel"\ntitle = "Code pénal"\nurl = "{url}"\narticles = ["458", "458bis"]\ntopics = ["secret-professionnel"]\n'


def amended() -> bytes:
    return recording(CODE_PENAL_OLD).decode("utf-8").replace(AMENDED_FROM, AMENDED_TO).encode("utf-8")


@pytest.fixture
def watched(tmp_path: Path, server: LocalServer, smtp: Smtp) -> Watcher:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, justel_source(url) + "\n" + mail_config(smtp.port))
    w.check()
    server.serve("/cp", amended())
    w.check()
    assert len(w.alerts()) == 1
    return w


def parts(msg: EmailMessage) -> tuple[str, str]:
    assert msg.get_content_type() == "multipart/alternative"
    plain = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert plain is not None and html is not None
    return plain.get_content(), html.get_content()


def test_digest_says_what_where_when_why_and_the_words(watched: Watcher, smtp: Smtp) -> None:
    res = watched("digest", "--force")
    assert res.code == 0, res.err
    (msg,) = smtp.inbox.messages
    text, html = parts(msg)
    # headers
    assert msg["Subject"] == "[watcher: Fédération des CPAS] 1 changement — Secret professionnel"
    assert msg["From"] == "veille@watcher.example"
    mid = str(msg["Message-ID"]).strip()
    assert mid.startswith("<") and mid.endswith("@watcher.example>")
    assert msg["Date"] and msg["List-Id"] == "Fédération des CPAS <federation.watcher.watcher.example>"
    assert str(msg["List-Unsubscribe"]).strip() == "<mailto:veille@watcher.example?subject=unsubscribe%20federation>"
    assert smtp.inbox.envelopes[0][1] == ["equipe@federation.example", "juriste@federation.example"]
    # what, where, when, why, and the change, in the text part
    assert "Code pénal, art. 458" in text
    assert "Lien officiel: http://127.0.0.1" in text and "#Art.458" in text
    assert "Détecté:" in text
    assert "Motif: texte modifié" in text  # the reason in the reader's language
    assert "[- d'un an -][+ de deux ans +]" in text
    assert "[- cent -][+ cinq cents +]" in text
    # trimmed to the changed passage: the article's start is not repeated
    assert text.count("Les médecins, chirurgiens") == 0
    # "checked, unchanged" names the watched provisions that did not change
    unchanged = text.split("== Vérifié, inchangé ==", 1)[1]
    assert "art. 458bis" in unchanged and "art. 458," not in unchanged and "art. 458 " not in unchanged
    # the HTML part marks deletions and insertions, accents intact
    assert '<del style="' in html and "d&#39;un an</del>" in html
    assert '<ins style="' in html and "de deux ans</ins>" in html
    assert "Vérifié, inchangé" in html and "é" in html


def test_exactly_once_and_send_empty(tmp_path: Path, watched: Watcher, smtp: Smtp) -> None:
    assert watched("digest", "--force").code == 0
    assert len(smtp.inbox.messages) == 1
    # nothing new, send_empty = true: an empty digest still says what was checked
    assert watched("digest", "--force").code == 0
    empty_text, _ = parts(smtp.inbox.messages[1])
    assert "Aucun changement détecté." in empty_text and "Vérifié, inchangé" in empty_text
    assert "[- " not in empty_text
    # with send_empty = false nothing at all is sent
    cfg = watched.config.read_text(encoding="utf-8").replace("send_empty = true", "send_empty = false")
    watched.config.write_text(cfg, encoding="utf-8")
    res = watched("digest", "--force")
    assert res.code == 0 and "nothing new" in res.out
    assert len(smtp.inbox.messages) == 2


def test_smtp_down_fails_cleanly_then_delivers_the_same_alerts(watched: Watcher, smtp: Smtp) -> None:
    smtp.stop()
    res = watched("digest", "--force")
    assert res.code == 1 and "failed" in res.out and "Traceback" not in res.err
    smtp.start()
    res = watched("digest", "--force")
    assert res.code == 0
    (msg,) = smtp.inbox.messages
    text, _ = parts(msg)
    assert "[- cent -][+ cinq cents +]" in text


def test_dry_run_writes_eml_and_records_nothing(tmp_path: Path, watched: Watcher, smtp: Smtp) -> None:
    out = tmp_path / "eml"
    before = watched.db.read_bytes()
    res = watched("digest", "--dry-run", "--out", str(out), "--force")
    assert res.code == 0
    # not one byte of the database changed (the digest's start is not fixed by a
    # dry run); a reader's WAL index may appear, its log stays empty
    assert watched.db.read_bytes() == before
    wal = watched.db.with_name(watched.db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    (eml,) = list(out.glob("*.eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert "1 changement" in msg["Subject"]
    assert smtp.inbox.messages == []
    assert watched("digest", "--force").code == 0
    assert "1 changement" in smtp.inbox.messages[0]["Subject"]


def test_not_due_without_force(watched: Watcher, smtp: Smtp) -> None:
    cfg = watched.config.read_text(encoding="utf-8").replace('frequency = "daily"', 'frequency = "weekly"\nweekday = "sunday"\nat = "23:59"')
    watched.config.write_text(cfg, encoding="utf-8")
    assert watched("digest", "--force").code == 0
    res = watched("digest")
    assert res.code == 0 and "not due" in res.out
    assert len(smtp.inbox.messages) == 1


def test_dutch_digest(tmp_path: Path, server: LocalServer, smtp: Smtp) -> None:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, justel_source(url) + "\n" + mail_config(smtp.port, language="nl"))
    w.check()
    server.serve("/cp", amended())
    w.check()
    assert w("digest", "--force").code == 0
    text, _ = parts(smtp.inbox.messages[0])
    assert "1 wijziging" in smtp.inbox.messages[0]["Subject"]
    assert "Wat veranderde" in text and "Nagekeken, ongewijzigd" in text
    assert "Reden: tekst gewijzigd" in text


def test_scraped_text_cannot_inject_headers_or_html(tmp_path: Path, server: LocalServer, smtp: Smtp) -> None:
    items = [("g1", "Assemblée", "https://rwlp.be/ag", "<p>AG.</p>")]
    url = server.serve("/feed/", synthetic.rss(items))
    src = '[[source]]\nid = "rwlp"\nkind = "feed"\nurl = "' + url + '"\n'
    w = Watcher(tmp_path, server, src + "\n" + mail_config(smtp.port))
    w.check()
    evil_title = "Secret professionnel\r\nBcc: victim@example.org\r\n<script>alert(1)</script>"
    evil = ("g2", evil_title, "javascript:alert(1)", "<p>Le secret professionnel <script>alert(2)</script></p>")
    server.serve("/feed/", synthetic.rss([evil, *items]))
    w.check()
    assert len(w.alerts()) == 1
    assert w("digest", "--force").code == 0
    (msg,) = smtp.inbox.messages
    assert msg["Bcc"] is None and "victim@example.org" not in str(msg["Subject"])
    assert smtp.inbox.envelopes[0][1] == ["equipe@federation.example", "juriste@federation.example"]
    text, html = parts(msg)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript:' not in html
    assert "Bcc: victim@example.org" in text.replace("\r", "")  # the words are shown, as text, on one line
    assert "\nBcc:" not in text


def test_crash_between_sending_and_recording_sends_at_most_one_duplicate(watched: Watcher, smtp: Smtp) -> None:
    """The outbox is written before SMTP; a crash before it is marked sent
    leaves it 'sending', which does not count: the alert goes out again once."""
    from watcher import outbox
    from watcher.config import load
    from watcher.notify import digest as contents
    from watcher.notify.mailer import message, send
    from watcher.store import Store

    config = load(watched.config)
    d = config.digests[0]
    store = Store.open(watched.db)
    try:
        content = contents.build(store, config, d)
        msg = message(config, content)
        outbox.begin_send(store, d, content.alerts, content.period_start, str(msg["Message-ID"]))
        assert config.smtp is not None
        send(config.smtp, msg, d)
        # ... the process dies here, before finish_send
    finally:
        store.close()
    assert watched("digest", "--force").code == 0
    assert watched("digest", "--force").code == 0
    subjects = [m["Subject"] for m in smtp.inbox.messages]
    assert subjects[0] == subjects[1] and "1 changement" in subjects[0]  # the one duplicate
    assert "rien de neuf" in subjects[2]  # and never again


@pytest.mark.parametrize(
    "extra, fragment",
    [
        ('[[digest]]\nid = "x"\nto = ["a@b.example"]\n', "digests need an [smtp] table"),
        ('[smtp]\nhost = "h"\nfrom = "nope"\n', 'key "from": "nope" is not an e-mail address'),
        ('[smtp]\nhost = "h"\nfrom = "a@b.example"\nsecurity = "tls"\n', 'key "security"'),
        ('[smtp]\nhost = "h"\nfrom = "a@b.example"\npassword = "hunter2"\n', 'unknown key'),
        ('[smtp]\nhost = "h"\nfrom = "a@b.example"\n[[digest]]\nid = "x"\nto = ["a@b.example"]\nfrequency = "hourly"\n', 'key "frequency"'),
        ('[smtp]\nhost = "h"\nfrom = "a@b.example"\n[[digest]]\nid = "x"\nto = ["a@b.example"]\nat = "7h"\n', 'key "at"'),
        ('[smtp]\nhost = "h"\nfrom = "a@b.example"\n[[digest]]\nid = "x"\nto = ["a@b.example"]\ntopics = ["nope"]\n', 'undefined topic "nope"'),
    ],
)
def test_mail_config_is_validated(tmp_path: Path, server: LocalServer, extra: str, fragment: str) -> None:
    w = Watcher(tmp_path, server, extra)
    res = w("check")
    assert res.code == 2 and fragment in res.err and "Traceback" not in res.err


def test_run_sends_immediate_digests_at_the_end_of_the_pass(tmp_path: Path, server: LocalServer, smtp: Smtp) -> None:
    import signal
    import subprocess
    import sys
    import time

    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(
        tmp_path, server,
        justel_source(url).replace('topics = ["secret-professionnel"]', 'topics = ["secret-professionnel"]\nevery = "1s"')
        + "\n" + mail_config(smtp.port, frequency="immediate"),
        settings="jitter = 0\n",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "watcher", "--config", str(w.config), "--db", str(w.db), "run"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (w.db.exists() and w("status", "--json").json()[0]["ok"]):  # type: ignore[index]
            time.sleep(0.2)
        assert smtp.inbox.messages == []  # the baseline raised nothing, so nothing is sent
        server.serve("/cp", amended())
        while time.monotonic() < deadline and not smtp.inbox.messages:
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=15)
    assert proc.returncode == 0
    (msg,) = smtp.inbox.messages
    assert "1 changement" in msg["Subject"]
    text, _ = parts(msg)
    assert "[- cent -][+ cinq cents +]" in text


def test_one_refused_recipient_does_not_resend_to_the_others(watched: Watcher, smtp: Smtp) -> None:
    cfg = watched.config.read_text(encoding="utf-8").replace(
        'to = ["equipe@federation.example", "juriste@federation.example"]',
        'to = ["equipe@federation.example", "gone@federation.example"]',
    )
    watched.config.write_text(cfg, encoding="utf-8")
    res = watched("digest", "--force")
    assert res.code == 0 and "refused: gone@federation.example" in res.out
    assert smtp.inbox.envelopes[0][1] == ["equipe@federation.example"]
    watched("digest", "--force")  # the alert was delivered: the next digest is empty
    assert "rien de neuf" in smtp.inbox.messages[1]["Subject"]
    # Refused twice in a row: `watcher status` and the next digest's footer say so.
    assert "digest federation: the mail server refused gone@federation.example (2 in a row)" in watched("status").out
    watched("digest", "--force")
    text, html = parts(smtp.inbox.messages[2])
    footer = text.split("== Adresses refusées par le serveur de courrier", 1)[1]
    assert "gone@federation.example: 2 envoi(s) de suite" in footer
    assert "gone@federation.example : 2" in html


def test_a_broken_source_is_reported_in_every_digest(tmp_path: Path, server: LocalServer, smtp: Smtp) -> None:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    topics = '[[topic]]\nid = "secret-professionnel"\nterms = ["secret professionnel"]\n[[topic]]\nid = "dse"\nterms = ["DSE"]\n'
    digest = mail_config(smtp.port).replace('send_empty = true', 'send_empty = true\ntopics = ["dse"]')
    w = Watcher(tmp_path, server, justel_source(url) + "\n" + digest, topics=topics)
    w.check()
    server.serve("/cp", b"<html><body>maintenance</body></html>")
    w.check(expect=1)
    assert w("digest", "--force").code == 0
    assert w("digest", "--force").code == 0  # the source_broken alert went out; the source still is
    for msg in smtp.inbox.messages:
        text, _ = parts(msg)
        assert "Sources en panne" in text and "Code pénal" in text


# ---------------------------------------------------------- a digest that never contradicts itself

THREE = '[[source]]\nid = "cp"\nkind = "justel"\ntitle = "Code pénal"\nurl = "{url}"\narticles = ["458", "458bis", "458ter"]\ntopics = ["secret-professionnel"]\n'


def _digest_text(tmp_path: Path, server: LocalServer, smtp: Smtp, language: str, page: bytes) -> tuple[str, str]:
    url = server.serve("/cp", recording(CODE_PENAL_OLD))
    w = Watcher(tmp_path, server, THREE.format(url=url) + "\n" + mail_config(smtp.port, language=language))
    w.check()
    w.check()
    server.serve("/cp", page)
    w.check()
    assert w("digest", "--force").code == 0
    text, html = parts(smtp.inbox.messages[-1])
    return text.replace("\r\n", "\n"), html


SECTIONS = {
    "fr": ("== Ce qui a changé", "== Vérifié, inchangé ==", "vérifié 3 fois, dernière fois le"),
    "nl": ("== Wat veranderde", "== Nagekeken, ongewijzigd ==", "3 keer nagekeken, laatst op"),
}


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_checked_unchanged_lists_only_what_did_not_change(tmp_path: Path, server: LocalServer, smtp: Smtp, language: str) -> None:
    text, html = _digest_text(tmp_path, server, smtp, language, amended())
    changed_h, unchanged_h, times = SECTIONS[language]
    changed, unchanged = text.split(changed_h, 1)[1].split(unchanged_h, 1)
    assert "Code pénal, art. 458" in changed
    assert "art. 458bis, art. 458ter" in unchanged and "art. 458," not in unchanged
    assert times in unchanged
    # the HTML says the same, in the same order
    assert html.index("art. 458") < html.index("art. 458bis, art. 458ter")
    assert "art. 458, " not in html.split(unchanged_h.strip("= "), 1)[1]
    # the plain text: every line of an alert indented under its number, 72 columns, URLs whole
    block = changed.split("\n\n", 1)[1].split("\n\n")[0]
    lines = block.splitlines()
    assert lines[0].startswith("1. [")
    assert all(line.startswith("   ") for line in lines[1:]), block
    for line in text.splitlines():
        assert len(line) <= 72 or ("http" in line and " " not in line.split("http", 1)[1]), line
    assert "#Art.458" in text  # the official link, never cut


@pytest.mark.parametrize("language", ["fr", "nl"])
def test_a_source_whose_every_provision_changed_is_not_unchanged(tmp_path: Path, server: LocalServer, smtp: Smtp, language: str) -> None:
    page = recording(CODE_PENAL_OLD).decode("utf-8")
    for n in ("458", "458bis", "458ter"):
        anchor = page.index(f"NAME='Art.{n}'")
        cut = page.index("</A>.", page.index("</A>", anchor) + 4) + len("</A>.")
        page = page[:cut] + " Mot ajouté. " + page[cut:]
    text, _ = _digest_text(tmp_path, server, smtp, language, page.encode("utf-8"))
    _, unchanged_h, _ = SECTIONS[language]
    assert "Code pénal" not in text.split(unchanged_h, 1)[1]
    assert text.count("Mot ajouté") == 3


def test_a_lawyer_s_irrelevant_keeps_an_alert_out_of_the_next_digest(watched: Watcher, smtp: Smtp) -> None:
    (a,) = watched.alerts()
    res = watched("note", str(a["id"]), "--status", "irrelevant", "--fr", "Sans effet sur les CPAS.", "--by", "Juriste")
    assert res.code == 0, res.err
    assert watched("digest", "--force").code == 0
    assert "rien de neuf" in smtp.inbox.messages[-1]["Subject"]
    assert watched.alerts()[0]["notes"][0]["status"] == "irrelevant"  # kept, and marked
    bad = watched("note", "nope", "--status", "checked", "--fr", "x")
    assert bad.code == 2


def test_a_note_appears_in_the_next_digest(watched: Watcher, smtp: Smtp) -> None:
    (a,) = watched.alerts()
    assert watched("note", str(a["id"]), "--status", "disputed", "--fr", "Portée discutée.", "--nl", "Betwiste draagwijdte.").code == 0
    assert watched("digest", "--force").code == 0
    text, html = parts(smtp.inbox.messages[-1])
    assert "Note (contesté): Portée discutée." in text and "Portée discutée." in html


def _bodies() -> Iterator[str]:
    """Texts that take every branch of the library's choice of encoding, and
    lines that end where quoted-printable must break or escape."""
    import random

    rng = random.Random(8)
    alphabet = "aé =\t.\u2066\u202e€<>&\"'\r\x0b\x85𝔄" + "x" * 20
    yield ""
    yield "court\n"
    yield "ascii only, long " * 20 + "\n" + "ligne\n" * 12
    yield ("é" * 40 + "\n") * 12  # short lines, not ASCII: 8bit
    yield "\n".join("x" * n + tail for n in range(70, 82) for tail in ("", " ", "\t", "=", "é", " =", "=\t"))
    yield ("\x00\x01\x02" * 30 + "\n") * 12  # base64 is shorter
    yield "\r\n".join("ligne " + "é" * n for n in range(60)) + "\r\n"
    for _ in range(60):
        lines = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 200))) for _ in range(rng.randrange(0, 30))]
        yield "\n".join(lines) + rng.choice(["", "\n", " ", "\r"])


@pytest.mark.parametrize("subtype", ["plain", "html"])
def test_the_remembered_line_encoding_gives_the_library_s_bytes(subtype: str) -> None:
    """Digests encode each body line once per run (``mailer.set_text``); the
    message must stay byte for byte what ``set_content`` makes."""
    from watcher.notify.mailer import set_text

    remembered: dict[bytes, str] = {}
    bodies = list(_bodies())
    for body in bodies + bodies:  # the second round reads the remembered lines
        ours, theirs = EmailMessage(), EmailMessage()
        set_text(ours, body, subtype, remembered)
        theirs.set_content(body, subtype=subtype, charset="utf-8")
        assert bytes(ours) == bytes(theirs), body[:80]
    assert remembered  # the quoted-printable branch was taken
