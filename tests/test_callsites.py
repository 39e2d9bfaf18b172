"""Tree-wide call-site verification and bisectability, on the bundled series and tree."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reviewbot.pipeline import ReviewOptions, review_input
from tests.conftest import FIXTURES, LINUX

SERIES = FIXTURES / "series/insert-pfn-mkwrite"
MINI = FIXTURES / "trees/mini-linux"
NO_CACHE = ReviewOptions(use_cache=False)


def _findings(reviews):
    return [(f.patch, f.file, f.line, f.rule) for r in reviews for f in r.findings]


def test_missed_callers_are_found_and_the_repairing_patch_named():
    (review,) = review_input(str(SERIES), str(MINI), NO_CACHE)
    assert review.base_source == "directory"
    assert _findings([review]) == [
        (1, "drivers/dax/device.c", 133, "RB-API-CALLER"),
        (1, "fs/cramfs/inode.c", 425, "RB-API-CALLER"),
        (1, "mm/memory.c", 458, "RB0001"),  # the BUG_ON() patch 1 adds
    ]
    device, cramfs, _ = review.findings
    assert "patch 2 repairs it" in device.message and "does not build at patch 1" in device.message
    assert "with 3 arguments; after patch 1 it takes 4" in cramfs.message
    assert "not updated anywhere in the series" in cramfs.message


def test_series_that_updates_every_caller_is_clean(tmp_path):
    """The same API change with cramfs updated too, squashed into one patch: nothing to say."""
    patches = sorted(SERIES.glob("v2-000[12]-*.patch"))
    one = patches[0].read_text()
    extra = (patches[1].read_text().split("\ndiff --git", 1)[1].split("\n-- \n", 1)[0])
    cramfs = ("diff --git a/fs/cramfs/inode.c b/fs/cramfs/inode.c\n--- a/fs/cramfs/inode.c\n+++ b/fs/cramfs/inode.c\n"
              "@@ -422,7 +422,7 @@ static int cramfs_physmem_mmap(struct file *file, struct vm_area_struct *vma)\n"
              " \t\tfor (i = 0; i < pages && !ret; i++) {\n \t\t\tvm_fault_t vmf;\n"
              " \t\t\tunsigned long off = i * PAGE_SIZE;\n"
              " \t\t\tpfn_t pfn = phys_to_pfn_t(address + off, PFN_DEV);\n"
              "-\t\t\tvmf = vmf_insert_mixed(vma, vma->vm_start + off, pfn);\n"
              "+\t\t\tvmf = vmf_insert_mixed(vma, vma->vm_start + off, pfn, false);\n"
              " \t\t\tif (vmf & VM_FAULT_ERROR)\n \t\t\t\tret = vm_fault_to_errno(vmf, 0);\n \t\t}\n")
    head, sep, tail = one.partition("\n-- \n")
    (tmp_path / "0001.patch").write_text(head + "\ndiff --git" + extra + "\n" + cramfs + sep + tail)
    (review,) = review_input(str(tmp_path / "0001.patch"), str(MINI), NO_CACHE)
    assert review.skipped == []
    assert [f for f in _findings([review]) if f[3] != "RB0001"] == []


@pytest.fixture
def git_tree(tmp_path):
    repo = tmp_path / "linux"
    subprocess.run(["cp", "-r", str(MINI), str(repo)], check=True)
    for args in (["init", "-q", "-b", "master"], ["add", "."], ["commit", "-qm", "v6.1 excerpt"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    return repo


def test_git_tree_base_found_from_blob_ids(git_tree):
    (review,) = review_input(str(SERIES), str(git_tree), NO_CACHE)
    assert review.base_source in ("blob match (HEAD)", "HEAD (base-commit not in this tree)")
    assert [f.file for f in review.findings if f.rule == "RB-API-CALLER"] == ["drivers/dax/device.c",
                                                                              "fs/cramfs/inode.c"]


def test_git_range_is_reviewed_like_mail(git_tree):
    for patch in sorted(SERIES.glob("v2-000[12]-*.patch")):
        subprocess.run(["git", "-C", str(git_tree), "am", "-q", str(patch)], check=True, capture_output=True)
    (review,) = review_input("HEAD~2..HEAD", str(git_tree), NO_CACHE)
    assert review.base_source == "start of the range"
    assert _findings([review]) == [(1, "drivers/dax/device.c", 133, "RB-API-CALLER"),
                                   (1, "fs/cramfs/inode.c", 425, "RB-API-CALLER"),
                                   (1, "mm/memory.c", 458, "RB0001")]


def test_patch_that_does_not_apply_is_reported(tmp_path):
    text = sorted(SERIES.glob("v2-0002-*.patch"))[0].read_text()
    (tmp_path / "only-2.patch").write_text(text.replace("return vmf_insert_mixed(vmf->vma, vmf->address, pfn);",
                                                        "return vmf_insert_pfn(vmf->vma, vmf->address, pfn);"))
    (review,) = review_input(str(tmp_path / "only-2.patch"), str(MINI), NO_CACHE)
    assert [(f.rule, f.file) for f in review.findings] == [("RB-APPLY", "drivers/dax/device.c")]
    assert review.skipped[0].reason == "does not apply: not analysed"


@pytest.mark.skipif(not (LINUX / ".git").is_dir(), reason="Linux 6.1 tree not set up (bench/linux_tree.py)")
def test_whole_linux_tree_finds_every_missed_caller():
    """On all of Linux 6.1, patch 1 leaves the 3-argument callers outside fs/dax.c behind."""
    (review,) = review_input(str(SERIES), str(LINUX), ReviewOptions(base="base", use_cache=False))
    broken = sorted((f.file, f.line) for f in review.findings if f.rule == "RB-API-CALLER")
    assert broken == [("drivers/dax/device.c", 133), ("drivers/gpu/drm/gma500/framebuffer.c", 60),
                      ("drivers/gpu/drm/omapdrm/omap_gem.c", 367), ("drivers/gpu/drm/omapdrm/omap_gem.c", 463),
                      ("fs/cramfs/inode.c", 425)]


def test_fixes_tags_are_not_judged_unknown_in_a_tree_without_history(git_tree, tmp_path):
    """An imported tarball has one commit: a Fixes: sha missing from it says nothing (noise on Debian's
    patches before this rule checked for history)."""
    text = (FIXTURES / "RB0102/ok.patch").read_text()
    (tmp_path / "fix.patch").write_text(text)
    (review,) = review_input(str(tmp_path / "fix.patch"), str(git_tree), NO_CACHE)
    assert [f for f in review.findings if f.rule == "RB0102"] == []


def test_every_caller_converted_later_in_the_series_is_a_bisect_break_with_its_repair():
    (review,) = review_input(str(FIXTURES / "series/insert-pfn-mkwrite-v3"), str(MINI), NO_CACHE)
    repairs = {f.file: f.message.rsplit("; ", 1)[-1] for f in review.findings if f.rule == "RB-API-CALLER"}
    assert repairs == {"drivers/dax/device.c": "patch 2 repairs it", "fs/cramfs/inode.c": "patch 3 repairs it"}


def _commit(repo: Path, message: str) -> None:
    """A signed-off commit by the tests' own identity (conftest)."""
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-q", "-s", "-m", message], check=True)


