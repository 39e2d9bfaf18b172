"""Where replies go: a maildir outbox (written to tmp/, then renamed into new/) or an SMTP server.

A reply's file name in the outbox is made from its Message-ID, so after a crash between writing the
file and recording it the bot finds the file and records it instead of writing a second copy (also
when an outbox reader already moved it to cur/). SMTP has no such check: a reply is recorded as sent
only once the server accepted it, so a crash in the instant between the server's "250" and the
record sends it again, with the same Message-ID (lists and mail readers drop the copy).

Nothing is delivered that carries a Reviewed-by, Acked-by or Tested-by of its own: people give those.
"""
from __future__ import annotations

import hashlib
import os
import re
import smtplib
import socket
from email import message_from_bytes
from email.policy import SMTP as SMTP_POLICY
from email.utils import getaddresses
from pathlib import Path
from urllib.parse import urlsplit

from reviewbot.errors import InputError

# A tag line the bot wrote itself: quoted lines ("> Reviewed-by: ...") are the patch's, not ours.
_TAG = re.compile(r"^(Reviewed|Acked|Tested)-by:", re.I | re.M)


class DeliveryError(Exception):
    """A reply that could not be delivered now (server down, disk full): tried again next pass."""


def has_review_tag(raw: bytes) -> bool:
    body = raw.split(b"\n\n", 1)[-1].decode("utf-8", "replace")
    return bool(_TAG.search(body))


def outbox_name(msgid: str) -> str:
    return hashlib.sha256(msgid.encode()).hexdigest()[:40] + ".reviewbot"


class MaildirOutbox:
    status = "written"

    def __init__(self, path: Path):
        self.path = Path(path)
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def has(self, msgid: str) -> bool:
        name = outbox_name(msgid)
        if (self.path / "new" / name).exists():
            return True
        return any(f.name.split(":", 1)[0] == name for f in (self.path / "cur").iterdir())

    def deliver(self, msgid: str, raw: bytes) -> str:
        if self.has(msgid):
            return "found in the outbox"
        name = outbox_name(msgid)
        tmp = self.path / "tmp" / name
        try:
            with open(tmp, "wb") as fh:
                fh.write(raw)
                fh.flush()
                os.fsync(fh.fileno())
            os.rename(tmp, self.path / "new" / name)
            _fsync_dir(self.path / "new")
        except OSError as exc:
            raise DeliveryError(f"outbox {self.path}: {exc.strerror or exc}") from None
        return "written"

    def close(self) -> None:
        pass


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SmtpOutbox:
    """``smtp://HOST:PORT``: one connection per batch, plain SMTP (a local MTA relays onwards)."""

    status = "sent"

    def __init__(self, url: str, timeout: float = 60.0):
        parts = urlsplit(url)
        if parts.scheme != "smtp" or not parts.hostname:
            raise InputError(f"--send {url}: give smtp://HOST:PORT")
        try:
            self.port = parts.port or 25
        except ValueError:
            raise InputError(f"--send {url}: the port is not a number") from None
        self.host = parts.hostname
        self.timeout = timeout
        self.conn: smtplib.SMTP | None = None

    def has(self, msgid: str) -> bool:
        return False

    def deliver(self, msgid: str, raw: bytes) -> str:
        msg = message_from_bytes(raw, policy=SMTP_POLICY)
        sender = getaddresses([str(msg.get("From", ""))])
        recipients = [a for _, a in getaddresses([str(v) for k in ("To", "Cc") for v in msg.get_all(k, [])]) if a]
        if not recipients:
            raise DeliveryError(f"{msgid}: no recipient")
        try:
            if self.conn is None:
                self.conn = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            # smtplib sends bytes as they are: SMTP wants CRLF line ends
            wire = re.sub(rb"\r?\n", b"\r\n", raw)
            refused = self.conn.sendmail(sender[0][1] if sender else "", recipients, wire)
        except (smtplib.SMTPException, OSError, socket.timeout) as exc:
            self.close()
            raise DeliveryError(f"smtp://{self.host}:{self.port}: {exc}") from None
        if len(refused) == len(recipients):
            raise DeliveryError(f"smtp://{self.host}:{self.port}: every recipient refused")
        return "sent"

    def close(self) -> None:
        if self.conn is not None:
            try:
                self.conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.conn = None
