"""split_patch_body and mail_info against git's own mailinfo oracle (t/t5100), plus inline cases.

Where reviewbot differs from ``git mailinfo -u`` it is on purpose, and each difference is
pinned by a test here:
- the commit message has its trailing blank lines trimmed (git keeps them; ``git am`` strips
  them later);
- the patch part of a MIME part ends where MIME says it ends (git keeps the blank lines before
  the closing boundary, mail 0011);
- the patch text is decoded with the mail's charset (git writes the patch bytes as they came,
  mail 0005 is ISO-8859-1);
- a folded in-body header loses git's trailing blank (``Date: bogus`` not ``Date: bogus ``);
- CRLF line ends become LF (git's ``--quoted-cr=strip``), a lone CR inside a line stays;
- scissors lines are not cut by default (git's default too); ``scissors=True`` is git's
  ``--scissors`` and is tested against its oracle.
"""
from __future__ import annotations

import pytest

from reviewbot.ingest.mailinfo import (
    clean_subject,
    is_patch_break,
    is_scissors_line,
    looks_like_patch,
    mail_info,
    split_patch_body,
)
from reviewbot.ingest.mailread import parse_message, read_messages

T5100 = "git-t5100/t5100"


def _sample(corpus, n: int):
    return read_messages(corpus / T5100 / "sample.mbox").messages[n - 1]


def _trimmed(text: str) -> str:
    """git's MSG with its trailing blank lines trimmed, the way PatchParts.commit_message is."""
    text = text.rstrip("\n")
    return text + "\n" if text else ""


def _info_text(info) -> str:
    return f"Author: {info.author}\nEmail: {info.email}\nSubject: {info.subject}\nDate: {info.date}\n\n"


@pytest.mark.parametrize("n", range(1, 19))
def test_commit_message_is_gits_msg_without_trailing_blank_lines(corpus, n):
    parts = split_patch_body(_sample(corpus, n).body)
    expected = (corpus / T5100 / f"msg{n:04d}").read_text(encoding="utf-8")
    assert parts.commit_message == _trimmed(expected)


@pytest.mark.parametrize("n", range(1, 19))
def test_patch_part_is_gits_patch(corpus, n):
    msg = _sample(corpus, n)
    parts = split_patch_body(msg.body)
    raw = (corpus / T5100 / f"patch{n:04d}").read_bytes()
    expected = raw.decode("iso-8859-1" if n == 5 else "utf-8")  # git leaves the patch undecoded
    if n == 11:  # MIME: the line break before the closing boundary belongs to the boundary
        assert expected.endswith("1.6.0.rc2\n\n\n") and parts.patch.endswith("1.6.0.rc2\n")
        expected = expected[:-2]
    assert parts.patch == expected


@pytest.mark.parametrize("n", range(1, 19))
def test_author_email_subject_date_match_gits_info(corpus, n):
    expected = (corpus / T5100 / f"info{n:04d}").read_text(encoding="utf-8")
    if n == 16:  # git keeps a trailing blank after the folded in-body "Date: bogus"
        expected = expected.replace("Date: bogus \n", "Date: bogus\n")
    assert _info_text(mail_info(_sample(corpus, n))) == expected


def test_inbody_headers_are_not_used_when_the_mail_has_no_patch(corpus):
    """Mail 0008 has in-body From/Subject but no patch: git keeps the mail's author."""
    msg = _sample(corpus, 8)
    parts = split_patch_body(msg.body)
    assert parts.inbody_from == "A U Thor <a.u.thor@example.com>"
    assert parts.patch == ""
    assert (mail_info(msg).author, mail_info(msg).subject) == ("Junio C Hamano", "another patch")
    assert parts.commit_message == ">Here is an empty patch from A U Thor.\n\nHey you forgot the patch!\n"


def test_folded_inbody_from_without_address_names_nobody(corpus):
    """Mail 0015: "From: bogosity" folded over two more lines: git reports no author."""
    info = mail_info(_sample(corpus, 15))
    assert (info.author, info.email) == ("", "")


@pytest.mark.parametrize("name", ["comment", "quoted-string", "info-from", "embed-from"])
def test_single_purpose_from_headers_match_git(corpus, name):
    (msg,) = read_messages(corpus / T5100 / f"{name}.in").messages
    expected = (corpus / T5100 / f"{name}.expect").read_text(encoding="utf-8")
    assert _info_text(mail_info(msg)) == expected.replace(" \n", "\n")


