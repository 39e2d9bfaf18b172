"""`reviewbot summary` on real threads of ../shared/corpus: open questions, applied states, one series
per series, reply lists. Each test names the thread that shows the behaviour."""
from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from reviewbot.cli import app
from reviewbot.ingest.load import load_mail
from reviewbot.report.summary import render_text, summarize

runner = CliRunner()


@pytest.fixture(scope="module")
def lkml(request):
    from tests.conftest import CORPUS

    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    data = load_mail(CORPUS / "notmuch/corpora/lkml")
    return {g["versions"][-1]["subject"]: g for g in summarize(data.groups, data.threads)}


def _version(lkml, subject):
    return lkml[subject]["versions"][-1]


def test_cifs_rfc_series_is_one_series_across_both_forms_of_the_senders_address(corpus):
    result = runner.invoke(app, ["series", str(corpus / "notmuch/corpora/lkml"), "--format", "json"])
    rows = [r for r in json.loads(result.output)["series"] if r["subject"].startswith("cifs")]
    assert [(r["subject"], r["patches"], r["missing"]) for r in rows] == [
        ("cifs: local caching support using FS-Cache", list(range(1, 11)), [])]


def test_questions_answered_by_the_author_from_another_address_or_in_a_quote_are_not_open(lkml):
    # cifs 05/10: "Is there an inode number or something?" is quoted and answered by Suresh Jayaraman
    # in a reply to David Howells's next mail; 06/10: four questions between reviewers
    assert _version(lkml, "cifs: local caching support using FS-Cache")["open_questions"] == []
    # powerpc: the author answers as "Bounine, Alexandre" <Alexandre.Bounine@idt.com>
    assert _version(lkml, "powerpc/85xx: Add MChk handler for SRIO port")["open_questions"] == []


def test_open_questions_name_their_patch_and_a_split_request_is_one_question(lkml):
    v = _version(lkml, "x86: move ioapic_irq_destination_types")
    assert [(q["patch"], q["from"], q["date"][:10], q["question"][:40]) for q in v["open_questions"]] == [
        (2, "Ingo Molnar <mingo@elte.hu>", "2011-02-14", "Cannot we use the CONFIG_X86_X2APIC Kcon"),
        (3, "Ingo Molnar <mingo@elte.hu>", "2011-02-14", "Do you still want to do it? :-)"),
        (5, "Ingo Molnar <mingo@elte.hu>", "2011-02-14", "Why not make the arch_disable_smp_suppor"),
        (1, "Ingo Molnar <mingo@elte.hu>", "2011-02-14", "one very small request, while we are mov"),
    ]
    assert v["open_questions"][3]["question"].endswith("Something like: ... would be much more readable, right?")
    assert v["open_questions"][0]["patch_subject"] == "x86: ifdef enable_IR_x2apic() out"
    text = render_text([lkml["x86: move ioapic_irq_destination_types"]])
    assert ("    [3/6] Ingo Molnar <mingo@elte.hu> on 2011-02-14: Do you still want to do it? :-)\n") in text


def test_spun_off_subthread_is_its_own_topic_and_not_counted(lkml, corpus):
    v = _version(lkml, "remove unnecessary semicolons")
    p44 = v["patches"][43]
    assert p44["reply_count"] == 13
    assert v["spun_off"] == [{
        "subject": "rfc: rewrite commit subject line for subsystem maintainer preference tool",
        "from": "Joe Perches <joe@perches.com>", "date": "2010-11-16T06:51:17-08:00",
        "message": "1289919077.28741.50.camel@Joe-Laptop", "under": 44, "replies": 21}]
    assert v["open_questions"] == []  # "Something printfish would seem reasonable?" is in the spun-off thread
    result = runner.invoke(app, ["series", str(corpus / "notmuch/corpora/lkml"), "--format", "json"])
    (row,) = [r for r in json.loads(result.output)["series"] if r["subject"] == "remove unnecessary semicolons"]
    assert (row["replies"], row["spun_off_replies"]) == (34, 21)


