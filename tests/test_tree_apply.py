"""Read-only trees and in-memory application of kernel patches."""
from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest

from reviewbot.c.apply import apply_patch, apply_series
from reviewbot.c.tree import DirTree, GitTree, OverlayTree, open_tree, safe_relpath
from reviewbot.errors import UnsafePathError
from reviewbot.model import Patch
from tests.conftest import FIXTURES, LINUX

MINI = FIXTURES / "trees/mini-linux"

DAX_PATCH = (FIXTURES / "apply/device-dax-insert-mixed.patch").read_text()


@pytest.mark.parametrize("path", ["/etc/passwd", "../x.c", "mm/../../x.c", "a\x00b", "", ".git/config", "~/x"])
def test_unsafe_paths_are_rejected(path):
    with pytest.raises(UnsafePathError):
        safe_relpath(path)


def test_hunk_applies_at_its_line_and_with_an_offset():
    tree = DirTree(MINI)
    changes, failed = apply_patch(tree, DAX_PATCH)
    assert failed == []
    after = changes["drivers/dax/device.c"].after.decode()
    assert "return vmf_insert_mixed(vmf->vma, vmf->address, pfn, false);" in after
    shifted = DAX_PATCH.replace("@@ -130,7 +130,7 @@", "@@ -118,7 +118,7 @@")
    changes, failed = apply_patch(tree, shifted)
    assert failed == [] and changes["drivers/dax/device.c"].offsets == [12]


def test_hunk_that_does_not_match_is_reported_with_its_header():
    broken = DAX_PATCH.replace("-\treturn vmf_insert_mixed(vmf->vma, vmf->address, pfn);",
                               "-\treturn vmf_insert_pfn(vmf->vma, vmf->address, pfn);")
    changes, failed = apply_patch(DirTree(MINI), broken)
    assert changes == {}
    assert [(f.path, f.hunk) for f in failed] == [("drivers/dax/device.c", "@@ -130,7 +130,7 @@")]


def test_new_deleted_and_escaping_files():
    diff = ("diff --git a/mm/new.c b/mm/new.c\nnew file mode 100644\n--- /dev/null\n+++ b/mm/new.c\n@@ -0,0 +1,2 @@\n"
            "+// SPDX-License-Identifier: GPL-2.0\n+int x;\n"
            "diff --git a/include/linux/mm.h b/include/linux/mm.h\ndeleted file mode 100644\n--- a/include/linux/mm.h\n"
            "+++ /dev/null\n@@ -1,1 +0,0 @@\n-/* SPDX-License-Identifier: GPL-2.0 */\n")
    changes, failed = apply_patch(DirTree(MINI), diff)
    assert failed == []
    assert changes["mm/new.c"].before is None and changes["mm/new.c"].after.endswith(b"int x;\n")
    assert changes["include/linux/mm.h"].after is None
    evil = "--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@ -1 +1 @@\n-root\n+evil\n"
    changes, failed = apply_patch(DirTree(MINI), evil)
    assert changes == {} and "leaves the tree" in failed[0].reason


def test_quilt_style_paths_lose_their_first_component_like_git_apply():
    """Debian's af9005 patch names "debian-kernel.orig/drivers/..." and "debian-kernel/drivers/...";
    git apply (-p1) drops the first component whatever it is, and so does reviewbot when the
    paths as written are not in the tree - for every file of the patch, new ones included."""
    quilt = (DAX_PATCH.replace("a/drivers/dax/device.c", "linux-6.1.orig/drivers/dax/device.c")
             .replace("b/drivers/dax/device.c", "linux-6.1/drivers/dax/device.c"))
    quilt = "\n".join(line for line in quilt.split("\n") if not line.startswith(("diff --git", "index ")))
    quilt += ("--- /dev/null\n+++ linux-6.1/drivers/dax/new.c\n@@ -0,0 +1 @@\n+int x;\n")
    changes, failed = apply_patch(DirTree(MINI), quilt)
    assert failed == [] and sorted(changes) == ["drivers/dax/device.c", "drivers/dax/new.c"]
    # a tree that really has a top-level folder of that name keeps the paths as written
    plain = "--- /dev/null\n+++ mm/other.c\n@@ -0,0 +1 @@\n+int y;\n"
    changes, failed = apply_patch(DirTree(MINI), DAX_PATCH + plain)
    assert failed == [] and "mm/other.c" in changes