def test_embedded_format_patch_separator_is_skipped_before_inbody_headers(corpus):
    (msg,) = read_messages(corpus / T5100 / "embed-from.in").messages
    parts = split_patch_body(msg.body)
    assert parts.inbody_from == "Commit Author <commit@example.com>"
    assert parts.inbody_subject == "patch subject"
    assert parts.commit_message == "patch body\n"


@pytest.mark.parametrize("n", [1, 2])
def test_mboxrd_from_lines_are_unescaped_once(corpus, n):
    result = read_messages(corpus / T5100 / "sample.mboxrd")
    assert len(result.messages) == 2
    expected = (corpus / T5100 / f"000{n}mboxrd").read_text(encoding="utf-8")
    assert split_patch_body(result.messages[n - 1].body).commit_message == _trimmed(expected)


def test_quoted_cr_body_keeps_inner_cr_and_drops_crlf(corpus):
    result = read_messages(corpus / T5100 / "quoted-cr.mbox")
    assert len(result.messages) == 2
    template_msg = (corpus / T5100 / "quoted-cr-msg").read_text(encoding="utf-8")
    template_patch = (corpus / T5100 / "quoted-cr-patch").read_text(encoding="utf-8")
    # git's "--quoted-cr=strip" expectation: "%%" at a line end vanishes, other "%%" are CRs
    expected_msg = template_msg.replace("%%\n", "\n").replace("%%", "\r")
    expected_patch = template_patch.replace("%%\n", "\n").replace("%%", "\r")
    info = (corpus / T5100 / "quoted-cr-info").read_text(encoding="utf-8")
    for msg in result.messages:
        parts = split_patch_body(msg.body)
        assert parts.commit_message == _trimmed(expected_msg)
        assert parts.patch == expected_patch
        assert _info_text(mail_info(msg)) == info


def test_nul_bytes_in_a_patch_are_kept(corpus):
    (msg,) = read_messages(corpus / T5100 / "nul-plain").messages
    nul_lines = "\x00\x08Some strange test\x00\x08\x00\x08\n\x00\n"
    assert split_patch_body(msg.body).patch == "---\ndiff --git a/foo b/foo\n" + nul_lines


def test_base64_patch_with_nul_decodes_to_gits_patch(corpus):
    (msg,) = read_messages(corpus / T5100 / "nul-b64.in").messages
    expected = (corpus / T5100 / "nul-b64.expect").read_text(encoding="utf-8")
    assert split_patch_body(msg.body).patch == expected


@pytest.mark.parametrize("subject,expected", [
    ("[PATCH] [other] [PATCH] message", "message"),
    ("re: [PATCH] another patch", "another patch"),
    ("Re: Re: [PATCH v2 3/7] mm: fix it", "mm: fix it"),
    ("    extra spaces", "extra spaces"),
    ("[PATCH] a\n subject folded", "a subject folded"),
])
def test_subject_cleanup_matches_git(subject, expected):
    assert clean_subject(subject) == expected


def test_header_without_space_after_colon_is_read():
    msg = parse_message(b"From:Real Name <user@example.com>\nSubject:    extra spaces\n\nbody\n")
    info = mail_info(msg)
    assert (info.author, info.email, info.subject) == ("Real Name", "user@example.com", "extra spaces")


@pytest.mark.parametrize("from_header,author", [
    ('bob "unterminated string smith <bob@example.com>', "bob unterminated string smith"),
    ("bob (unterminated comment smith <bob@example.com>", "bob (unterminated comment smith"),
    ("a.u.thor@example.com (A U Thor)", "A U Thor"),
    ('"Doe, John" <john@example.com>', "Doe, John"),
])
def test_odd_from_headers_give_gits_author(from_header, author):
    msg = parse_message(f"From: {from_header}\nSubject: x\n\nbody\n".encode())
    assert mail_info(msg).author == author


def test_repeated_inbody_header_ends_the_block_and_the_first_wins():
    parts = split_patch_body("from: A <a@example.com>\nFrom: B <b@example.com>\n\nbody\n---\ndiff --git a/x b/x\n")
    assert parts.inbody_from == "A <a@example.com>"
    assert parts.commit_message == "From: B <b@example.com>\n\nbody\n"


def test_patch_subject_line_and_folded_date_then_blank_lines():
    body = "\n\n[PATCH] foo bar\nDate: Mon\n  cont\n\n\nbody\n---\ndiff --git a/x b/x\n"
    parts = split_patch_body(body)
    assert (parts.inbody_subject, parts.inbody_date) == ("[PATCH] foo bar", "Mon cont")
    assert parts.commit_message == "\nbody\n"  # git keeps the second blank line