def test_a_v2_posted_as_a_reply_is_mentioned(lkml):
    p44 = _version(lkml, "remove unnecessary semicolons")["patches"][43]
    assert p44["revised_in_replies"] == [{"from": "Joe Perches <joe@perches.com>", "date": "2010-11-15T09:09:17-08:00",
                                          "message": "1289840957.16461.138.camel@Joe-Laptop", "version": 2}]


def test_applied_dropped_and_deferred_per_patch_with_who_and_when(lkml):
    patches = _version(lkml, "remove unnecessary semicolons")["patches"]
    states = {p["index"]: (p["state"]["state"], p["state"]["by"], p["state"]["said"]) for p in patches if p["state"]}
    assert states[2] == ("applied", "Michal Simek <monstr@monstr.eu>", "Applied.")
    assert states[11] == ("applied", "Chris Ball <cjb@laptop.org>", "Pushed to mmc-next for .38, thanks.")
    assert states[15] == ("dropped", "David Miller <davem@davemloft.net>", "Not applicable to net-next-2.6")
    assert states[21] == ("deferred", "David Miller <davem@davemloft.net>", "I'll let the s390 folks take this one.")
    assert states[44][:2] == ("applied", "Mark Brown <broonie@opensource.wolfsonmicro.com>")
    assert 1 not in states and 36 not in states  # no reply, and an Acked-by only


def test_one_person_at_two_addresses_once_and_names_with_commas_quoted(lkml):
    cifs = _version(lkml, "cifs: local caching support using FS-Cache")
    p6 = next(p for p in cifs["patches"] if p["index"] == 6)
    assert [r for r in p6["replies"] if "Howells" in r] == [
        "David Howells <dhowells-H+wXaHxf7aLQT0dZR+AlfA@public.gmane.org>"]
    p14 = _version(lkml, "remove unnecessary semicolons")["patches"][13]
    assert p14["replies"] == ['"Rose, Gregory V" <gregory.v.rose@intel.com>', "David Miller <davem@davemloft.net>"]


def test_a_diff_in_a_reply_is_not_a_question(corpus):
    data = load_mail(corpus / "notmuch/corpora/indexing")
    assert all(v["open_questions"] == [] for g in summarize(data.groups, data.threads) for v in g["versions"])