def test_git_mv_of_a_file_removes_none_of_its_functions(git_tree, tmp_path):
    """Issue 11: `git mv fs/dax.c fs/dax_core.c` gave 8 'removed' errors for the statics it moved."""
    (git_tree / "fs/dax.c").rename(git_tree / "fs/dax_core.c")
    _commit(git_tree, "fs: rename dax.c to dax_core.c")
    (review,) = review_input("HEAD~1..HEAD", str(git_tree), NO_CACHE)
    assert [f for f in review.findings if f.rule.startswith("RB-API")] == []


def test_rename_with_edits_moves_its_functions(git_tree, tmp_path):
    text = (git_tree / "fs/dax.c").read_text()
    (git_tree / "fs/dax.c").unlink()
    (git_tree / "fs/dax_core.c").write_text(text.replace("\treturn vmf_insert_mixed(vmf->vma, vmf->address, pfn);",
                                                         "\treturn vmf_insert_mixed(vmf->vma, vmf->address,\n"
                                                         "\t\t\t\tpfn);"))
    _commit(git_tree, "fs: rename dax.c, wrap a line")
    (review,) = review_input("HEAD~1..HEAD", str(git_tree), NO_CACHE)
    assert [f for f in review.findings if f.rule.startswith("RB-API")] == []


def test_a_copy_leaves_its_source_in_place(git_tree, tmp_path):
    """`copy from`/`copy to` is not a rename: the source file stays, with every function in it."""
    (git_tree / "fs/dax_iomap.c").write_text((git_tree / "fs/dax.c").read_text())
    _commit(git_tree, "fs: copy dax.c")
    proc = subprocess.run(["git", "-C", str(git_tree), "format-patch", "-C", "-C", "--find-copies-harder", "--stdout",
                           "HEAD~1"], capture_output=True, text=True, check=True)
    assert "copy from fs/dax.c" in proc.stdout
    (tmp_path / "copy.patch").write_text(proc.stdout)
    from reviewbot.c.apply import apply_patch
    from reviewbot.c.tree import GitTree

    changes, failed = apply_patch(GitTree(git_tree, "HEAD~1"), proc.stdout.split("\n---\n", 1)[1])
    assert failed == [] and sorted(changes) == ["fs/dax_iomap.c"]
    (review,) = review_input(str(tmp_path / "copy.patch"), str(git_tree), ReviewOptions(base="HEAD~1",
                                                                                       use_cache=False))
    assert [f for f in review.findings if f.rule.startswith("RB-API")] == []


