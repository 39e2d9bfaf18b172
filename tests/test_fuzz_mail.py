"""Mangled, truncated and binary mail: reviewbot skips or rejects it with InputError, never crashes."""
from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reviewbot.errors import InputError
from reviewbot.ingest.load import load_mail
from tests.conftest import CORPUS

SAMPLE = (b"From 1234 Mon Sep 17 00:00:00 2001\nFrom: Ross Zwisler <ross.zwisler@linux.intel.com>\n"
          b"Subject: [PATCH v4 1/5] mm: add vm_insert_mixed_mkwrite()\nMessage-ID: <1@x>\n"
          b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
          b"Commit message =C3=A9.\n\nSigned-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n---\n"
          b"diff --git a/mm/memory.c b/mm/memory.c\n--- a/mm/memory.c\n+++ b/mm/memory.c\n@@ -1 +1 @@\n-a\n+b\n")
REAL = [SAMPLE] + ([p.read_bytes() for p in sorted((CORPUS / "patchwork/mail").glob("*.mbox"))[:12]]
                   if CORPUS.is_dir() else [])


def _load(tmp_path, data: bytes) -> None:
    path = tmp_path / "fuzz.mbox"
    path.write_bytes(data)
    try:
        load_mail(path)
    except InputError:
        pass


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(REAL), st.data())
def test_truncated_and_mangled_real_mail(tmp_path, original, data):
    cut = data.draw(st.integers(0, len(original)))
    pos = data.draw(st.integers(0, max(0, cut - 1)))
    noise = data.draw(st.binary(max_size=64))
    _load(tmp_path, original[:pos] + noise + original[pos:cut])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=2048))
def test_random_bytes(tmp_path, blob):
    _load(tmp_path, blob)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from([b"From: ", b"Subject: [PATCH 1/2] ", b"Content-Type: multipart/mixed; boundary=x\n",
                                 b"--x\n", b"Content-Transfer-Encoding: base64\n", b"=?utf-8?q?=C3?=", b"\n", b"\r\n",
                                 b"In-Reply-To: <", b">", b"diff --git a/x b/x\n", b"@@ -1 +1 @@\n", b"\xff\xfe",
                                 b"charset=\"y\"\n", b"Message-ID: <a@b>\n"]), max_size=40))
def test_header_soup(tmp_path, parts):
    _load(tmp_path, b"".join(parts))