def test_series_continues_after_a_patch_that_fails():
    good = Patch(1, 3, "device-dax: pass false", "A <a@x>", "", diff_text=DAX_PATCH)
    bad = Patch(2, 3, "broken", "A <a@x>", "", diff_text=DAX_PATCH)  # already applied: context gone
    third = Patch(3, 3, "again", "A <a@x>", "", diff_text=DAX_PATCH.replace("pfn, false)", "pfn, true)")
                  .replace("-\treturn vmf_insert_mixed(vmf->vma, vmf->address, pfn);",
                           "-\treturn vmf_insert_mixed(vmf->vma, vmf->address, pfn, false);"))
    steps = apply_series(DirTree(MINI), [good, bad, third])
    assert [s.applied for s in steps] == [True, False, True]
    assert b"pfn, true);" in steps[2].tree_after.read("drivers/dax/device.c")


def test_overlay_grep_sees_changes_not_base():
    tree = OverlayTree(DirTree(MINI), {"fs/dax.c": b"int vmf_insert_mixed_x;\n",
                                       "mm/extra.c": b"vmf_insert_mixed();\n"})
    hits = tree.grep_word("vmf_insert_mixed")
    assert "fs/dax.c" not in hits and "mm/extra.c" in hits and "drivers/dax/device.c" in hits