def test_encoded_words_in_inbody_from_are_decoded():
    parts = split_patch_body("From: =?UTF-8?q?Philippe_Mathieu-Daud=C3=A9?= <f4bug@amsat.org>\n\nfix\n---\n")
    assert parts.inbody_from == "Philippe Mathieu-Daudé <f4bug@amsat.org>"


def test_diffstat_and_diff_are_split_at_the_first_file_header():
    body = ("Fix the frobnicator.\n\nSigned-off-by: A <a@example.com>\n---\n"
            " drivers/foo.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)\n\n"
            "diff --git a/drivers/foo.c b/drivers/foo.c\nindex 1..2 100644\n--- a/drivers/foo.c\n"
            "+++ b/drivers/foo.c\n@@ -1 +1 @@\n-a\n+b\n-- \n2.39.5\n\n")
    parts = split_patch_body(body)
    assert parts.commit_message == "Fix the frobnicator.\n\nSigned-off-by: A <a@example.com>\n"
    assert parts.diffstat == " drivers/foo.c | 2 +-\n 1 file changed, 1 insertion(+), 1 deletion(-)"
    assert parts.diff.startswith("diff --git a/drivers/foo.c b/drivers/foo.c\n")
    assert parts.diff.endswith("+b\n")  # the format-patch signature is not part of the diff


@pytest.mark.parametrize("line,is_break", [
    ("---", True), ("--- ", True), ("---\t", True), ("--- a/file.c", True), ("diff -u a b", True),
    ("Index: foo.c", True), ("----", False), ("---  two spaces", False), ("-- ", False),
    ("--- not a file? yes it is", True), ("> ---", False),
])
def test_patch_break_lines_follow_git(line, is_break):
    assert is_patch_break(line) is is_break


@pytest.mark.parametrize("body,expected", [
    ("diff --git a/x b/x\nold mode 100644\nnew mode 100755\n", True),  # mode only
    ("diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to y\n", True),  # rename only
    ("--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n", True),  # raw diff, no git header
    ("> --- a/x.c\n> +++ b/x.c\n> @@ -1 +1 @@\n", False),  # a quoted diff in a review
    ("Looks good.\n\nReviewed-by: A <a@example.com>\n", False),
    ("Run it and paste the first line, e.g.\ndiff --git a/mm/memory.c b/mm/memory.c\nthanks\n", False),
    ("diff --git a/logo.png b/logo.png\nindex 1a2b3c4..5d6e7f8 100644\nGIT binary patch\n", True),
    ("diff --git a/x b/x\ndeleted file mode 100644\nindex e69de29..0000000\n", True),
    ("--- a/b4/junk.py\n+++ b/b4/junk.py\n@@@ -1,1 +1,1 @@ def junk():\n", True),  # b4's sample
    ("--- v2: rebased\n+++ nothing\nmore text\n", False),
])
def test_looks_like_patch(body, expected):
    assert looks_like_patch(body) is expected


FORMAT_PATCH = "git-format-patch/t4013/diff.format-patch_"


@pytest.mark.parametrize("variant", ["--attach_--stdout_initial..main", "--inline_--stdout_initial..main"])
def test_attached_and_inline_format_patch_split_like_the_plain_one(corpus, variant):
    """git's t4013 outputs: the same three commits sent plain, as attachments, inline-attached.
    Each file starts with the "$ git format-patch ..." command line, which is ignored."""
    def parts(name):
        return [split_patch_body(m.body) for m in read_messages(corpus / (FORMAT_PATCH + name)).messages]

    plain, other = parts("--stdout_initial..main"), parts(variant)
    assert len(plain) == len(other) == 3
    for expected, got in zip(plain, other, strict=True):
        assert (got.commit_message, got.diffstat, got.diff) == (expected.commit_message, expected.diffstat,
                                                                 expected.diff)
    assert [mail_info(m).subject for m in read_messages(corpus / (FORMAT_PATCH + variant)).messages] == [
        "Second", "Third", "Side"]


def test_cover_letter_is_read_with_its_patches(corpus):
    msgs = read_messages(corpus / (FORMAT_PATCH + "--stdout_--cover-letter_-n_initial..main^")).messages
    assert [m.subject for m in msgs] == ["[DIFFERENT_PREFIX 0/2] *** SUBJECT HERE ***", "[DIFFERENT_PREFIX 1/2] Second",
                                         "[DIFFERENT_PREFIX 2/2] Third"]
    assert not looks_like_patch(msgs[0].body) and all(looks_like_patch(m.body) for m in msgs[1:])


