"""Mangled, truncated and binary mail: the reader returns messages/skipped or raises InputError,
never any other exception, and threading whatever it returns never fails or loops."""
from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.errors import InputError
from reviewbot.ingest.mailinfo import looks_like_patch, split_patch_body
from reviewbot.ingest.mailread import parse_message, read_messages
from reviewbot.ingest.thread import build_threads

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"

SAMPLE = (b"From 1234 Mon Sep 17 00:00:00 2001\nFrom: Ross Zwisler <ross.zwisler@linux.intel.com>\n"
          b"Date: Fri, 21 Jul 2017 16:39:53 -0600\n"
          b"Subject: [PATCH v4 1/5] mm: add vm_insert_mixed_mkwrite()\nMessage-ID: <1@x>\n"
          b"In-Reply-To: <0@x> (Ross Zwisler's message of Fri)\nReferences: <0@x>\n"
          b"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
          b"Content-Transfer-Encoding: quoted-printable\n\n"
          b"Commit message =C3=A9.\n\nSigned-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n---\n"
          b"diff --git a/mm/memory.c b/mm/memory.c\n--- a/mm/memory.c\n+++ b/mm/memory.c\n@@ -1 +1 @@\n-a\n+b\n")


def _real_mails() -> list[bytes]:
    if not CORPUS.is_dir():
        return [SAMPLE]
    names = ["patchwork/mail/0001-git-pull-request.mbox", "patchew/data/0038-octet-stream.mbox",
             "patchew/data/0016-nested-multipart.mbox", "git-t5100/t5100/sample.mbox",
             "b4/samples/trailers-followup-custody.mbox", "cpython-email/data/msg_02.txt"]
    return [SAMPLE] + [(CORPUS / n).read_bytes()[:20000] for n in names if (CORPUS / n).is_file()]


REAL = _real_mails()
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def _read(tmp_path, data: bytes) -> None:
    path = tmp_path / "fuzz.mbox"
    path.write_bytes(data)
    try:
        result = read_messages(path)
    except InputError:
        return
    assert result.messages, "read_messages returns at least one message or raises InputError"
    threads = build_threads(result.messages)
    assert sorted(m.msgid for t in threads for m in t.messages) == sorted(m.msgid for m in result.messages)
    for msg in result.messages:
        split_patch_body(msg.body)
        looks_like_patch(msg.body)


@FUZZ
@given(st.sampled_from(REAL), st.data())
def test_truncated_real_mail_with_noise_inserted(tmp_path, original, data):
    cut = data.draw(st.integers(0, len(original)))
    pos = data.draw(st.integers(0, max(0, cut - 1)))
    noise = data.draw(st.binary(max_size=64))
    _read(tmp_path, original[:pos] + noise + original[pos:cut])


@FUZZ
@given(st.binary(max_size=2048))
def test_random_bytes(tmp_path, blob):
    _read(tmp_path, blob)


HEADER_PIECES = [b"From: ", b"Subject: [PATCH 1/2] ", b"Content-Type: multipart/mixed; boundary=x\n", b"--x\n",
                 b"--x--\n", b"Content-Transfer-Encoding: base64\n", b"Content-Transfer-Encoding: quoted-printable\n",
                 b"=?utf-8?q?=C3?=", b"=?iso-2022-jp?B?GyRCNUhGIzFRTEAbKEI=?=", b"\n", b"\r\n", b"In-Reply-To: <",
                 b"References: <a@b> <", b">", b"diff --git a/x b/x\n", b"@@ -1 +1 @@\n", b"\xff\xfe", b"\x00",
                 b"charset=\"y\"\n", b"Content-Type: text/plain; charset=\"\x00\"\n", b"Message-ID: <a@b>\n",
                 b"From nobody Mon Sep 17 00:00:00 2001\n", b">From x\n", b"Date: Mon, 99 Foo 10000 99:99:99\n",
                 b"Content-Type: multipart/signed; boundary=s\n", b"Content-Type: message/rfc822\n", b"---\n"]


@FUZZ
@given(st.lists(st.sampled_from(HEADER_PIECES), max_size=40))
def test_header_soup(tmp_path, pieces):
    _read(tmp_path, b"".join(pieces))


@FUZZ
@given(st.sampled_from(REAL), st.lists(st.tuples(st.integers(0, 20000), st.binary(min_size=1, max_size=8)),
                                       max_size=6))
def test_parse_message_survives_byte_flips(original, flips):
    raw = bytearray(original)
    for pos, junk in flips:
        pos = pos % max(1, len(raw))
        raw[pos:pos + len(junk)] = junk
    try:
        parse_message(bytes(raw), "fuzz")
    except InputError:
        pass


BODY_LINES = ["From: A <a@x>", "Subject: [PATCH] x", "Date: Mon", " folded", "", "---", "--- a/x", "+++ b/x",
              "@@ -1,2 +1 @@", "@@ -1 +1,3 @@", " ctx", "-old", "+new", "-- ", "diff --git a/x b/x", "index 1..2",
              "[PATCH] s", ">From 1234567890123456789012345678901234567890 Mon Sep 17 00:00:00 2001",
              "\\ No newline at end of file", "GIT binary patch", "_______________________________________________",
              "=?utf-8?q?=C3?=", "Signed-off-by: A <a@x>"]


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(BODY_LINES), st.text(max_size=20)), max_size=40))
def test_split_patch_body_accepts_any_text(lines):
    from reviewbot.ingest.mailinfo import mail_info

    body = "\n".join(lines)
    parts = split_patch_body(body)
    assert parts.commit_message == "" or parts.commit_message.endswith("\n")
    assert parts.diff == "" or parts.diff in body.replace("\r\n", "\n") + "\n"  # CRLF read as LF
    looks_like_patch(body)
    mail_info(parse_message(b"From: A <a@x>\nSubject: x\n\n" + body.encode("utf-8", "surrogatepass")), parts)
