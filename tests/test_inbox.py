"""Inbox readers a long-running bot follows: only what arrived since the position it kept."""
from __future__ import annotations

import io
import os
import re
import sys
import time
from pathlib import Path

import pytest

from reviewbot.errors import InputError
from reviewbot.ingest.inbox import MAILDIR_GRACE_NS, open_inbox
from reviewbot.ingest.mailread import first_msgid
from tests.conftest import FIXTURES, needs_corpus
from tests.publicinbox_util import RealPublicInbox, needs_public_inbox

LKML = "notmuch/corpora/lkml/cur"
_ESCAPE = re.compile(rb"^(>*From )", re.M)


def lkml_mails(corpus: Path, count: int) -> list[bytes]:
    files = sorted((corpus / LKML).iterdir())[:count]
    return [f.read_bytes() for f in files]


def msgid_of(raw: bytes) -> str:
    head = raw.split(b"\n\n", 1)[0].decode("latin-1")
    m = re.search(r"^Message-I[Dd]:\s*(.*(?:\n[ \t].*)*)", head, re.M | re.I)
    return first_msgid(m.group(1)) if m else ""


def mboxrd(raws: list[bytes]) -> bytes:
    """An mboxrd file as a delivery agent appends it: From_ line, escaped body, blank line."""
    out = b""
    for raw in raws:
        body = _ESCAPE.sub(rb">\1", raw if raw.endswith(b"\n") else raw + b"\n")
        out += b"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" + body + b"\n"
    return out


def strip_blank_tail(raw: bytes) -> bytes:
    return raw.rstrip(b"\n")


@needs_corpus
def test_mbox_reads_only_what_was_appended_since_the_offset(corpus, tmp_path):
    mails = lkml_mails(corpus, 30)
    path = tmp_path / "list.mbox"
    path.write_bytes(mboxrd(mails[:20]))
    inbox = open_inbox(f"mbox:{path}")
    first = list(inbox.read_since(None))
    assert [msgid_of(i.raw) for i in first] == [msgid_of(m) for m in mails[:20]]
    assert [strip_blank_tail(i.raw) for i in first] == [strip_blank_tail(m) for m in mails[:20]]
    assert first[-1].position == str(path.stat().st_size)
    with path.open("ab") as fh:
        fh.write(mboxrd(mails[20:]))
    later = list(inbox.read_since(first[-1].position))
    assert [msgid_of(i.raw) for i in later] == [msgid_of(m) for m in mails[20:]]
    assert list(inbox.read_since(later[-1].position)) == []


@needs_corpus
def test_mbox_holds_back_a_message_still_being_appended(corpus, tmp_path):
    mails = lkml_mails(corpus, 3)
    whole = mboxrd(mails)
    path = tmp_path / "list.mbox"
    cut = len(mboxrd(mails[:2])) + 200  # in the middle of the third message's headers
    path.write_bytes(whole[:cut])
    inbox = open_inbox(f"mbox:{path}")
    items = list(inbox.read_since(None))
    assert [msgid_of(i.raw) for i in items] == [msgid_of(m) for m in mails[:2]]
    path.write_bytes(whole)
    rest = list(inbox.read_since(items[-1].position))
    assert [msgid_of(i.raw) for i in rest] == [msgid_of(mails[2])]


@needs_corpus
def test_mbox_rotated_or_rewritten_is_read_from_the_start(corpus, tmp_path):
    mails = lkml_mails(corpus, 6)
    path = tmp_path / "list.mbox"
    path.write_bytes(mboxrd(mails))
    inbox = open_inbox(f"mbox:{path}")
    position = list(inbox.read_since(None))[-1].position
    path.write_bytes(mboxrd(mails[4:]))  # logrotate: a new, shorter file
    assert [msgid_of(i.raw) for i in inbox.read_since(position)] == [msgid_of(m) for m in mails[4:]]
    path.write_bytes(mboxrd(mails[:1]) + mboxrd(mails[3:]))  # longer, but the old offset is mid-message
    position_mid = str(len(mboxrd(mails[:2])))
    assert [msgid_of(i.raw) for i in inbox.read_since(position_mid)] == [msgid_of(m) for m in mails[:1] + mails[3:]]


