"""`bot run --send smtp://HOST:PORT` against a real SMTP server (aiosmtpd) on 127.0.0.1."""
from __future__ import annotations

import json
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import pytest

from tests.bot_util import MINI, V3, V3_PATCH1, bot_cli, policy_file, series_mails, write_maildir

aiosmtpd = pytest.importorskip("aiosmtpd.controller", reason="aiosmtpd is not installed (pip install -e '.[dev]')")


class Inbox:
    """An aiosmtpd handler keeping every accepted message with its envelope."""

    def __init__(self):
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Inbox()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()


def test_replies_sent_by_smtp_arrive_threaded_and_only_once(tmp_path, smtp_server):
    handler, port = smtp_server
    write_maildir(tmp_path / "inbox", series_mails(V3))
    state = tmp_path / "state.sqlite3"
    args = ("run", "--inbox", f"maildir:{tmp_path / 'inbox'}", "--tree", str(MINI), "--state", str(state),
            "--send", f"smtp://127.0.0.1:{port}", "--config", str(policy_file(tmp_path, 'cc = "all"\n')), "--once")
    proc = bot_cli(tmp_path, *args)
    assert proc.returncode == 0, proc.stderr
    assert len(handler.received) == 1
    mail_from, rcpt, data = handler.received[0]
    assert mail_from == "bot@example.org"
    assert rcpt == ["ross.zwisler@linux.intel.com", "akpm@linux-foundation.org", "jack@suse.cz", "linux-mm@kvack.org"]
    mail = message_from_bytes(data, policy=default_policy)
    assert mail["In-Reply-To"] == f"<{V3_PATCH1}>"
    assert mail["References"] == f"<cover.1795560350.git.ross.zwisler@linux.intel.com> <{V3_PATCH1}>"
    assert mail["Subject"] == "Re: [PATCH v3 1/3] mm: add a mkwrite parameter to vmf_insert_mixed()"
    assert mail["Message-ID"].startswith("<reviewbot-") and mail["Message-ID"].endswith("@example.org>")
    assert "RB-API-CALLER" in mail.get_content() and "Reviewed-by" not in mail.get_content()
    # again, and with the mail delivered once more by the list (a duplicate): nothing more is sent
    write_maildir(tmp_path / "inbox", series_mails(V3)[1:2], start=50)
    proc = bot_cli(tmp_path, *args)
    assert proc.returncode == 0, proc.stderr
    assert len(handler.received) == 1
    data = json.loads(bot_cli(tmp_path, "status", "--state", str(state), "--format", "json").stdout)
    assert data["replies"] == {"written": 0, "sent": 1, "planned": 0, "suppressed": 0}


def test_a_server_that_is_down_leaves_the_reply_waiting_until_it_accepts(tmp_path, smtp_server):
    handler, port = smtp_server
    write_maildir(tmp_path / "inbox", series_mails(V3))
    state = tmp_path / "state.sqlite3"
    base = ("run", "--inbox", f"maildir:{tmp_path / 'inbox'}", "--tree", str(MINI), "--state", str(state),
            "--config", str(policy_file(tmp_path)), "--once")
    down = bot_cli(tmp_path, *base, "--send", f"smtp://127.0.0.1:{free_port()}")
    assert down.returncode == 0, down.stderr
    data = json.loads(bot_cli(tmp_path, "status", "--state", str(state), "--format", "json").stdout)
    assert data["replies"]["planned"] == 1 and data["replies"]["sent"] == 0
    assert "smtp://127.0.0.1:" in data["last_error"] and "Connection refused" in data["last_error"]
    up = bot_cli(tmp_path, *base, "--send", f"smtp://127.0.0.1:{port}")
    assert up.returncode == 0, up.stderr
    assert len(handler.received) == 1
    bot_cli(tmp_path, *base, "--send", f"smtp://127.0.0.1:{port}")
    assert len(handler.received) == 1
