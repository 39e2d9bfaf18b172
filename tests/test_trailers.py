"""Trailer parsing and collection, against b4's own expected outputs."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from reviewbot.ingest.mailinfo import split_patch_body
from reviewbot.ingest.mailread import parse_message, read_messages
from reviewbot.ingest.trailers import parse_trailers, reply_trailers
from reviewbot.model import TrailerOrigin

B4 = "b4/samples"


def _commit_message(path) -> str:
    (msg,) = read_messages(path).messages
    return split_patch_body(msg.body).commit_message


def test_b4_simple_trailers(corpus):
    got = [(t.name, t.value, t.extinfo, bool(t.email)) for t in parse_trailers(_commit_message(
        corpus / B4 / "trailers-test-simple.txt"))]
    assert got == [
        ("Reported-by", '"Doe, Jane" <jane@example.com>', None, True),
        ("Reviewed-by", "Bogus Bupkes <bogus@example.com>", None, True),
        ("Fixes", "abcdef01234567890", None, False),
        ("Link", "https://msgid.link/some@msgid.here", None, False),
    ]


def test_b4_extinfo_and_wrapped_trailers(corpus):
    got = [(t.name, t.value, t.extinfo) for t in parse_trailers(_commit_message(
        corpus / B4 / "trailers-test-extinfo.txt"))]
    assert got == [
        ("Reported-by", "Some, One <somewhere@example.com>", None),
        ("Reviewed-by", "Bogus Bupkes <bogus@example.com>", "[for the parts that are bogus]"),
        ("Fixes", "abcdef01234567890", None),
        ("Tested-by", "Some Person <bogus2@example.com>", "           [this person visually indented theirs]"),
        ("Link", "https://msgid.link/some@msgid.here", "  # initial submission"),
        ("Signed-off-by", "Wrapped Persontrailer <broken@example.com>", None),
    ]


def _reply(body: str, sender: str = "Jan Kara <jack@suse.cz>") -> object:
    raw = (f"From: {sender}\nSubject: Re: [PATCH v4 0/5] dax: use common 4k zero page\n"
           f"Message-ID: <20170725094540.GA26243@quack2.suse.cz>\nIn-Reply-To: <cover@x>\n\n{body}").encode()
    return parse_message(raw)


def test_quoted_trailers_and_signature_never_count():
    body = ("On Fri 21-07-17 16:39:53, Ross Zwisler wrote:\n"
            "> Signed-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n"
            "\nThe patch looks good to me. You can add:\n\nReviewed-by: Jan Kara <jack@suse.cz>\n\n"
            "And I really like that we've got rid of these pagecache hole pages!\n\n\t\t\t\t\t\t\t\tHonza\n"
            "-- \nJan Kara <jack@suse.com>\nSUSE Labs, CR\nAcked-by: Not Jan <not@example.com>\n")
    got = reply_trailers(_reply(body), TrailerOrigin.COVER)
    assert [(t.name, t.person, t.origin, t.mismatch) for t in got] == [
        ("Reviewed-by", "Jan Kara <jack@suse.cz>", TrailerOrigin.COVER, None)]


def test_trailer_for_someone_else_is_kept_but_flagged():
    (t,) = reply_trailers(_reply("Tested-by: Someone Else <someone-else@example.com>\n",
                                 sender="Mismatched Reviewer <mismatched-reviewer1@example.net>"))
    assert t.person == "Someone Else <someone-else@example.com>"
    assert t.mismatch and "Mismatched Reviewer" in t.mismatch


def test_same_name_other_address_is_not_a_mismatch():
    (t,) = reply_trailers(_reply("Reviewed-by: Jan Kara <jack@suse.com>\n"))
    assert t.mismatch is None


def test_b4_followup_oracles_all_match(corpus):
    """The public check: reviewbot trailers --format json against b4's -ref- outputs, every case."""
    env = dict(os.environ, REVIEWBOT=f"{sys.executable} -m reviewbot")
    proc = subprocess.run([sys.executable, str(corpus.parent / "tools" / "check_b4.py"), str(corpus / B4)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "12/12 cases match" in proc.stdout


def test_trailers_json_shape(corpus):
    proc = subprocess.run([sys.executable, "-m", "reviewbot", "trailers", "--format", "json",
                           str(corpus / B4 / "trailers-followup-with-cover.mbox")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["series"]["subject"] == "Simple cover" and data["series"]["version"] == 2
    first, second = data["patches"]
    assert (first["index"], first["subject"]) == (1, "Simple test 1")
    assert [(t["name"], t["person"], t["from_reply"]) for t in second["trailers"]] == [
        ("Reviewed-by", "Original Reviewer <original-reviewer@example.com>", False),
        ("Signed-off-by", "Original Submitter <original-submitter@example.com>", False),
        ("Reviewed-by", "Followup Reviewer1 <followup-reviewer1@example.com>", True),
        ("Reviewed-by", "Coverletter Reviewer1 <followup-reviewer1@example.com>", True),
    ]
    assert second["trailers"][-1]["origin"] == "cover"


def test_restated_trailer_is_not_a_mismatch(corpus):
    from reviewbot.ingest.load import load_mail

    (group,) = load_mail(corpus / B4 / "trailers-followup-already-present.mbox").groups
    flagged = {t.name for p in group.newest.patches for t in p.trailers if t.mismatch}
    assert flagged == {"Tested-by"}
