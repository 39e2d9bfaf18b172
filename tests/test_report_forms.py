"""The five output forms of a review, on the bundled series: golden text and markdown, JSON and SARIF
validated against their schemas, reply mails that parse back and thread under the patch."""
from __future__ import annotations

import email
import json
import mailbox
import os
import subprocess
import sys
from email import policy
from importlib import resources

import jsonschema
import pytest

from reviewbot.pipeline import ReviewOptions, review_input
from reviewbot.registry import entries
from reviewbot.report import email_reply, json_report, markdown, output, sarif, text
from tests.conftest import FIXTURES, REPO

SERIES = FIXTURES / "series/insert-pfn-mkwrite"
MINI = FIXTURES / "trees/mini-linux"
GOLDEN = REPO / "tests/golden"


@pytest.fixture(scope="module")
def reviews():
    # relative paths, as in the README's command, so the golden files do not depend on the checkout
    here = os.getcwd()
    os.chdir(REPO)
    try:
        return review_input("fixtures/series/insert-pfn-mkwrite", "fixtures/trees/mini-linux",
                            ReviewOptions(use_cache=False))
    finally:
        os.chdir(here)


def _schema(name: str) -> dict:
    return json.loads(resources.files("reviewbot.report").joinpath("schemas", name).read_text())


def _golden(name: str, got: str, update: bool) -> str:
    """The golden file's text; with --update-golden (REVIEWBOT_UPDATE_GOLDEN=1) it becomes ``got`` first."""
    if update:
        (GOLDEN / name).write_text(got, encoding="utf-8")
    return (GOLDEN / name).read_text(encoding="utf-8")


def test_text_matches_golden_without_colour(reviews, update_golden):
    got = text.render(reviews, color=False)
    assert got == _golden("insert-pfn-mkwrite.txt", got, update_golden)


def test_text_is_coloured_only_when_asked(reviews):
    assert "\x1b[" in text.render(reviews, color=True)


def test_markdown_matches_golden(reviews, update_golden):
    got = markdown.render(reviews)
    assert got == _golden("insert-pfn-mkwrite.md", got, update_golden)


def test_json_validates_against_the_documented_schema(reviews):
    data = json.loads(json_report.render(reviews))
    jsonschema.Draft202012Validator(_schema("review-v1.schema.json")).validate(data)
    assert data["schema"] == "reviewbot/review/v1"
    assert [(f["file"], f["line"], f["rule"]) for f in data["findings"]] == [
        ("drivers/dax/device.c", 133, "RB-API-CALLER"), ("fs/cramfs/inode.c", 425, "RB-API-CALLER"),
        ("mm/memory.c", 458, "RB0001")]


def test_sarif_validates_against_the_official_schema(reviews):
    data = json.loads(sarif.render(reviews, entries()))
    jsonschema.Draft4Validator(_schema("sarif-schema-2.1.0.json")).validate(data)
    run = data["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["RB-API-CALLER", "RB0001"]
    assert "## Use instead" in run["tool"]["driver"]["rules"][1]["help"]["markdown"]
    first = run["results"][0]
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 133}


def test_reply_mail_threads_under_the_patch_and_quotes_only_the_hunk(reviews, tmp_path):
    (reply,) = email_reply.build_replies(reviews[0])
    path = tmp_path / "replies.mbox"
    output.write_replies([reply], output.check_target(str(path), maildir_ok=True))
    (parsed,) = list(mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(f,
                                                                                            policy=policy.default)))
    patch = reviews[0].series.patches[0]
    assert parsed["In-Reply-To"] == f"<{patch.message.msgid}>"
    assert parsed["References"].split()[-1] == f"<{patch.message.msgid}>"
    assert parsed["Subject"] == "Re: [PATCH v2 1/2] mm: add a mkwrite parameter to vmf_insert_mixed()"
    assert parsed["To"] == "Ross Zwisler <ross.zwisler@linux.intel.com>"
    assert "Jan Kara <jack@suse.cz>" in parsed["Cc"]
    body = parsed.get_content()
    lines = body.split("\n")
    at = lines.index("> +\tBUG_ON(mkwrite && !(vma->vm_flags & VM_WRITE));")
    assert lines[at + 1] == "" and lines[at + 2].startswith("[reviewbot RB0001, warning] BUG_ON() added")
    assert "include/linux/mm.h" not in body and "fs/dax.c" not in body  # hunks without findings are trimmed
    assert "drivers/dax/device.c:133:" in body  # call sites outside the patch are listed after it
    assert "Reviewed-by" not in body and "Acked-by" not in body


def test_email_form_from_the_command_line_writes_a_maildir(tmp_path):
    out = tmp_path / "outbox"
    out.mkdir()
    proc = subprocess.run([sys.executable, "-m", "reviewbot", "review", str(SERIES), "--tree", str(MINI),
                           "--format", "email", "-o", str(out), "--no-cache"], capture_output=True, text=True,
                          env=dict(os.environ, NO_COLOR="1"), timeout=120)
    assert proc.returncode == 1, proc.stderr
    assert len(list(mailbox.Maildir(str(out)))) == 1
    assert "1 reply written" in proc.stderr


def test_reply_puts_a_remark_under_its_hunk_when_the_patch_applied_at_an_offset(tmp_path):
    """The author's tree had 13 lines fewer above vmf_insert_mixed_prot(): the hunk says 440, the
    tree has it at 453. The BUG_ON remark still goes under the quoted line, not to "Elsewhere"."""
    import shutil

    series = tmp_path / "series"
    shutil.copytree(SERIES, series)
    first = next(series.glob("v2-0001-*.patch"))
    text_ = first.read_text()
    assert "@@ -453,9 +453,10 @@" in text_
    first.write_text(text_.replace("@@ -453,9 +453,10 @@", "@@ -440,9 +440,10 @@"))
    (review, *_) = review_input(str(series), str(MINI), ReviewOptions(use_cache=False))
    assert review.line_shifts[(1, "mm/memory.c")][-1] == 13
    (reply,) = email_reply.build_replies(review)
    body = reply.get_content()
    lines = body.split("\n")
    at = lines.index("> +\tBUG_ON(mkwrite && !(vma->vm_flags & VM_WRITE));")
    assert lines[at + 2].startswith("[reviewbot RB0001, warning] BUG_ON() added")
    assert "@@ -440,9 +440,10 @@" in body
    elsewhere = body.split("Elsewhere in the tree")[-1] if "Elsewhere in the tree" in body else ""
    assert "RB0001" not in elsewhere


def test_sarif_artifact_uris_are_percent_encoded():
    from reviewbot.model import Finding, Review, Series, Severity

    paths = ["drivers/media/usb/em28xx/em28xx cards.c", "fs/déjà#1?.c", "mm/100%.c", "(commit message)",
             "fs/\udcff.c"]
    review = Review(series=Series(subject="x"), findings=[
        Finding(p, 3, "RB0001", Severity.WARNING, "BUG_ON() added", patch=1) for p in paths])
    data = json.loads(sarif.render([review], entries()))
    jsonschema.Draft4Validator(_schema("sarif-schema-2.1.0.json")).validate(data)
    uris = [r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in data["runs"][0]["results"]]
    assert uris == ["drivers/media/usb/em28xx/em28xx%20cards.c", "fs/d%C3%A9j%C3%A0%231%3F.c", "mm/100%25.c",
                    "%28commit%20message%29", "fs/%FF.c"]
