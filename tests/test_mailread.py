"""Reading real mail: every input shape, every charset and MIME layout patch traffic uses.

Oracles: git's t5100 (mbox split count, RFC 2047 authors), patchew's single-message parsing
(tests/test_mbox.py), notmuch's lkml maildir; the rest are realistic mails written inline.
"""
from __future__ import annotations

import base64
import gzip
import io
import sys
from datetime import datetime, timedelta, timezone

import pytest

from reviewbot.errors import InputError
from reviewbot.ingest.mailinfo import clean_subject, looks_like_patch, split_patch_body
from reviewbot.ingest.mailread import parse_message, read_messages, split_mbox

T5100 = "git-t5100/t5100"

HEAD = (b"From: Ross Zwisler <ross.zwisler@linux.intel.com>\n"
        b"To: Andrew Morton <akpm@linux-foundation.org>, linux-kernel@vger.kernel.org\n"
        b"Cc: \"Darrick J. Wong\" <darrick.wong@oracle.com>\n"
        b"Date: Fri, 21 Jul 2017 16:39:53 -0600\n"
        b"Subject: [PATCH v4 1/5] mm: add vm_insert_mixed_mkwrite()\n"
        b"Message-Id: <20170721223956.29485-2-ross.zwisler@linux.intel.com>\n")
DIFF = (b"diff --git a/mm/memory.c b/mm/memory.c\nindex 0e517be..b29dd42 100644\n--- a/mm/memory.c\n"
        b"+++ b/mm/memory.c\n@@ -1 +1 @@\n-a\n+b\n")
COMMIT = b"To be able to use the common 4k zero page in DAX we need...\n\nSigned-off-by: Ross Zwisler <r@x>\n"


