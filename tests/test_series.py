"""Series detection: Patchwork's and patchew's grouping oracles, b4's naked cover, versions."""
from __future__ import annotations

import json

import pytest

from reviewbot.ingest.load import load_mail
from reviewbot.ingest.series import classify, fill_partial_reroll
from tests.conftest import CORPUS, FIXTURES

PATCHWORK_CASES = (json.loads((CORPUS / "patchwork/series/expected.json").read_text())["cases"]
                   if CORPUS.is_dir() else [])


def _first_date(s):
    msgs = ([s.cover] if s.cover else []) + [p.message for p in s.patches]
    return min(m.date.timestamp() for m in msgs if m is not None and m.date is not None)


@pytest.mark.parametrize("case", PATCHWORK_CASES, ids=[c["file"] for c in PATCHWORK_CASES])
def test_patchwork_series_grouping(corpus, case):
    data = load_mail(corpus / "patchwork/series" / case["file"])
    kinds = [classify(m).kind for m in data.messages]
    assert [kinds.count("cover") + kinds.count("pull"), kinds.count("patch"), kinds.count("comment")] == case["counts"]
    found = sorted((s for g in data.groups for s in g.versions), key=_first_date)
    if "patches_per_series" in case:
        assert [len(s.patches) for s in found] == case["patches_per_series"]
    if "covers_per_series" in case:
        assert [1 if s.cover else 0 for s in found] == case["covers_per_series"]
    if "received_all" in case:
        assert all(s.complete for s in found) is case["received_all"]


def test_patchew_cover_series_with_replies(corpus):
    (group,) = load_mail(corpus / "patchew/data/0004-multiple-patch-reviewed.mbox").groups
    s = group.newest
    assert s.cover.msgid == "1469192015-16487-1-git-send-email-berrange@redhat.com"
    assert (s.subject, s.version, s.expected_total, s.complete) == (
        "Report format specific info for LUKS block driver", 4, 2, True)
    assert [(p.message.msgid, p.subject) for p in s.patches] == [
        ("1469192015-16487-2-git-send-email-berrange@redhat.com",
         "crypto: add support for querying parameters for block encryption"),
        ("1469192015-16487-3-git-send-email-berrange@redhat.com", "block: export LUKS specific data to qemu-img info"),
    ]
    cover_replies = [m.msgid for m in s.comments if m.in_reply_to == s.cover.msgid]
    assert cover_replies == ["5792265A.5070507@redhat.com", "e0858c00-ccb6-e533-ee3e-9ba84ca45a7b@redhat.com"]


def test_patchew_incomplete_series_reports_missing(corpus):
    (group,) = load_mail(corpus / "patchew/data/0012-incomplete-series.mbox").groups
    s = group.newest
    assert (s.complete, s.expected_total, [p.index for p in s.patches], s.missing) == (False, 2, [1], [2])


def test_patchew_single_patch_is_its_own_series(corpus):
    (group,) = load_mail(corpus / "patchew/data/0001-simple-patch.mbox").groups
    s = group.newest
    assert (s.subject, s.version, s.complete, len(s.patches), s.cover) == (
        "quorum: Only compile when supported", 1, True, 1, None)


def test_b4_naked_cover_letter(corpus):
    (group,) = load_mail(corpus / "b4/samples/naked-cover-single.mbox").groups
    assert group.newest.cover is not None and group.newest.subject == "do a thing to the widget subsystem"
    groups = load_mail(corpus / "b4/samples/naked-cover-bugreport.mbox").groups
    assert all(g.newest.cover is None for g in groups)


def test_partial_reroll_is_completed_from_the_older_version(corpus):
    (group,) = load_mail(corpus / "b4/samples/trailers-followup-partial-reroll.mbox").groups
    assert [s.version for s in group.versions] == [2, 3]
    assert group.versions[0].superseded_by == 3
    newest = fill_partial_reroll(group)
    assert [(p.index, p.message.msgid) for p in newest.patches] == [
        (1, "patch-1-message@example.com"), (2, "patch-v3-2-message@example.com")]