def test_git_tree_reads_objects_without_touching_the_checkout(tmp_path):
    repo = tmp_path / "linux"
    (repo / "mm").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    (repo / "mm/memory.c").write_bytes((MINI / "mm/memory.c").read_bytes())
    subprocess.run(["git", "-C", str(repo), "add", "."], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", "base"], check=True)
    (repo / "mm/memory.c").write_text("uncommitted edits stay\n")
    tree = open_tree(repo)
    assert isinstance(tree, GitTree)
    assert tree.read("mm/memory.c") == (MINI / "mm/memory.c").read_bytes()
    assert tree.grep_word("vmf_insert_mixed") == ["mm/memory.c"]
    assert (repo / "mm/memory.c").read_text() == "uncommitted edits stay\n"


@pytest.mark.skipif(not (LINUX / ".git").is_dir(), reason="Linux 6.1 tree not set up (bench/linux_tree.py)")
def test_debian_kernel_patches_round_trip_on_linux_6_1(corpus):
    """Each Debian patch, reverse-applied by git onto 6.1, is applied forward in memory and must give
    back exactly the 6.1 files."""
    from reviewbot.diffparse import parse_diff
    from reviewbot.ingest.mailinfo import split_patch_body
    from reviewbot.ingest.mailread import read_messages

    base = GitTree(LINUX, "base")
    checked = 0
    for path in sorted((corpus / "debian-linux-patches").rglob("*.patch"))[:40]:
        diff = split_patch_body(read_messages(path).messages[0].body).diff
        if not diff:
            continue
        patchset = parse_diff(diff)
        with tempfile.TemporaryDirectory() as tmp:
            for pf in patchset:
                rel = pf.path
                data = base.read(rel)
                if data is not None:
                    os.makedirs(os.path.dirname(os.path.join(tmp, rel)), exist_ok=True)
                    Path(tmp, rel).write_bytes(data)
            reverse = subprocess.run(["git", "apply", "-R", "-"], input=diff.encode(), cwd=tmp, capture_output=True)
            if reverse.returncode:
                continue  # does not reverse-apply on 6.1: not a round trip candidate
            pre = {str(p.relative_to(tmp)): p.read_bytes() for p in Path(tmp).rglob("*") if p.is_file()}
        pre.update({pf.path: None for pf in patchset if pf.is_added_file})
        changes, failed = apply_patch(OverlayTree(base, pre), diff)
        assert failed == [], path.name
        assert all(c.after == base.read(p) for p, c in changes.items()), path.name
        checked += 1
    assert checked >= 20


def test_a_line_wrapped_by_the_mailer_names_its_patch_file_and_hunk_and_the_rest_is_reviewed(tmp_path):
    """One added line of patch 1 broken in two by a mailer: patch 1 gets an RB-APPLY finding at the
    hunk, patch 2 is still applied and analysed."""
    import shutil

    from reviewbot.pipeline import ReviewOptions, review_input

    series = tmp_path / "series"
    shutil.copytree(FIXTURES / "series/insert-pfn-mkwrite", series)
    first = next(series.glob("v2-0001-*.patch"))
    text = first.read_text()
    line = "+\tret = vmf_insert_mixed(vmf->vma, vaddr, pfn, false);"
    assert line in text
    first.write_text(text.replace(line, line[:40] + "\n" + line[40:], 1))
    (review,) = review_input(str(series), str(MINI), ReviewOptions(use_cache=False))
    apply = [f for f in review.findings if f.rule == "RB-APPLY"]
    assert [(f.patch, f.file, f.line) for f in apply] == [(1, "fs/dax.c", 59)]
    assert apply[0].message.startswith("patch 1 does not apply: @@ -59,7 +59,7 @@ line ")
    assert "wrapped by the mailer" in apply[0].message and "', pfn, false);'" in apply[0].message
    assert [s.what for s in review.skipped if "does not apply" in s.reason] == ["patch 1/2"]
    assert not [s for s in review.skipped if s.what == "patch 2/2"]
    # the commit-message rules need no diff: they run on patch 1 all the same; nothing is reported
    # as a crash or as not run
    assert not [s for s in review.skipped if "crashed" in s.reason or s.reason.startswith("not run")]
    signoff = "Signed-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n"
    first.write_text(first.read_text().replace(signoff, "", 1))
    (review,) = review_input(str(series), str(MINI), ReviewOptions(use_cache=False))
    assert [(f.rule, f.patch) for f in review.findings if f.file == "(commit message)"] == [("RB0101", 1)]


def test_a_word_search_with_a_limit_stops_there_and_a_whole_answer_is_kept(tmp_path):
    """grep_word(limit=N): at most N + 1 files (the caller gives up on words named more often, and git
    need not read the rest of a commit); a search that ran to the end is the whole answer, also for a
    later search without a limit. The same on a git revision, a directory and a patched tree."""
    import subprocess

    from reviewbot.c.tree import DirTree, GitTree, OverlayTree

    repo = tmp_path / "linux"
    for n in range(6):
        (repo / "drivers").mkdir(parents=True, exist_ok=True)
        (repo / f"drivers/d{n}.c").write_text(f"int d{n}(void)\n{{\n\treturn kern_path();\n}}\n")
    for args in (["init", "-q", "-b", "master"], ["add", "."], ["commit", "-qm", "six drivers"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(repo), "checkout", "-q", "--detach", "HEAD"], check=True)
    (repo / "drivers/d0.c").write_text("/* a checkout that no longer matches the commit */\n")
    for tree in (GitTree(repo, "master"), DirTree(repo)):
        everything = [f"drivers/d{n}.c" for n in range(6)] if isinstance(tree, GitTree) else \
            [f"drivers/d{n}.c" for n in range(1, 6)]
        assert tree.grep_word("kern_path", limit=2) == everything[:3]
        assert tree.grep_word("kern_path", limit=10) == everything
        assert tree.grep_word("kern_path") == everything
    patched = OverlayTree(GitTree(repo, "master"), {"drivers/d1.c": b"int d1;\n", "drivers/new.c": b"kern_path();\n"})
    assert patched.grep_word("kern_path", limit=2) == ["drivers/d0.c", "drivers/d2.c", "drivers/d3.c"]
    assert patched.grep_word("kern_path") == ["drivers/d0.c", "drivers/d2.c", "drivers/d3.c", "drivers/d4.c",
                                              "drivers/d5.c", "drivers/new.c"]


def _object_grep(repo, rev: str, word: str) -> list[str]:
    import subprocess

    out = subprocess.run(["git", "-C", str(repo), "grep", "-l", "-w", "-F", "-I", "-e", word, rev, "--", "*.c", "*.h"],
                         capture_output=True, text=True).stdout
    return sorted(line.split(":", 1)[1] for line in out.splitlines())


def test_a_word_search_of_another_revision_reads_the_checkout_and_the_blobs_that_differ(tmp_path):
    """A review at a base that is not checked out: the checkout is searched and corrected by the
    revision's own blobs where the two differ (changed, deleted, added, staged, untracked files, a
    binary): the same files as git grep on the revision, which inflates every blob."""
    import subprocess

    from reviewbot.c.tree import GitTree

    repo = tmp_path / "linux"
    (repo / "mm").mkdir(parents=True)

    def git(*args):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    for name in ("a", "b", "c", "d", "e"):
        (repo / f"mm/{name}.c").write_text(f"void {name}(void)\n{{\n\tvm_insert_page();\n}}\n")
    (repo / "mm/blob.c").write_bytes(b"vm_insert_page\0binary\n")
    git("init", "-q", "-b", "master")
    git("add", ".")
    git("commit", "-qm", "base")
    git("tag", "base")
    (repo / "mm/a.c").write_text("void a(void) { }\n")  # the call gone in the next commit
    (repo / "mm/f.c").write_text("void f(void) { vm_insert_page(); }\n")  # added
    git("rm", "-q", "mm/b.c")
    git("add", ".")
    git("commit", "-qm", "next")
    (repo / "mm/c.c").write_text("/* changed, not staged */\n")
    (repo / "mm/d.c").unlink()  # deleted, not staged
    (repo / "mm/g.c").write_text("void g(void) { vm_insert_page(); }\n")  # untracked
    (repo / "mm/e.c").write_text("void e(void) { }\n")
    git("add", "mm/e.c")  # staged
    tree = GitTree(repo, "base")
    assert tree._checkout_delta() == {"mm/a.c", "mm/b.c", "mm/c.c", "mm/d.c", "mm/e.c", "mm/f.c"}
    assert tree.grep_word("vm_insert_page") == _object_grep(repo, "base", "vm_insert_page") == [
        "mm/a.c", "mm/b.c", "mm/c.c", "mm/d.c", "mm/e.c"]
    assert GitTree(repo, "base").grep_word("vm_insert_page", limit=2) == ["mm/a.c", "mm/b.c", "mm/c.c"]
    assert GitTree(repo, "master").grep_word("vm_insert_page") == _object_grep(repo, "master", "vm_insert_page")
    # the delta is shared by the reviews of a run only while HEAD and the index stay as they were
    (repo / "mm/f.c").write_text("void f(void) { }\n")
    git("add", "mm/f.c")
    assert GitTree(repo, "master")._checkout_delta() == {"mm/c.c", "mm/d.c", "mm/e.c", "mm/f.c"}
    assert GitTree(repo, "master").grep_word("vm_insert_page") == _object_grep(repo, "master", "vm_insert_page")


@pytest.mark.skipif(not LINUX.is_dir(), reason="Linux 6.1 tree not set up (bench/linux_tree.py)")
def test_a_word_search_of_noise_base_on_the_linux_checkout_equals_git_grep_of_the_revision():
    """The checkout holds 6.1 (tag base); noise-base reverts Debian's patches: 130 commits apart."""
    import subprocess

    from reviewbot.c.tree import GitTree

    if subprocess.run(["git", "-C", str(LINUX), "rev-parse", "-q", "--verify", "noise-base"],
                      capture_output=True).returncode != 0:
        pytest.skip("noise-base not made (../shared/tools/make-noise-base.sh)")
    tree = GitTree(LINUX, "noise-base")
    assert tree._checkout_delta() is not None
    # net/ipv4/ah4.c and net/ipv6/ah6.c call it at base, not at noise-base (a Debian revert)
    found = tree.grep_word("crypto_ahash_alignmask")
    assert found == _object_grep(LINUX, "noise-base", "crypto_ahash_alignmask") != []
    assert "net/ipv4/ah4.c" not in found and "crypto/ahash.c" in found