def _info(path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if ": " in line:
            key, value = line.split(": ", 1)
            out[key] = value
    return out


def _mime(body: bytes, boundary: bytes = b"b0undary") -> bytes:
    return HEAD + b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=" + boundary + b"\n\n" + body


# --- input shapes -------------------------------------------------------------------------------

def test_sample_mbox_splits_into_18_mails(corpus):
    result = read_messages(corpus / T5100 / "sample.mbox")
    assert len(result.messages) == 18
    assert result.skipped == []
    assert [m.source for m in result.messages][:2] == [f"{corpus / T5100 / 'sample.mbox'}#1",
                                                       f"{corpus / T5100 / 'sample.mbox'}#2"]


def test_mboxrd_from_escaping_is_undone_once():
    raw = (b"From sender@example.org Mon Sep 17 00:00:00 2001\nFrom: A <a@example.org>\n"
           b"Subject: x\nMessage-ID: <1@x>\n\nbody\n>From the start\n>>From quoted\n")
    (body,) = split_mbox(raw)
    assert body.endswith(b"\nbody\nFrom the start\n>From quoted\n")


def test_format_patch_body_line_starting_with_from_does_not_split():
    one = (b"From 1b2c Mon Sep 17 00:00:00 2001\n" + HEAD + b"\nFrom time to time the fault path fails.\n"
           b"Signed-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n---\n" + DIFF)
    two = b"From 3d4e Mon Sep 17 00:00:00 2001\n" + HEAD.replace(b"1/5", b"2/5").replace(b"-2-", b"-3-") + b"\nx\n"
    mails = split_mbox(one + b"\n" + two)
    assert len(mails) == 2
    assert b"From time to time the fault path fails.\nSigned-off-by:" in mails[0]


def test_archiver_bare_from_separators_split(corpus):
    """patchew's mboxes separate mails with a bare "From A" line followed by real headers."""
    assert len(read_messages(corpus / "patchew/data/0004-multiple-patch-reviewed.mbox").messages) == 5


def test_crlf_mbox_splits_and_bodies_are_lf():
    mbox = (b"From 1 Mon Sep 17 00:00:00 2001\n" + HEAD + b"\n" + COMMIT + b"---\n" + DIFF).replace(b"\n", b"\r\n")
    (msg,) = read_messages_from_bytes(mbox)
    assert "\r" not in msg.body
    assert split_patch_body(msg.body).diff == DIFF.decode()


def read_messages_from_bytes(data: bytes):
    """Read bytes through stdin ("-"), the way `git format-patch --stdout | reviewbot` does."""
    old = sys.stdin
    sys.stdin = io.TextIOWrapper(io.BytesIO(data))
    try:
        return read_messages("-").messages
    finally:
        sys.stdin = old


def test_stdin_is_read_as_bytes():
    (msg,) = read_messages_from_bytes(HEAD + b"\n" + "Kågedal".encode("latin-1") + b"\n")
    assert msg.body == "Kågedal\n"
    assert msg.source == "<stdin>"


def test_gzip_is_detected_by_magic_bytes(corpus, tmp_path):
    (tmp_path / "mails.mbox").write_bytes(gzip.compress((corpus / T5100 / "sample.mbox").read_bytes()))
    assert len(read_messages(tmp_path / "mails.mbox").messages) == 18


def test_maildir_reads_cur_and_new_not_tmp(tmp_path):
    for sub in ("cur", "new", "tmp"):
        (tmp_path / sub).mkdir()
    (tmp_path / "cur" / "1:2,S").write_bytes(HEAD + b"\nseen\n")
    (tmp_path / "new" / "2").write_bytes(HEAD.replace(b"-2-ross", b"-3-ross") + b"\nnew\n")
    (tmp_path / "tmp" / "3").write_bytes(HEAD.replace(b"-2-ross", b"-4-ross") + b"\nhalf-deliv")
    assert [m.body for m in read_messages(tmp_path).messages] == ["seen\n", "new\n"]


def test_lkml_maildir_keeps_the_first_of_duplicate_ids(corpus):
    lkml = read_messages(corpus / "notmuch/corpora/lkml")
    assert len(lkml.messages) + len(lkml.duplicates) == 210
    assert len(lkml.duplicates) == 34
    dup = next(m for m in lkml.messages if m.msgid == lkml.duplicates[0])
    assert any(d.startswith("duplicate Message-ID") for d in dup.defects)


def test_format_patch_directory_skips_non_mail_files(tmp_path):
    for n in (1, 2):
        head = HEAD.replace(b"1/5", f"{n}/2".encode()).replace(b"-2-", f"-{n + 1}-".encode())
        (tmp_path / f"000{n}-mm-x.patch").write_bytes(b"From 1 Mon Sep 17 00:00:00 2001\n" + head + b"\nx\n")
    (tmp_path / "notes.md").write_text("# not mail\n")
    (tmp_path / "series").write_text("0001-mm-x.patch\n0002-mm-x.patch\n")  # a quilt series file
    (tmp_path / "logo.bin").write_bytes(bytes(range(256)))
    result = read_messages(tmp_path)
    assert [clean_subject(m.subject) for m in result.messages] == ["mm: add vm_insert_mixed_mkwrite()"] * 2
    assert sorted(s.what.rsplit("/", 1)[-1] for s in result.skipped) == ["logo.bin", "series"]


def test_one_undecodable_mail_is_skipped_with_its_id_and_the_rest_read():
    junk = bytes(range(0, 9)) * 50
    mbox = (b"From 1 Mon Sep 17 00:00:00 2001\n" + HEAD + b"\nfirst\n\n"
            b"From 2 Mon Sep 17 00:00:00 2001\nMessage-ID: <junk@x>\nContent-Type: application/x-junk\n\n" + junk
            + b"\n\nFrom 3 Mon Sep 17 00:00:00 2001\n" + HEAD.replace(b"-2-", b"-3-") + b"\nthird\n")
    result_messages = read_messages_from_bytes(mbox)
    assert [m.body for m in result_messages] == ["first\n\n", "third\n"]


def test_skipped_names_the_message_id(tmp_path):
    junk = bytes(range(0, 9)) * 50
    (tmp_path / "m.mbox").write_bytes(b"From 1 Mon Sep 17 00:00:00 2001\n" + HEAD + b"\nfirst\n\n"
                                      b"From 2 Mon Sep 17 00:00:00 2001\nMessage-ID: <junk@x>\n"
                                      b"Content-Type: application/x-junk\n\n" + junk + b"\n")
    result = read_messages(tmp_path / "m.mbox")
    assert len(result.messages) == 1
    assert [(s.what, s.reason) for s in result.skipped] == [("<junk@x>", "junk@x: no sender, no subject and "
                                                                          "no readable text")]


def test_missing_file_and_empty_input_are_input_errors(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_messages(tmp_path / "nope.mbox")
    (tmp_path / "empty").write_bytes(b"")
    with pytest.raises(InputError, match="empty"):
        read_messages(tmp_path / "empty")
    (tmp_path / "junk.bin").write_bytes(bytes(range(256)) * 64)
    with pytest.raises(InputError, match="binary"):
        read_messages(tmp_path / "junk.bin")
    (tmp_path / "broken.gz").write_bytes(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(InputError, match="broken gzip"):
        read_messages(tmp_path / "broken.gz")


# --- archive text (../shared/seeds) -------------------------------------------------------------

def test_seed_archive_page_with_header_lines(seeds):
    (msg,) = read_messages(seeds / "004_3ceb9e994733b8a1.txt").messages
    assert msg.msgid == "seed-004_3ceb9e994733b8a1.txt@reviewbot.invalid"
    assert msg.subject == "Re: [PATCH v3 1/5] mm: add vm_insert_mixed_mkwrite()"
    assert (msg.from_name, msg.from_email) == ("Vivek Goyal", "")
    assert msg.date == datetime(2017, 7, 20, 11, 26, 26, tzinfo=timezone(timedelta(hours=-5)))
    assert msg.body.startswith("On Wed, Jun 28, 2017 at 04:01:48PM -0600, Ross Zwisler wrote:\n")


def test_seed_commit_listing_line_gives_author_and_subject(seeds):
    (msg,) = read_messages(seeds / "000_b04a55b2f102a831.txt").messages
    assert (msg.from_name, msg.subject) == ("Ross Zwisler", "mm: add vm_insert_mixed_mkwrite()")
    assert msg.body.startswith("When servicing mmap() reads from file holes the current DAX code\n")


def test_seed_without_any_header_is_all_body_with_its_lines_rebuilt(seeds):
    (msg,) = read_messages(seeds / "001_902decd83a14318f.txt").messages
    assert (msg.subject, msg.date) == ("", None)
    # the archive joined the whole mail into one line; quote markers give the lines back
    assert msg.body.startswith("On Fri 21-07-17 16:39:53, Ross Zwisler wrote:\n> When servicing mmap()")
    assert "\n> Signed-off-by: Ross Zwisler <ross.zwisler@xxxxxxxxxxxxxxx>\nThe patch looks good" in msg.body
    assert "\nReviewed-by: Jan Kara <jack@xxxxxxx>\n" in msg.body
    # no From: at all: the signature names the sender
    assert (msg.from_name, msg.from_email) == ("Jan Kara", "jack@xxxxxxxx")
    assert any("line breaks lost" in d for d in msg.defects)
    assert msg.msgid == "seed-001_902decd83a14318f.txt@reviewbot.invalid"


def test_seed_commit_listing_drops_the_file_dates_and_names_the_commit(seeds):
    (msg,) = read_messages(seeds / "000_b04a55b2f102a831.txt").messages
    assert msg.body.rstrip().endswith("Signed-off-by: Linus Torvalds <torvalds@linux-foundation.org>")
    assert ("X-Reviewbot-Commit", "b2770da642") in msg.headers


def test_every_seed_reads_to_one_message(seeds):
    for path in sorted(seeds.iterdir()):
        assert len(read_messages(path).messages) == 1, path


# --- headers ------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", range(1, 12))
def test_rfc2047_encoded_from_names_and_subjects_match_git(corpus, n):
    msg = read_messages(corpus / T5100 / "rfc2047-samples.mbox").messages[n - 1]
    info = _info(corpus / T5100 / f"rfc2047-info-{n:04d}")
    assert msg.from_name == info.get("Author", "")
    assert msg.from_email == info.get("Email", "")
    assert clean_subject(msg.subject) == info["Subject"]


def test_patchew_single_message_fields(corpus):
    (msg,) = read_messages(corpus / "patchew/data/0001-simple-patch.mbox").messages
    assert msg.msgid == "20160628014747.20971-1-famz@redhat.com"
    assert msg.in_reply_to is None
    assert msg.date.astimezone(timezone.utc) == datetime(2016, 6, 28, 1, 47, 47, tzinfo=timezone.utc)
    assert msg.subject == "[Qemu-devel] [PATCH] quorum: Only compile when supported"
    assert (msg.from_name, msg.from_email) == ("Fam Zheng", "famz@redhat.com")
    assert msg.to + msg.cc == ["qemu-devel@nongnu.org", "Kevin Wolf <kwolf@redhat.com>",
                               "Alberto Garcia <berto@igalia.com>", "qemu-block@nongnu.org",
                               "Max Reitz <mreitz@redhat.com>"]


def test_rfc2047_names_in_cc_and_from(corpus):
    (msg,) = read_messages(corpus / "patchew/data/0018-mime-word-recipient.mbox").messages
    assert msg.cc[1] == "Philippe Mathieu-Daudé <f4bug@amsat.org>"
    (msg,) = read_messages(corpus / "patchew/data/0035-rfc2047-from.mbox").messages
    assert msg.from_email == "AIERPATIJIANG1@kingsoft.com"


def test_encoded_name_with_a_comma_stays_one_address():
    raw = HEAD + b"Cc: =?UTF-8?Q?Wong=2C_Darrick?= <darrick.wong@oracle.com>, Jan Kara <jack@suse.cz>\n\nx\n"
    assert parse_message(raw).cc[-2:] == ["Wong, Darrick <darrick.wong@oracle.com>", "Jan Kara <jack@suse.cz>"]


def test_folded_encoded_subject_is_unfolded_and_decoded():
    raw = (b"From: =?ISO-8859-1?Q?David_K=E5gedal?= <davidk@lysator.liu.se>\n"
           b"Subject: =?UTF-8?Q?[PATCH]_kconfig:_fix_the_=C2=ABmenuconfig=C2=BB?=\n"
           b" =?UTF-8?Q?_search?= dialog\nMessage-ID: <s@x>\n\nx\n")
    msg = parse_message(raw)
    assert msg.subject == "[PATCH] kconfig: fix the «menuconfig» search dialog"
    assert msg.from_name == "David Kågedal"


def test_raw_8bit_header_is_decoded():
    raw = b"From: Rafa\xc5\x82 Mi\xc5\x82ecki <zajec5@gmail.com>\nSubject: x\nMessage-ID: <r@x>\n\nx\n"
    assert parse_message(raw).from_name == "Rafał Miłecki"


def test_message_without_message_id_gets_a_stable_synthetic_one():
    raw = b"From: A <a@example.org>\nSubject: [PATCH] x\n\nbody\n"
    assert parse_message(raw).msgid == parse_message(raw).msgid
    assert parse_message(raw).msgid.endswith("@reviewbot.invalid")
    assert parse_message(raw).msgid != parse_message(raw + b"more\n").msgid


def test_message_id_noise_is_stripped_and_case_kept():
    raw = (b"From: A <a@example.org>\nMessage-ID: <AbC.1@Example.ORG> (added by list)\n"
           b"In-Reply-To: <Parent@x> (Ann's message of \"Mon, 12 Jun 2006 12:45:27 -0600\")\n"
           b"References: <r1@x>\n <Parent@x>\n\nbody\n")
    msg = parse_message(raw)
    assert msg.msgid == "AbC.1@Example.ORG"
    assert msg.in_reply_to == "Parent@x"
    assert msg.references == ["r1@x", "Parent@x"]
    assert msg.parent_ids == ["Parent@x", "r1@x"]


def test_bracketless_in_reply_to_and_junk_in_reply_to():
    assert parse_message(b"From: A <a@x>\nIn-Reply-To: p1@x\n\nb\n").in_reply_to == "p1@x"
    assert parse_message(b"From: A <a@x>\nIn-Reply-To: Your message of Mon\n\nb\n").in_reply_to is None


def test_headers_keep_order_and_repeats():
    raw = b"Received: from a\nReceived: from b\n" + HEAD + b"\nx\n"
    assert parse_message(raw).headers[:2] == [("Received", "from a"), ("Received", "from b")]


# --- bodies: charsets and MIME ------------------------------------------------------------------

@pytest.mark.parametrize("charset,text", [
    ("koi8-r", "Привет, ядро"),
    ("iso-2022-jp", "パッチを適用"),
    ("gb2312", "补丁"),
    ("iso-8859-1", "Kågedal"),
    ("utf-8", "Mi\u0142ecki"),
])
@pytest.mark.parametrize("cte", ["8bit", "base64", "quoted-printable"])
def test_declared_charsets_in_every_transfer_encoding(charset, text, cte):
    import quopri

    data = text.encode(charset) + b"\n"
    encoded = {"8bit": data, "base64": base64.encodebytes(data), "quoted-printable": quopri.encodestring(data)}[cte]
    raw = (HEAD + b"MIME-Version: 1.0\nContent-Type: text/plain; charset=" + charset.encode()
           + b"\nContent-Transfer-Encoding: " + cte.encode() + b"\n\n" + encoded)
    assert parse_message(raw).body == text + "\n"


@pytest.mark.parametrize("declared,data,text", [
    ("y", "naïve".encode(), "naïve"),  # an unknown charset: guess
    ("us-ascii", "Miłecki".encode(), "Miłecki"),  # declared ASCII, sent UTF-8
    (None, "Kågedal".encode("cp1252"), "Kågedal"),  # undeclared, not UTF-8
    (None, "“quoted”".encode("cp1252"), "“quoted”"),
])
def test_wrong_or_missing_charset_falls_back(declared, data, text):
    ctype = b"Content-Type: text/plain; charset=" + declared.encode() + b"\n" if declared else b""
    raw = HEAD + ctype + b"\n" + data + b"\n"
    assert parse_message(raw).body == text + "\n"


def test_patch_attachment_is_appended_after_the_text():
    body = (b"--b0undary\nContent-Type: text/plain; charset=utf-8\n\n" + COMMIT +
            b"--b0undary\nContent-Type: text/x-patch; name=\"0001-mm.patch\"\n"
            b"Content-Disposition: attachment; filename=\"0001-mm.patch\"\nContent-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(b"---\n" + DIFF) + b"--b0undary--\n")
    msg = parse_message(_mime(body))
    assert msg.body == (COMMIT + b"---\n" + DIFF).decode()
    assert looks_like_patch(msg.body)


def test_octet_stream_attachment_counts_only_when_it_is_a_patch():
    body = (b"--b0undary\nContent-Type: text/plain\n\nsee attached\n"
            b"--b0undary\nContent-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n"
            + base64.encodebytes(b"\x89PNG\r\n\x1a\n\x00\x00") +
            b"--b0undary\nContent-Type: application/octet-stream\n\n" + DIFF + b"--b0undary--\n")
    assert parse_message(_mime(body)).body == "see attached\n" + DIFF.decode()


def test_patchew_octet_stream_and_nested_multipart(corpus):
    (msg,) = read_messages(corpus / "patchew/data/0038-octet-stream.mbox").messages
    assert "Signed-off-by" in msg.body and looks_like_patch(msg.body)
    (msg,) = read_messages(corpus / "patchew/data/0016-nested-multipart.mbox").messages
    assert msg.body.strip() == (
        "On 07/25/2017 10:57 AM, Jeff Cody wrote:\n> Signed-off-by: Jeff Cody <jcody@redhat.com>\n> ---\n"
        ">  redhat/build_configure.sh     | 3 +++\n>  redhat/qemu-kvm.spec.template | 7 +++++++\n"
        ">  2 files changed, 10 insertions(+)\n>\n\nACK\n\n--\nEric Blake, Principal Software Engineer\n"
        "Red Hat, Inc.           +1-919-301-3266\nVirtualization:  qemu.org | libvirt.org")
    assert not looks_like_patch(msg.body)


@pytest.mark.parametrize("name", ["0021-mode-only-patch.mbox", "0033-raw-diff.mbox", "0034-rename-only-patch.mbox",
                                  "0038-octet-stream.mbox", "0001-simple-patch.mbox"])
def test_patchew_patches_are_recognised(corpus, name):
    assert looks_like_patch(read_messages(corpus / "patchew/data" / name).messages[0].body)


def test_signed_mail_keeps_the_signed_part_only():
    body = (b"--b0undary\nContent-Type: text/plain; charset=us-ascii\n\n" + COMMIT + b"---\n" + DIFF +
            b"--b0undary\nContent-Type: application/pgp-signature; name=\"signature.asc\"\n\n"
            b"-----BEGIN PGP SIGNATURE-----\niQIzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n--b0undary--\n")
    raw = _mime(body).replace(b"multipart/mixed;", b"multipart/signed; micalg=pgp-sha256;"
                                                     b" protocol=\"application/pgp-signature\";")
    msg = parse_message(raw)
    assert msg.body == (COMMIT + b"---\n" + DIFF).decode()


def test_alternative_prefers_plain_and_html_only_is_stripped():
    alt = (b"--b0undary\nContent-Type: text/html\n\n<p>Looks <b>good</b></p>\n"
           b"--b0undary\nContent-Type: text/plain\n\nLooks good\n--b0undary--\n")
    raw = _mime(alt).replace(b"multipart/mixed", b"multipart/alternative")
    assert parse_message(raw).body == "Looks good\n"
    html_only = HEAD + (b"Content-Type: text/html; charset=utf-8\n\n<html><body><p>Reviewed-by: Jan Kara "
                        b"&lt;jack@suse.cz&gt;</p><script>x()</script></body></html>\n")
    assert parse_message(html_only).body.strip() == "Reviewed-by: Jan Kara <jack@suse.cz>"


def test_quoted_printable_crlf_body_becomes_lf_and_keeps_inner_cr():
    raw = HEAD + b"Content-Transfer-Encoding: quoted-printable\n\nline one=0D=0Aline=0Dtwo=0D=0A"
    assert parse_message(raw).body == "line one\nline\rtwo\n"


def test_inline_pgp_signed_patch_is_unwrapped_and_dash_escaping_undone():
    signed = (b"-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\n" + COMMIT + b"- ---\n"
              + DIFF.replace(b"\n--- a/", b"\n- --- a/") +
              b"-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCAAdFiEE\n-----END PGP SIGNATURE-----\n")
    msg = parse_message(HEAD + b"\n" + signed)
    assert msg.body == (COMMIT + b"---\n" + DIFF).decode()
    assert split_patch_body(msg.body).diff == DIFF.decode()


@pytest.mark.parametrize("header,expected", [
    ("Fri, 21 Jul 2017 16:39:53 -0600", datetime(2017, 7, 21, 22, 39, 53, tzinfo=timezone.utc)),
    ("Fri, 21 Jul 2017 22:39:53 -0000", datetime(2017, 7, 21, 22, 39, 53, tzinfo=timezone.utc)),  # zone unknown
    ("21 Jul 2017 22:39:53 GMT", datetime(2017, 7, 21, 22, 39, 53, tzinfo=timezone.utc)),
    ("Thu, 21 Jul 2005 09:10:36 -0400 (EDT)", datetime(2005, 7, 21, 13, 10, 36, tzinfo=timezone.utc)),
    ("bogus", None),
    ("Mon, 99 Foo 10000 99:99:99", None),
])
def test_dates_are_aware_or_none(header, expected):
    date = parse_message(f"From: A <a@x>\nDate: {header}\n\nx\n".encode()).date
    assert date == expected and (date is None or date.tzinfo is not None)


def test_utf8_body_with_one_latin1_line_keeps_the_utf8_lines():
    """A patch to a latin-1 encoded file, sent in an otherwise UTF-8 mail."""
    body = ("Fix the maintainer's name.\n\nSigned-off-by: Rafał Miłecki <zajec5@gmail.com>\n---\n".encode()
            + b"-Author: J\xf6rg\n+Author: J\xf6rg Name\n")
    msg = parse_message(HEAD + b"Content-Type: text/plain; charset=utf-8\n\n" + body)
    assert "Signed-off-by: Rafał Miłecki <zajec5@gmail.com>\n" in msg.body
    assert msg.body.endswith("-Author: Jörg\n+Author: Jörg Name\n")


def test_gzip_that_expands_past_the_input_limit_is_refused(tmp_path, monkeypatch):
    import reviewbot.ingest.mailread as mailread

    monkeypatch.setattr(mailread, "MAX_INPUT_BYTES", 4096)
    (tmp_path / "bomb.mbox.gz").write_bytes(gzip.compress(b"From 1 Mon Sep 17 00:00:00 2001\n" + HEAD + b"\n"
                                                          + b"x" * 100_000))
    with pytest.raises(InputError, match="expands to more than 4096 bytes"):
        read_messages(tmp_path / "bomb.mbox.gz")


def test_seed_directory_reads_all_five_archive_texts(seeds):
    result = read_messages(seeds)
    assert [m.msgid.split("_")[0] for m in result.messages] == ["seed-000", "seed-001", "seed-002", "seed-003",
                                                                "seed-004"]
    assert result.skipped == []


def test_progress_is_reported_for_a_directory_of_patches(tmp_path):
    for n in range(1, 4):
        (tmp_path / f"000{n}-x.patch").write_bytes(
            f"From: A <a@b.org>\nSubject: [PATCH {n}/3] x\nMessage-ID: <{n}@b>\n\nbody\n".encode())
    seen = []
    read_messages(tmp_path, progress=lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_progress_ends_at_the_number_of_messages_of_an_mbox(tmp_path):
    mails = "".join(f"From x@y Mon Sep 17 00:00:00 2001\nFrom: A <a@b.org>\nSubject: m{n}\nMessage-ID: <{n}@b>\n\nb\n\n"
                    for n in range(450))
    (tmp_path / "big.mbox").write_text(mails)
    seen = []
    assert len(read_messages(tmp_path / "big.mbox", progress=lambda d, t: seen.append((d, t))).messages) == 450
    assert seen == [(200, 450), (400, 450), (450, 450)]