def test_format_flowed_patch_is_unwrapped(corpus):
    """git's t4256: a Thunderbird format=flowed patch whose long lines were soft-wrapped."""
    from unidiff import PatchSet

    (msg,) = read_messages(corpus / "git-am/t4256/1/patch").messages
    parts = split_patch_body(msg.body)
    assert parts.diffstat.splitlines()[0] == " mailinfo.c | 64 ++++++++++++++++++++++++++++++++++++++++++++++++++++--"
    (changed,) = PatchSet(parts.diff)
    assert (changed.path, changed.added, changed.removed) == ("mailinfo.c", 62, 2)  # as the diffstat says
    assert "+static int has_attr_value(const char *line, const char *name, const char *value)\n" in parts.diff


def test_base64_crlf_mail_from_git_am_quoted_cr_test(corpus):
    (msg,) = read_messages(corpus / "git-am/t4258/mbox").messages
    parts = split_patch_body(msg.body)
    assert parts.commit_message == "This is commit message.\n"
    assert "\r" not in parts.diff and parts.diff.startswith("diff --git ")


def test_removed_line_that_looks_like_a_signature_stays_in_the_diff():
    """Removing a Markdown bullet "- " shows as "-- " inside the hunk; hunk counts keep it."""
    diff = ("diff --git a/Documentation/x.md b/Documentation/x.md\nindex 1111111..2222222 100644\n"
            "--- a/Documentation/x.md\n+++ b/Documentation/x.md\n@@ -1,3 +1,2 @@\n intro\n-- \n end\n")
    body = "Drop the empty bullet.\n\nSigned-off-by: A <a@example.com>\n---\n" + diff + "-- \n2.43.0\n\n"
    assert split_patch_body(body).diff == diff


def test_mailing_list_footer_after_the_diff_is_not_part_of_it(corpus):
    (msg,) = read_messages(corpus / "patchwork/mail/0003-git-pull-request-with-diff.mbox").messages
    diff = split_patch_body(msg.body).diff
    assert diff.endswith("     mtrr_aps_delayed_init = false;\n }\n")
    assert "Linuxppc-dev mailing list" in msg.body


def test_scissors_option_matches_git_mailinfo_scissors(corpus):
    """Mail 0014 with git's --scissors: everything above the last cut line goes, and the in-body
    headers below it name the author and subject. (The default path is mail 0014 above.)"""
    msg = _sample(corpus, 14)
    parts = split_patch_body(msg.body, scissors=True)
    assert parts.commit_message == _trimmed((corpus / T5100 / "msg0014--scissors").read_text(encoding="utf-8"))
    assert parts.patch == (corpus / T5100 / "patch0014--scissors").read_text(encoding="utf-8")
    expected_info = (corpus / T5100 / "info0014--scissors").read_text(encoding="utf-8")
    assert _info_text(mail_info(msg, parts)) == expected_info


@pytest.mark.parametrize("line,expected", [
    ("-- >8 --", True),
    ("--8<-----8<-----8<--", True),
    (" - - >8 - - please remove everything above this line - - >8 - -", True),
    ("-- 8< -- cut here -- 8< --", True),
    (" This line is not a scissors mark -- >8 -- but talks about it.", False),
    ("--8<--", False),  # under 8 characters
    ("------------", False),  # no scissors
    ("-- ", False),
])
def test_scissors_lines(line, expected):
    assert is_scissors_line(line) is expected


@pytest.mark.parametrize("n", [15, 16, 18])
def test_no_inbody_headers_option_matches_git(corpus, n):
    msg = _sample(corpus, n)
    parts = split_patch_body(msg.body, inbody_headers=False)
    suffix = f"{n:04d}--no-inbody-headers"
    assert parts.commit_message == _trimmed((corpus / T5100 / f"msg{suffix}").read_text(encoding="utf-8"))
    assert parts.patch == (corpus / T5100 / f"patch{suffix}").read_text(encoding="utf-8")
    assert _info_text(mail_info(msg, parts)) == (corpus / T5100 / f"info{suffix}").read_text(encoding="utf-8")


def test_quoted_from_differs_from_git_default_on_purpose(corpus):
    """quoted-from.in was written by an mboxo writer that escaped "From the depths" as ">From";
    git's mailsplit (no --mboxrd) keeps the ">", reviewbot always undoes one level (mboxrd rule)."""
    (msg,) = read_messages(corpus / T5100 / "quoted-from.in").messages
    git_msg = (corpus / T5100 / "quoted-from.expect").read_text(encoding="utf-8")
    assert git_msg.startswith(">From the depths of history")
    assert split_patch_body(msg.body).commit_message == _trimmed(git_msg[1:])