@pytest.mark.skipif(not (LINUX / ".git").is_dir(), reason="Linux 6.1 tree not set up (bench/linux_tree.py)")
def test_callers_finds_the_nine_uses_of_ext2_get_block_as_a_value_that_git_grep_finds():
    from reviewbot.c.cache import FactsCache
    from reviewbot.c.callers import callers_report
    from reviewbot.c.tree import GitTree

    tree = GitTree(LINUX, "base")
    report = callers_report("ext2_get_block", tree, FactsCache(enabled=False))
    tree.close()
    assert sorted((v["file"], v["line"], v["callee"], v["arg"]) for v in report["values"]) == [
        ("fs/ext2/dir.c", 460, "__block_write_begin", 4), ("fs/ext2/inode.c", 884, "block_write_full_page", 2),
        ("fs/ext2/inode.c", 889, "mpage_read_folio", 2), ("fs/ext2/inode.c", 894, "mpage_readahead", 2),
        ("fs/ext2/inode.c", 903, "block_write_begin", 5), ("fs/ext2/inode.c", 923, "generic_block_bmap", 3),
        ("fs/ext2/inode.c", 936, "blockdev_direct_IO", 4), ("fs/ext2/inode.c", 945, "mpage_writepages", 3),
        ("fs/ext2/inode.c", 1282, "block_truncate_page", 3)]
    assert [(c["file"], c["line"]) for c in report["calls"]] == [("fs/ext2/super.c", 1508), ("fs/ext2/super.c", 1546)]


def test_a_function_moved_with_its_declaration_breaks_a_caller_that_does_not_include_the_new_header(tmp_path):
    """btrfs-progs 3c555beabfaa moved btrfs_make_root_dir() from mkfs/common.[ch] to
    common/root-tree-utils.[ch] and added the #include to each caller: a caller left out still passes
    the right arguments, but sees no declaration any more (gcc: implicit declaration)."""
    repo = tmp_path / "progs"
    files = {
        "mkfs/common.h": "int btrfs_make_root_dir(struct btrfs_trans_handle *trans, struct btrfs_root *root,\n"
                         "\t\t\tu64 objectid);\nint make_btrfs(int fd);\n",
        "mkfs/common.c": '#include "mkfs/common.h"\n\nint btrfs_make_root_dir(struct btrfs_trans_handle *trans,\n'
                         "\t\t\tstruct btrfs_root *root, u64 objectid)\n{\n\treturn 0;\n}\n\n"
                         "int make_btrfs(int fd)\n{\n\treturn fd;\n}\n",
        "mkfs/main.c": '#include <stdio.h>\n#include "mkfs/common.h"\n\nint mkfs_main(void)\n{\n'
                       "\treturn btrfs_make_root_dir(NULL, NULL, 256);\n}\n",
        "convert/main.c": '#include <stdio.h>\n#include "mkfs/common.h"\n\nstatic int convert_subvol(void)\n{\n'
                          "\treturn btrfs_make_root_dir(NULL, NULL, 256);\n}\n",
    }
    for name, text in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(text)
    for args in (["init", "-q", "-b", "master"], ["add", "."], ["commit", "-qm", "base"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)
    (repo / "mkfs/common.h").write_text("int make_btrfs(int fd);\n")
    (repo / "mkfs/common.c").write_text('#include "mkfs/common.h"\n\nint make_btrfs(int fd)\n{\n\treturn fd;\n}\n')
    (repo / "common").mkdir()
    (repo / "common/root-tree-utils.h").write_text(files["mkfs/common.h"].split("int make_btrfs")[0])
    (repo / "common/root-tree-utils.c").write_text(
        '#include "common/root-tree-utils.h"\n\n' + files["mkfs/common.c"].split("\n\n")[1] + "\n")
    (repo / "mkfs/main.c").write_text(files["mkfs/main.c"].replace('#include "mkfs/common.h"',
                                                                   '#include "common/root-tree-utils.h"'))
    _commit(repo, "btrfs-progs: move btrfs_make_root_dir() to common/root-tree-utils.c")
    (review,) = review_input("HEAD~1..HEAD", str(repo), NO_CACHE)
    got = [(f.rule, f.file, f.line) for f in review.findings if f.rule.startswith("RB-API")]
    assert got == [("RB-API-CALLER", "convert/main.c", 6)], [f.message for f in review.findings]
    assert "includes no header that declares it" in review.findings[0].message