def _summary_json(path) -> list[dict]:
    result = runner.invoke(app, ["summary", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["series"]


def test_reply_only_bare_patch_is_a_series_known_from_replies_and_asides_after_pushed_are_not_open(corpus):
    """notmuch's list: Carl Worth answers "[notmuch] [PATCH] Older versions of install do not support -C."
    (no "Re:", the patch itself not in the corpus) with "Thanks, Jan. This is pushed now. And did I say
    welcome to notmuch yet?"."""
    groups = _summary_json(corpus / "notmuch/corpora/default")
    by_subject = {g["versions"][-1]["subject"]: g["versions"][-1] for g in groups}
    v = by_subject["Older versions of install do not support -C."]
    assert (v["total"], v["missing"], v["patches"][0]["absent"]) == (1, [1], True)
    assert v["patches"][0]["state"]["state"] == "applied"
    assert v["patches"][0]["state"]["said"] == "This is pushed now."
    assert v["open_questions"] == []
    numbered = by_subject["Close message file after parsing message headers"]  # "[PATCH 1/2]", same shape
    assert (numbered["total"], numbered["missing"], numbered["patches"][0]["absent"]) == (2, [1, 2], True)
    assert numbered["patches"][0]["state"]["said"].startswith(
        "Once I finally got back on the ground again, I pushed out a revised version of your patch")
    foo = {g["versions"][-1]["subject"]: g["versions"][-1]
           for g in _summary_json(corpus / "notmuch/corpora/default/foo")}
    pushed = foo["Close message file after parsing message headers"]["patches"][0]["state"]  # another copy
    assert pushed["said"] == "I've pushed both of them out now."
    assert "Working with Maildir storage?" not in by_subject  # a discussion, not a patch
    lines = runner.invoke(app, ["series", str(corpus / "notmuch/corpora/default")]).output.splitlines()
    assert "v1 0/1 missing 1, known from replies only: Older versions of install do not support -C." in lines
    assert "v1 0/2 missing 1,2, known from replies only: Close message file after parsing message headers" in lines


def test_maintainers_usual_applied_forms_in_patchew_threads(corpus):
    data = corpus / "patchew/data"
    (mips,) = _summary_json(data / "0003-single-patch-reviewed.mbox")
    assert mips["versions"][-1]["patches"][0]["state"]["said"] == "Applied to target-mips queue."
    (block,) = _summary_json(data / "0004-multiple-patch-reviewed.mbox")
    states = [p["state"] for p in block["versions"][-1]["patches"]]
    assert [(s["state"], s["by"]) for s in states] == [("applied", "Max Reitz <mreitz@redhat.com>")] * 2
    assert states[0]["said"].startswith("Thanks, applied to my block tree for 2.7")


def test_supersedes_links_versions_with_different_subjects(corpus):
    """patchew 0032: Kevin Wolf's reply to v6 says "Supersedes: <v5's cover>"; patchew's own tests make v6
    obsolete v5 (EXPECTED.md); 0031: a pull request's second try supersedes the first."""
    (group,) = _summary_json(corpus / "patchew/data/0032-supersedes-separate.mbox")
    assert [v["version"] for v in group["versions"]] == [5, 6] and group["newest"] == 6
    text = runner.invoke(app, ["summary", str(corpus / "patchew/data/0032-supersedes-separate.mbox")]).output
    assert text.count("(newest)") == 1 and "v6 (newest): blockdev: Fix AioContext handling" in text
    result = runner.invoke(app, ["series", str(corpus / "patchew/data/0031-supersedes-embedded.mbox")])
    assert result.output.splitlines()[0] == "v1 pull request (superseded): Migration pull patches"


# patchew's EXPECTED.md, "Obsoleted-by": old series -> the series that obsoletes it; None for the latest.
# 0009's v3 is dated before its v2, so v2 stays the latest and v3 obsoletes nothing.
_FAM = "20160628014747.20971-%d-famz@redhat.com"
PATCHEW_OBSOLETED_BY = {
    "0009-obsolete-by.mbox": {_FAM % 1: _FAM % 2, _FAM % 2: None},
    "0030-obsolete-by-v3.mbox": {_FAM % 2: _FAM % 3, _FAM % 1: _FAM % 3, _FAM % 3: None},
    "0031-supersedes-embedded.mbox": {"20200110173215.3865-1-quintela@redhat.com":
                                      "20200114092606.1761-1-quintela@redhat.com",
                                      "20200114092606.1761-1-quintela@redhat.com": None},
    "0032-supersedes-separate.mbox": {"20191128104129.250206-1-slp@redhat.com":
                                      "20200108143138.129909-1-slp@redhat.com",
                                      "20200108143138.129909-1-slp@redhat.com": None},
}


@pytest.mark.parametrize("name", sorted(PATCHEW_OBSOLETED_BY))
def test_obsoleted_by_matches_patchews_expected_table(corpus, name):
    mbox = str(corpus / "patchew/data" / name)
    expected = PATCHEW_OBSOLETED_BY[name]
    (group,) = _summary_json(mbox)
    summary = {v["message_id"]: v["obsoleted_by"] for v in group["versions"]}
    result = runner.invoke(app, ["series", mbox, "--format", "json"])
    series = {r["message_id"]: r["obsoleted_by"] for r in json.loads(result.output)["series"]}
    assert {k: summary[k] for k in expected} == expected
    assert {k: series[k] for k in expected} == expected


def test_a_higher_version_dated_before_the_latest_says_so(corpus):
    lines = runner.invoke(app, ["series", str(corpus / "patchew/data/0009-obsolete-by.mbox")]).output.splitlines()
    assert [line.split(":")[0] for line in lines[::2]] == [
        "v1 1/1 complete (superseded)", "v2 1/1 complete",
        "v3 1/1 complete (dated before v2, which stays the latest)"]
    summary = runner.invoke(app, ["summary", str(corpus / "patchew/data/0009-obsolete-by.mbox")]).output
    assert [line.split(":")[0] for line in summary.splitlines() if line.startswith("v")] == [
        "v1 (superseded by v2)", "v2", "v3 (newest)"]


def test_partial_reroll_is_described_alike_by_series_summary_and_trailers(corpus):
    mbox = str(corpus / "b4/samples/trailers-followup-partial-reroll.mbox")
    series = runner.invoke(app, ["series", mbox]).output.splitlines()
    assert series[2] == "v3 2/2 complete (partial re-roll: 1 from v2): Simple test 2"
    (group,) = _summary_json(mbox)
    v3 = group["versions"][-1]
    assert (v3["missing"], [p.get("carried_from") for p in v3["patches"]]) == ([], [2, None])
    cover_reviewer = ("Reviewed-by", "Coverletter Reviewer1 <followup-reviewer1@example.com>", "cover")
    assert all(cover_reviewer in [(t["name"], t["person"], t["origin"]) for t in p["trailers"]] for p in v3["patches"])
    trailers = runner.invoke(app, ["trailers", mbox]).output.splitlines()
    assert "  [v2->v3 1/2] Simple test 1" in trailers and "  [2/2] Simple test 2" in trailers


def _b4_person_trailers(ref) -> list[tuple[str, str]]:
    import mailbox
    import re
    from email.utils import parseaddr

    (msg,) = list(mailbox.mbox(ref))
    body = msg.get_payload(decode=True).decode().split("\n---\n")[0]
    out = []
    for line in body.splitlines():
        m = re.match(r"^([A-Za-z-]+-by): (.+)$", line)
        if m and "test-override@" not in line:
            out.append((m.group(1), parseaddr(m.group(2))[1]))
    return sorted(out)


def _trailers_json(*args) -> dict:
    result = runner.invoke(app, ["trailers", *args, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_trailers_ignore_from_on_the_command_line_and_in_the_config_matches_b4(corpus, own_home):
    """b4's custody case with trailers-ignore-from=followup-reviewer1@example.com
    (trailers-followup-custody-ref-with-ignored.txt)."""
    samples = corpus / "b4/samples"
    mbox = str(samples / "trailers-followup-custody.mbox")
    expected = _b4_person_trailers(samples / "trailers-followup-custody-ref-with-ignored.txt")

    def persons(out):
        (patch,) = out["patches"]
        return sorted((t["name"], t["email"]) for t in patch["trailers"] if "test-override@" not in t["email"])

    assert persons(_trailers_json(mbox, "--ignore-from", "followup-reviewer1@example.com")) == expected
    assert ("Reviewed-by", "followup-reviewer1@example.com") in persons(_trailers_json(mbox))
    config = own_home / ".config" / "reviewbot" / "reviewbot.toml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('trailers-ignore-from = "Followup-Reviewer1@example.com, ci@example.org"\n')
    assert persons(_trailers_json(mbox)) == expected


def test_follow_up_link_and_closes_trailers_are_kept_as_b4_does(corpus):
    """trailers-thread-with-cover-followup.verify: patch 4/4 gains the follow-up's Tested-by, Link: and
    Closes:, in that order; the other patches gain neither."""
    out = _trailers_json(str(corpus / "b4/samples/trailers-thread-with-cover-followup.mbox"))
    by_index = {p["index"]: p for p in out["patches"]}
    gained = [(t["name"], t["person"]) for t in by_index[4]["other_trailers"] if t["from_reply"]]
    assert gained == [("Link", "https://example.org"), ("Closes", "https://example.org/bug/1234")]
    assert all(not t["from_reply"] for i in (1, 2, 3) for t in by_index[i].get("other_trailers", []))