@needs_corpus
def test_maildir_offers_new_deliveries_and_files_moved_to_cur_once_more_at_most(corpus, tmp_path):
    mails = lkml_mails(corpus, 12)
    box = tmp_path / "md"
    for sub in ("tmp", "new", "cur"):
        (box / sub).mkdir(parents=True)
    old = time.time_ns() - 20 * MAILDIR_GRACE_NS
    for n, raw in enumerate(mails[:8]):  # delivered two grace windows apart
        f = box / "new" / f"{1700000000 + n}.M{n}P1.host"
        f.write_bytes(raw)
        stamp = old + n * 2 * MAILDIR_GRACE_NS
        os.utime(f, ns=(stamp, stamp))
    inbox = open_inbox(f"maildir:{box}")
    first = list(inbox.read_since(None))
    assert [i.raw for i in first] == mails[:8]
    position = first[-1].position
    # a mail client moves two of them to cur/ (rename: the modification time stays)
    for name in sorted(os.listdir(box / "new"))[:2]:
        os.rename(box / "new" / name, box / "cur" / f"{name}:2,S")
    now = time.time_ns()
    for n, raw in enumerate(mails[8:], 8):
        f = box / "new" / f"1800000000.M{n}P1.host"
        f.write_bytes(raw)
        os.utime(f, ns=(now + n, now + n))
    later = list(inbox.read_since(position))
    # the newest old file is within the grace window of the position: offered again (the caller
    # keeps messages by Message-ID); the older ones, moved to cur/ or not, are not
    assert [i.raw for i in later] == mails[7:]
    assert [i.raw for i in inbox.read_since(later[-1].position)] == mails[8:]


def test_maildir_file_that_cannot_be_read_is_offered_with_its_reason(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads every file: an unreadable file cannot be made")
    box = tmp_path / "md"
    (box / "new").mkdir(parents=True)
    f = box / "new" / "1.M1.host"
    f.write_bytes(b"From: a@b\n\nx\n")
    f.chmod(0)
    (item,) = list(open_inbox(f"maildir:{box}").read_since(None))
    assert item.raw == b"" and item.error.startswith("cannot read")


def test_stdin_is_one_message_per_run(monkeypatch):
    patch = "v2-0001-mm-add-a-mkwrite-parameter-to-vmf_insert_mixed.patch"
    raw = (FIXTURES / "series/insert-pfn-mkwrite" / patch).read_bytes()

    class Stdin:
        buffer = io.BytesIO(raw)

    monkeypatch.setattr(sys, "stdin", Stdin)
    (item,) = list(open_inbox("-").read_since(None))
    assert item.raw == raw and item.position is None and item.origin == "<stdin>"


@pytest.mark.parametrize("spec, says", [
    ("imap:host", "unknown inbox kind 'imap'"),
    ("/var/mail/me", "an inbox is maildir:PATH"),
    ("mbox:/nonexistent/x", "no such file"),
    ("maildir:/nonexistent", "not a maildir"),
    ("public-inbox:/nonexistent", "not a public-inbox v2 inbox"),
])
def test_bad_inbox_specs_say_what_is_wrong(spec, says):
    with pytest.raises(InputError, match=re.escape(says)):
        open_inbox(spec)


@needs_public_inbox
@needs_corpus
def test_public_inbox_v2_commits_since_the_last_one_seen(corpus, tmp_path):
    mails = lkml_mails(corpus, 9)
    pi = RealPublicInbox(tmp_path)
    inbox = open_inbox(pi.spec)
    assert list(inbox.read_since(None)) == []  # an epoch without commits yet
    for raw in mails[:5]:
        pi.deliver(raw)
    first = list(inbox.read_since(None))
    assert [msgid_of(i.raw) for i in first] == [msgid_of(m) for m in mails[:5]]
    assert all(re.fullmatch(r"0:[0-9a-f]{40}", i.position) for i in first)
    assert b"Message-ID" in first[0].raw or b"Message-Id" in first[0].raw
    for raw in mails[5:]:
        pi.deliver(raw)
    pi.remove(mails[0])  # a removal commit has no message: nothing to read
    later = list(inbox.read_since(first[-1].position))
    assert [msgid_of(i.raw) for i in later] == [msgid_of(m) for m in mails[5:]]
    assert list(inbox.read_since(later[-1].position)) == []
    # a position from a rewritten mirror (unknown commit): the epoch is read again from its start
    again = list(inbox.read_since("0:" + "1" * 40))
    assert [msgid_of(i.raw) for i in again] == [msgid_of(m) for m in mails]


def test_public_inbox_v1_is_refused_with_the_reason(tmp_path):
    (tmp_path / "objects").mkdir()
    (tmp_path / "HEAD").write_text("ref: refs/heads/master\n")
    with pytest.raises(InputError, match="a v1 inbox"):
        open_inbox(f"public-inbox:{tmp_path}")