def test_versions_of_one_series_in_one_mailbox():
    from reviewbot.ingest.mailread import parse_message
    from reviewbot.ingest.series import find_series_groups

    def mail(mid, subject, irt=None, diff=True):
        body = "Commit message.\n\nSigned-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n---\n"
        if diff:
            body += ("diff --git a/mm/memory.c b/mm/memory.c\n--- a/mm/memory.c\n+++ b/mm/memory.c\n"
                     "@@ -1 +1 @@\n-a\n+b\n")
        hdr = f"In-Reply-To: <{irt}>\n" if irt else ""
        return parse_message((f"From: Ross Zwisler <ross.zwisler@linux.intel.com>\nSubject: {subject}\n"
                              f"Message-ID: <{mid}>\n{hdr}Date: Mon, 24 Jul 2017 11:06:1{mid[-1]} -0600\n\n"
                              f"{body}").encode())
    msgs = [mail("c1", "[PATCH 0/2] dax: use common 4k zero page", diff=False),
            mail("a1", "[PATCH 1/2] mm: add vm_insert_mixed_mkwrite()", "c1"),
            mail("a2", "[PATCH 2/2] dax: use common 4k zero page", "c1"),
            mail("c2", "[PATCH v2 0/2] dax: use common 4k zero page", diff=False),
            mail("b1", "[PATCH v2 1/2] mm: add vm_insert_mixed_mkwrite()", "c2"),
            mail("b2", "[PATCH v2 2/2] dax: use common 4k zero page", "c2")]
    (group,) = find_series_groups(msgs)
    assert [s.version for s in group.versions] == [1, 2]
    assert group.newest.cover.msgid == "c2" and group.versions[0].superseded_by == 2


def _format_patch_copy(src, dest, author=None, inbody_author=None):
    """A `git format-patch` file (no threading headers) of a real fixture patch, by another author."""
    text = src.read_text()
    head, body = text.split("\n\n", 1)
    head = "\n".join(line for line in head.split("\n") if not line.startswith(("In-Reply-To:", "References:")))
    if author:
        head = "\n".join(f"From: {author}" if line.startswith("From: ") else line for line in head.split("\n"))
    if inbody_author:
        body = f"From: {inbody_author}\n\n{body}"
    dest.write_text(f"{head}\n\n{body}")


def test_format_patch_files_of_several_authors_are_one_series(tmp_path):
    """Issue 12: numbered [PATCH k/N] files of one directory are one series whoever wrote each; an
    in-body From: (what git send-email writes for another author) is the patch's author."""
    from reviewbot.ingest.load import load_mail

    src = FIXTURES / "series" / "insert-pfn-mkwrite"
    (p1,) = src.glob("v2-0001-*.patch")
    (p2,) = src.glob("v2-0002-*.patch")
    _format_patch_copy(p1, tmp_path / p1.name)
    _format_patch_copy(p2, tmp_path / p2.name, author="Dan Williams <dan.j.williams@intel.com>")
    (group,) = load_mail(tmp_path).groups
    (series,) = group.versions
    assert [(p.index, p.author) for p in series.patches] == [
        (1, "Ross Zwisler <ross.zwisler@linux.intel.com>"), (2, "Dan Williams <dan.j.williams@intel.com>")]
    assert series.missing == []

    sent = tmp_path / "sent"
    sent.mkdir()
    _format_patch_copy(p1, sent / p1.name)
    _format_patch_copy(p2, sent / p2.name, inbody_author="Jan Kara <jack@suse.cz>")
    (group,) = load_mail(sent).groups
    assert [p.author for p in group.newest.patches] == ["Ross Zwisler <ross.zwisler@linux.intel.com>",
                                                        "Jan Kara <jack@suse.cz>"]


def test_unthreaded_patches_of_a_list_maildir_are_not_joined_by_number(tmp_path):
    """In a list archive (a maildir) two posters' unthreaded [PATCH 1/2] and [PATCH 2/2] stay apart
    (the same two files in a directory of format-patch files are one series, test above): only an
    mbox or a directory of format-patch files is one unit."""
    from tests.bot_util import write_maildir

    src = FIXTURES / "series" / "insert-pfn-mkwrite"
    (p1,) = src.glob("v2-0001-*.patch")
    (p2,) = src.glob("v2-0002-*.patch")
    _format_patch_copy(p1, tmp_path / "a.patch")
    _format_patch_copy(p2, tmp_path / "b.patch", author="Dan Williams <dan.j.williams@intel.com>")
    mails = [(tmp_path / name).read_bytes().split(b"\n", 1)[1] for name in ("a.patch", "b.patch")]
    write_maildir(tmp_path / "list", mails)
    series = [s for g in load_mail(tmp_path / "list").groups for s in g.versions]
    assert [(len(s.patches), s.missing) for s in series] == [(1, [2]), (1, [1])]
