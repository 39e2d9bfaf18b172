"""Reading real mail: git's t5100 mailinfo oracle, patchew's parsing oracle, odd inputs."""
from __future__ import annotations

import gzip
from datetime import datetime, timedelta, timezone

import pytest

from reviewbot.errors import InputError
from reviewbot.ingest.mailinfo import clean_subject, looks_like_patch
from reviewbot.ingest.mailread import parse_message, read_messages, split_mbox

T5100 = "git-t5100/t5100"


def _info(path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if ": " in line:
            key, value = line.split(": ", 1)
            out[key] = value
    return out


def test_sample_mbox_splits_into_18_mails(corpus):
    result = read_messages(corpus / T5100 / "sample.mbox")
    assert len(result.messages) == 18
    assert result.skipped == []


@pytest.mark.parametrize("n", range(1, 12))
def test_rfc2047_encoded_from_names_and_subjects_match_git(corpus, n):
    msg = read_messages(corpus / T5100 / "rfc2047-samples.mbox").messages[n - 1]
    info = _info(corpus / T5100 / f"rfc2047-info-{n:04d}")
    assert msg.from_name == info.get("Author", "")
    assert msg.from_email == info.get("Email", "")
    assert clean_subject(msg.subject) == info["Subject"]


def test_mboxrd_from_escaping_is_undone():
    raw = (b"From sender@example.org Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\n"
           b"Subject: x\nMessage-ID: <1@x>\n\nbody\n>From the start\n>>From quoted\n")
    (body,) = split_mbox(raw)
    assert b"\nFrom the start\n>From quoted\n" in body


def test_patchew_single_message_fields(corpus):
    (msg,) = read_messages(corpus / "patchew/data/0001-simple-patch.mbox").messages
    assert msg.msgid == "20160628014747.20971-1-famz@redhat.com"
    assert msg.in_reply_to is None
    assert msg.date.astimezone(timezone.utc) == datetime(2016, 6, 28, 1, 47, 47, tzinfo=timezone.utc)
    assert msg.subject == "[Qemu-devel] [PATCH] quorum: Only compile when supported"
    assert (msg.from_name, msg.from_email) == ("Fam Zheng", "famz@redhat.com")
    assert [m.split("<")[-1].rstrip(">") for m in msg.to + msg.cc] == [
        "qemu-devel@nongnu.org", "kwolf@redhat.com", "berto@igalia.com", "qemu-block@nongnu.org",
        "mreitz@redhat.com"]


def test_rfc2047_names_in_cc_and_from(corpus):
    (msg,) = read_messages(corpus / "patchew/data/0018-mime-word-recipient.mbox").messages
    assert msg.cc[1] == "Philippe Mathieu-Daudé <f4bug@amsat.org>"
    (msg,) = read_messages(corpus / "patchew/data/0035-rfc2047-from.mbox").messages
    assert msg.from_email == "AIERPATIJIANG1@kingsoft.com"


def test_nested_multipart_body_is_the_text_part(corpus):
    (msg,) = read_messages(corpus / "patchew/data/0016-nested-multipart.mbox").messages
    assert msg.body.strip().startswith("On 07/25/2017 10:57 AM, Jeff Cody wrote:\n> Signed-off-by: Jeff Cody")
    assert msg.body.strip().endswith("Virtualization:  qemu.org | libvirt.org")


@pytest.mark.parametrize("name", ["0021-mode-only-patch.mbox", "0033-raw-diff.mbox", "0034-rename-only-patch.mbox",
                                  "0038-octet-stream.mbox", "0001-simple-patch.mbox"])
def test_patchew_patches_are_recognised(corpus, name):
    msgs = read_messages(corpus / "patchew/data" / name).messages
    assert looks_like_patch(msgs[0].body)


def test_octet_stream_attachment_brings_the_signoff(corpus):
    (msg,) = read_messages(corpus / "patchew/data/0038-octet-stream.mbox").messages
    assert "Signed-off-by" in msg.body


def test_reply_without_diff_is_not_a_patch(corpus):
    msg = read_messages(corpus / "patchew/data/0016-nested-multipart.mbox").messages[0]
    assert not looks_like_patch(msg.body)


def test_gzip_and_directory_and_maildir_inputs(corpus, tmp_path):
    mbox = (corpus / T5100 / "sample.mbox").read_bytes()
    (tmp_path / "mails.mbox.gz").write_bytes(gzip.compress(mbox))
    assert len(read_messages(tmp_path / "mails.mbox.gz").messages) == 18
    maildir = corpus / "notmuch/corpora/lkml"
    lkml = read_messages(maildir)
    assert len(lkml.messages) + len(lkml.duplicates) == 210  # the corpus holds 34 copies of one id or another
    assert len(lkml.duplicates) == 34
    fp_dir = tmp_path / "outgoing"
    fp_dir.mkdir()
    for n, raw in enumerate(split_mbox(mbox.lstrip())[:3], 1):
        (fp_dir / f"{n:04d}-x.patch").write_bytes(b"From 0 Mon Sep 17 00:00:00 2001\n" + raw)
    (fp_dir / "notes.md").write_text("not mail")
    assert len(read_messages(fp_dir).messages) == 3


def test_message_without_message_id_gets_a_stable_synthetic_one():
    raw = b"From: A <a@example.org>\nSubject: [PATCH] x\n\nbody\n"
    assert parse_message(raw).msgid == parse_message(raw).msgid
    assert parse_message(raw).msgid.endswith("@reviewbot.invalid")


def test_message_id_noise_is_stripped_and_case_kept():
    raw = (b"From: A <a@example.org>\nMessage-ID: <AbC.1@Example.ORG> (added by list)\n"
           b"In-Reply-To: <Parent@x> (Ann's message of Mon)\nReferences: <r1@x>\n <Parent@x>\n\nbody\n")
    msg = parse_message(raw)
    assert msg.msgid == "AbC.1@Example.ORG"
    assert msg.in_reply_to == "Parent@x"
    assert msg.references == ["r1@x", "Parent@x"]


@pytest.mark.parametrize("charset,payload", [
    ("koi8-r", "Привет, ядро".encode("koi8-r")),
    ("iso-2022-jp", "パッチ".encode("iso-2022-jp")),
    ("gb2312", "补丁".encode("gb2312")),
    ("y", "naïve".encode()),  # a wrong declaration: fall back to UTF-8
])
def test_body_charsets(charset, payload):
    raw = (b"From: A <a@example.org>\nSubject: x\nMessage-ID: <c@x>\nMIME-Version: 1.0\n"
           b"Content-Type: text/plain; charset=" + charset.encode() + b"\nContent-Transfer-Encoding: 8bit\n\n"
           + payload + b"\n")
    text = parse_message(raw).body
    assert text.strip() in ("Привет, ядро", "パッチ", "补丁", "naïve")


def test_undeclared_latin1_body_decodes():
    raw = b"From: A <a@example.org>\nSubject: x\nMessage-ID: <l@x>\n\nK\xe5gedal\n"
    assert parse_message(raw).body.strip() == "Kågedal"


def test_seed_archive_page_degrades_to_a_message(seeds):
    result = read_messages(seeds / "004_3ceb9e994733b8a1.txt")
    (msg,) = result.messages
    assert msg.subject == "Re: [PATCH v3 1/5] mm: add vm_insert_mixed_mkwrite()"
    assert msg.from_name == "Vivek Goyal"
    assert msg.date == datetime(2017, 7, 20, 11, 26, 26, tzinfo=timezone(timedelta(hours=-5))) or msg.date is None
    assert msg.body.lstrip().startswith("On Wed, Jun 28, 2017")


def test_missing_file_and_empty_input_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_messages(tmp_path / "nope.mbox")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(InputError):
        read_messages(tmp_path / "empty")
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 64)
    with pytest.raises(InputError, match="binary"):
        read_messages(tmp_path / "junk.bin")
