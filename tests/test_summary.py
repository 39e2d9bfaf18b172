"""`reviewbot summary`: trailers per patch, cover trailers for all, replies, open questions, versions."""
from __future__ import annotations

import json

from typer.testing import CliRunner

from reviewbot.cli import app
from reviewbot.ingest.load import load_mail
from reviewbot.ingest.mailread import parse_message
from reviewbot.ingest.series import find_series_groups
from reviewbot.ingest.thread import build_threads
from reviewbot.report.summary import summarize
from tests.conftest import FIXTURES

runner = CliRunner()


def test_cover_letter_trailer_applies_to_all_patches(corpus):
    result = runner.invoke(app, ["summary", str(corpus / "patchew/data/0004-multiple-patch-reviewed.mbox"),
                                 "--format", "json"])
    assert result.exit_code == 0
    (series,) = json.loads(result.output)["series"]
    (v4,) = series["versions"]
    assert v4["cover_trailers"] == [{"name": "Reviewed-by", "person": "Eric Blake <eblake@redhat.com>",
                                     "applies_to": "all patches"}]
    assert [[(t["name"], t["person"], t["origin"]) for t in p["trailers"]] for p in v4["patches"]] == [
        [("Reviewed-by", "Eric Blake <eblake@redhat.com>", "cover")]] * 2
    assert len(v4["cover_replies"]) == 2


def test_partial_reroll_changes_are_by_patch_id(corpus):
    data = load_mail(corpus / "b4/samples/trailers-followup-partial-reroll.mbox")
    (group,) = summarize(data.groups, data.threads)
    v3 = group["versions"][1]
    assert v3["changes_since_v2"] == {"unchanged": [], "changed": ["Simple test 2"], "added": [], "dropped": [],
                                     "not_comparable": []}


def _mail(mid, sender, subject, body, irt=None, date="Mon, 24 Jul 2017 11:06:11 -0600"):
    hdr = f"In-Reply-To: <{irt}>\nReferences: <{irt}>\n" if irt else ""
    return parse_message(f"From: {sender}\nSubject: {subject}\nMessage-ID: <{mid}>\nDate: {date}\n{hdr}\n{body}"
                         .encode())


def test_unanswered_questions_are_listed_and_answered_ones_not():
    patch = (FIXTURES / "series/insert-pfn-mkwrite/v2-0002-device-dax-pass-mkwrite-to-vmf_insert_mixed.patch")
    p = parse_message(patch.read_bytes().split(b"\n", 1)[1])
    ross, andy, jan = ("Ross Zwisler <ross.zwisler@linux.intel.com>", "Andy Lutomirski <luto@amacapital.net>",
                       "Jan Kara <jack@suse.cz>")
    q1 = _mail("q1@x", andy, "Re: " + p.subject, "> +\treturn vmf_insert_mixed(vmf->vma, vmf->address, pfn, false);\n\n"
               "Conceptually, I like this. Do you need to make sure to do all the\ndo_wp_page work, though?\n",
               irt=p.msgid, date="Tue, 25 Jul 2017 09:38:19 -0800")
    q2 = _mail("q2@x", jan, "Re: " + p.subject, "Why false here and not the fault's write flag?\n\n-- \nJan\n",
               irt=p.msgid, date="Tue, 25 Jul 2017 10:00:00 +0200")
    answer = _mail("a2@x", ross, "Re: " + p.subject, "> Why false?\n\nBecause device-dax maps read faults only.\n",
                   irt="q2@x", date="Tue, 25 Jul 2017 12:00:00 -0600")
    msgs = [p, q1, q2, answer]
    threads = build_threads(msgs)
    (group,) = summarize(find_series_groups(msgs, threads), threads)
    (version,) = group["versions"]
    assert [(q["from"], q["question"]) for q in version["open_questions"]] == [
        (andy, "Conceptually, I like this. Do you need to make sure to do all the do_wp_page work, though?")]
    assert sorted(version["patches"][0]["replies"]) == sorted([andy, jan, ross])


def test_summary_command_text(corpus):
    result = runner.invoke(app, ["summary", str(corpus / "patchew/data/0004-multiple-patch-reviewed.mbox")])
    assert result.exit_code == 0
    assert result.output.splitlines()[:5] == [
        "v4 (newest): Report format specific info for LUKS block driver [2/2, complete]",
        "  2 replies to the cover letter: Eric Blake <eblake@redhat.com>, Max Reitz <mreitz@redhat.com>",
        "  on the cover letter, for every patch:",
        "    Reviewed-by: Eric Blake <eblake@redhat.com>",
        "  [1/2] crypto: add support for querying parameters for block encryption",
    ]


def test_summary_of_the_seeds_threads(seeds):
    """What a maintainer reads for the seeds: the cover-letter review for every patch of the applied
    series, each posting known from replies only, and the questions still open."""
    from reviewbot.ingest.load import load_mail
    from reviewbot.report.summary import render_text, summarize

    data = load_mail(seeds)
    text = render_text(summarize(data.groups, data.threads))
    applied = text[text.index("applied (newest): mm: add vm_insert_mixed_mkwrite() [1/5, missing 2, 3, 4, 5]"):]
    assert "  on the cover letter, for every patch:\n    Reviewed-by: Jan Kara <jack@xxxxxxx>\n" in applied
    assert "  1 reply to the cover letter: Jan Kara <jack@xxxxxxxx>\n" in applied
    assert "Ross Zwisler" not in applied.split("[1/5]")[0].split("1 reply")[1]  # his quoted sign-off is no trailer
    assert "  note: cover letter recovered from the changelog of patch 1" in applied
    assert ("  [3/3] dax: Handle write faults more efficiently (not in the input: known from replies)\n"
            "    1 reply: Andy Lutomirski\n") in text
    assert ("    [3/3] Andy Lutomirski on 2016-01-27: On second reading, though, what ensures that the vm is "
            "VM_WRITE|VM_SHARED? If nothing else, some nice comments might help.\n") in text
    assert "[1/5] Vivek Goyal on 2017-07-20: vm_insert_mixed_mkwrite() is same as vm_insert_mixed() except" in text
    # Ross answering Jan on v4 10/12 asks nothing
    assert "Ross Zwisler: " not in text.split("questions without an answer")[-1]


def test_a_quoted_line_wrapped_by_the_client_is_not_the_repliers_question():
    """notmuch's LKML corpus: Lotus Notes wrapped quoted lines, leaving "better" and "inode that?"
    unquoted between quoted lines; they are not Mingming Cao's words."""
    from reviewbot.model import Message
    from reviewbot.report.summary import questions

    body = ("Steve French <smfrench@gmail.com> wrote on 06/25/2010 04:05:30 PM:\n\n"
            "> > > > Looks like it mostly uses the ctime. IMO, the mtime would be a\nbetter\n"
            "> > > > choice since it changes less frequently. Is the generation in the\ninode that?\n"
            "> > > > we could use?\n\nI think i_generation is exported. Could we use it for this?\n")
    msg = Message(msgid="m@x", from_name="Mingming Cao", from_email="mcao@us.ibm.com", body=body)
    assert questions(msg) == ["I think i_generation is exported. Could we use it for this?"]
