"""Diff parsing, touched files and git's stable patch-id on real kernel patches."""
from __future__ import annotations

import shutil
import subprocess

import pytest

from reviewbot.diffparse import parse_diff, patch_id, touched_files
from reviewbot.errors import InputError
from reviewbot.ingest.mailinfo import split_patch_body
from reviewbot.ingest.mailread import read_messages

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")


@needs_git
def test_patch_id_equals_git_patch_id_stable_on_real_patches(corpus):
    files = sorted((corpus / "debian-linux-patches").rglob("*.patch")) + sorted(
        (corpus / "git-format-patch/t4013").iterdir())
    compared = 0
    for path in files:
        for msg in read_messages(path).messages:
            diff = split_patch_body(msg.body).diff
            if not diff.strip():
                continue
            out = subprocess.run(["git", "patch-id", "--stable"], input=diff.encode(), capture_output=True).stdout
            if not out:
                continue  # a plain (non-git) diff: git computes no id
            assert patch_id(diff) == out.decode().split()[0], path.name
            compared += 1
    assert compared > 100


def test_patch_id_ignores_line_numbers_and_whitespace():
    a = ("diff --git a/mm/memory.c b/mm/memory.c\nindex 1111111..2222222 100644\n--- a/mm/memory.c\n"
         "+++ b/mm/memory.c\n@@ -1590,7 +1590,7 @@ static int insert_pfn(struct vm_area_struct *vma,\n"
         " \tif (!pte)\n-\t\tgoto out;\n+\t\treturn -ENOMEM;\n")
    b = a.replace("@@ -1590,7 +1590,7 @@", "@@ -1602,7 +1602,7 @@").replace("\t\treturn", "    return")
    assert patch_id(a) == patch_id(b)
    assert patch_id(a) != patch_id(a.replace("-ENOMEM", "-EINVAL"))


def test_touched_files_for_renames_and_deletions(corpus):
    rename = (corpus / "git-apply-stat/t4100/t-apply-1.patch").read_text()
    # git apply --stat names the post-image paths of renames (t-apply-1.expect)
    assert touched_files(parse_diff(rename)) == [
        "Documentation/git-ssh-pull.txt", "Documentation/git-ssh-push.txt", "Documentation/git.txt", "Makefile",
        "ssh-pull.c", "ssh-push.c"]
    deletion = ("diff --git a/mm/old.c b/mm/old.c\ndeleted file mode 100644\nindex 1111111..0000000\n"
                "--- a/mm/old.c\n+++ /dev/null\n@@ -1 +0,0 @@\n-int x;\n")
    assert touched_files(parse_diff(deletion)) == ["mm/old.c"]


def test_unparseable_diff_is_an_input_error():
    with pytest.raises(InputError, match="cannot parse diff"):
        parse_diff("--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n-a\n")
