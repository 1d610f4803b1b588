"""Build the digest message and hand it to SMTP.

multipart/alternative (plain text first, then HTML), UTF-8 throughout,
with Message-ID, Date, List-Id and List-Unsubscribe.  Header values never
carry scraped text; even so, every value is reduced to one line, so nothing
can add a header line.
"""

from __future__ import annotations

import binascii
import os
import smtplib
import ssl
from email import quoprimime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from ..config import Config, Digest, Smtp
from ..errors import SendError
from ..text import one_line
from .digest import Content
from .render import Blocks, render, subject


def message(config: Config, content: Content, blocks: Blocks | None = None) -> EmailMessage:
    assert config.smtp is not None
    digest = content.digest
    domain = config.smtp.from_.rsplit("@", 1)[1]
    text, html = render(config, content, blocks)
    msg = EmailMessage()
    msg["Subject"] = one_line(subject(config, content))
    msg["From"] = one_line(config.smtp.from_)
    msg["To"] = ", ".join(one_line(a) for a in digest.to)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(idstring=digest.id, domain=domain)
    msg["List-Id"] = f"{one_line(digest.title or digest.id)} <{digest.id}.watcher.{domain}>"
    msg["List-Unsubscribe"] = f"<mailto:{config.smtp.from_}?subject=unsubscribe%20{digest.id}>"
    msg["Auto-Submitted"] = "auto-generated"
    lines = blocks.lines if blocks is not None else {}
    set_text(msg, text, "plain", lines)
    msg.make_alternative()
    part = EmailMessage(policy=msg.policy)
    set_text(part, html, "html", lines)
    msg.attach(part)
    return msg


def set_text(part: EmailMessage, text: str, subtype: str, encoded: dict[bytes, str]) -> None:
    """``part.set_content(text, subtype=subtype, charset="utf-8")``, to the byte,
    with each line's quoted-printable form taken from ``encoded`` when known.

    Why: the standard library encodes a body in pure Python, and that was
    most of a digest's cost.  A digest run repeats each alert's lines in
    every digest the alert is in, and quoted-printable encodes each line on
    its own, so a line is encoded once per run.  Only the quoted-printable
    case is done here, decided as ``email.contentmanager`` decides it; every
    other case (short lines, base64, ten lines or fewer) is the library's
    own.  ``tests/test_digest.py`` compares both on hostile and random text.
    ``encoded`` is only ever used with one policy (one line width).
    """
    policy = part.policy
    width = policy.max_line_length
    lines = text.encode("utf-8").splitlines()
    if width and len(lines) > 10 and max(map(len, lines)) > width:
        eol = policy.linesep.encode("ascii")
        sniff = eol.join(lines[:10]) + eol
        if len(quoprimime.body_encode(sniff.decode("latin-1"), width)) <= len(binascii.b2a_base64(sniff)):
            part.set_content("", subtype=subtype, charset="utf-8", cte="quoted-printable")
            # Set operations and map() keep the thousand lines of a digest
            # out of a Python loop; only lines not seen yet are encoded.
            for line in set(lines).difference(encoded):
                encoded[line] = quoprimime.body_encode(line.decode("latin-1"), width)
            part.set_payload("\n".join(map(encoded.__getitem__, lines)) + "\n")
            return
    part.set_content(text, subtype=subtype, charset="utf-8")


def send(smtp: Smtp, msg: EmailMessage, digest: Digest) -> list[str]:
    """Deliver ``msg``; return the recipients the server refused.

    Raises :class:`SendError` when nobody got it.  When some recipients
    were refused and others accepted, the digest counts as sent (re-sending
    would mail the others again on every run) and the refused ones are
    returned for the log.
    """
    password = ""
    if smtp.username:
        if not smtp.password_env:
            raise SendError("[smtp] username is set but password_env does not name the variable holding the password")
        password = os.environ.get(smtp.password_env, "")
        if not password:
            raise SendError(f"the environment variable {smtp.password_env} (the SMTP password) is not set")
    try:
        if smtp.security == "ssl":
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=smtp.timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=smtp.timeout)
        with client:
            if smtp.security == "starttls":
                client.starttls(context=ssl.create_default_context())
            if smtp.username:
                client.login(smtp.username, password)
            refused = client.send_message(msg, from_addr=smtp.from_, to_addrs=list(digest.to))
    except smtplib.SMTPRecipientsRefused as e:
        raise SendError(f"the SMTP server refused every recipient: {', '.join(sorted(e.recipients))}") from None
    except (smtplib.SMTPException, OSError) as e:
        raise SendError(f"{type(e).__name__}: {e}") from None
    return sorted(refused)


def write_eml(out: Path, msg: EmailMessage, digest: Digest) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    stamp = formatdate(localtime=True).replace(",", "").replace(" ", "_").replace(":", "")
    path = out / f"{digest.id}_{stamp}.eml"
    path.write_bytes(bytes(msg))
    return path
