"""akpm folds a series' cover letter into patch 1's changelog above "This patch (of N):"."""
from reviewbot.ingest.changelog_cover import is_recovered_cover, split_changelog_covers
from reviewbot.ingest.load import load_mail
from reviewbot.ingest.mailread import parse_message, read_messages
from reviewbot.ingest.series import find_series

# The shape of a mail from akpm's mm-commits / a patch exported from -mm, diff included.
AKPM_PATCH = b"""From: Ross Zwisler <ross.zwisler@linux.intel.com>
Date: Mon, 24 Jul 2017 11:06:11 -0600
Subject: [PATCH] mm: add vm_insert_mixed_mkwrite()
Message-ID: <20170724170616.25810-2-ross.zwisler@linux.intel.com>

When servicing mmap() reads from file holes the current DAX code
allocates a page cache page of all zeroes.

This series uses a common 4k zero page instead.

This patch (of 5):

insert_pfn() needs to follow the lead of insert_pfn_pmd() and allow us to
pass in a 'mkwrite' flag.

Signed-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>
Reviewed-by: Jan Kara <jack@suse.cz>
---
 mm/memory.c | 1 +
 1 file changed, 1 insertion(+)

diff --git a/mm/memory.c b/mm/memory.c
index 6f543a4..096052f 100644
--- a/mm/memory.c
+++ b/mm/memory.c
@@ -1,3 +1,4 @@
 a
 b
+c
 d
"""


def test_a_changelog_with_this_patch_of_n_becomes_a_cover_and_patch_1_of_n():
    cover, patch = split_changelog_covers([parse_message(AKPM_PATCH)])
    assert is_recovered_cover(cover) and cover.subject == "[PATCH 0/5] mm: add vm_insert_mixed_mkwrite()"
    assert cover.body.startswith("When servicing mmap()") and "This patch (of" not in cover.body
    assert cover.sender == patch.sender == "Ross Zwisler <ross.zwisler@linux.intel.com>"
    assert patch.subject == "[PATCH 1/5] mm: add vm_insert_mixed_mkwrite()"
    assert patch.body.startswith("insert_pfn() needs to follow") and patch.in_reply_to == cover.msgid
    (series,) = find_series([cover, patch])
    assert series.cover is cover and [p.index for p in series.patches] == [1] and series.missing == [2, 3, 4, 5]
    assert series.patches[0].commit_message.startswith("insert_pfn() needs to follow")
    assert "+c" in series.patches[0].diff_text


def test_numbered_patches_and_replies_are_left_alone():
    numbered = AKPM_PATCH.replace(b"[PATCH]", b"[PATCH 1/5]")
    reply = AKPM_PATCH.replace(b"Subject: [PATCH]", b"Subject: Re: [PATCH]")
    plain = AKPM_PATCH.replace(b"This patch (of 5):", b"This patch:")
    for raw in (numbered, reply, plain):
        (msg,) = split_changelog_covers([parse_message(raw)])
        assert not is_recovered_cover(msg)


def test_seed_commit_listing_is_patch_1_of_5_with_its_cover(seeds):
    cover, patch = split_changelog_covers(read_messages(seeds / "000_b04a55b2f102a831.txt").messages)
    assert cover.body.rstrip().endswith("code, removing over 100 lines in total.")
    assert patch.body.startswith("To be able to use the common 4k zero page in DAX")
    assert patch.from_name == "Ross Zwisler"


def test_seeds_summary_cover_review_applies_to_every_patch_and_quoted_signoffs_do_not_count(seeds):
    """The issue's case: Jan Kara's Reviewed-by, given in reply to the cover letter of "use common
    4k zero page" (here only as an archive copy without headers), counts for all 5 patches; the
    Signed-off-by of Ross Zwisler that Jan quotes is not a trailer of his."""
    data = load_mail(seeds)
    (group,) = [g for g in data.groups if g.newest.applied]
    series = group.newest
    assert series.subject == "mm: add vm_insert_mixed_mkwrite()" and series.expected_total == 5
    assert [(t.name, t.person) for t in series.cover_trailers] == [("Reviewed-by", "Jan Kara <jack@xxxxxxx>")]
    # the older posting is v3, known only from Vivek Goyal's reply to its 1/5
    assert [v.version for v in group.versions] == [3, 1] and group.versions[0].absent == {
        1: "mm: add vm_insert_mixed_mkwrite()"}


def test_a_newer_version_known_only_from_replies_does_not_hide_the_posted_one():
    from reviewbot.ingest.series import fill_partial_reroll, find_series_groups

    v1 = AKPM_PATCH.replace(b"Subject: [PATCH]", b"Subject: [PATCH 1/1]")
    reply = (b"From: Jan Kara <jack@suse.cz>\nSubject: Re: [PATCH v2 1/1] mm: add vm_insert_mixed_mkwrite()\n"
             b"Message-ID: <r@x>\nDate: Tue, 25 Jul 2017 11:06:11 -0600\n\nOn Mon, Ross wrote:\n> x\n\nLooks good.\n")
    (group,) = find_series_groups([parse_message(v1), parse_message(reply)])
    assert [v.version for v in group.versions] == [1, 2] and group.newest.absent == {1: group.newest.subject}
    assert fill_partial_reroll(group).version == 1


def test_replies_to_an_absent_patch_join_only_the_version_with_that_subject_at_that_place():
    from reviewbot.ingest.series import find_series_groups

    v1 = AKPM_PATCH.replace(b"Subject: [PATCH]", b"Subject: [PATCH 1/2]")
    elsewhere = (b"From: Jan Kara <jack@suse.cz>\nSubject: Re: [PATCH v2 2/2] mm: add vm_insert_mixed_mkwrite()\n"
                 b"Message-ID: <r@x>\nDate: Tue, 25 Jul 2017 11:06:11 -0600\n\nOn Mon, Ross wrote:\n> x\n\nOK.\n")
    groups = find_series_groups([parse_message(v1), parse_message(elsewhere)])
    assert len(groups) == 2  # same subject, but patch 2 of another series: not a version of this one
