"""Allocation context: what a function holds at a line (the fixtures' findings are in
tests/test_check_fixtures.py)."""
from __future__ import annotations

import pytest

from reviewbot.c.apply import apply_series
from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import extract
from reviewbot.c.tree import GitTree
from reviewbot.checks.alloc_context import check_step, held_at, removals
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES, LINUX

MINI = FIXTURES / "trees/mini-linux"
CASES = FIXTURES / "checks/alloc-context"


def test_release_ends_the_context():
    src = (MINI / "fs/ext4/file.c").read_bytes()
    facts = extract(src, "fs/ext4/file.c")
    calls = [c for c in facts.calls if c.caller == "ext4_dax_huge_fault"]
    end = max(c.line for c in calls) + 1
    assert held_at(calls, end) == []  # every lock and handle of the function is released by its end
    # the scan is linear: the error path's release of freeze protection above counts
    assert [(h.what.split(" (")[0], h.line) for h in held_at(calls, 46)] == [("a journal handle", 36),
                                                                             ("a filesystem lock", 44)]


def test_removals_read_from_the_line_diff():
    before = b"f()\n{\n\tp = kmalloc(n, GFP_NOFS);\n\tn++;\n\tgfp &= ~__GFP_FS;\n\tn++;\n" \
             b"\tflags = memalloc_nofs_save();\n}\n"
    after = b"f()\n{\n\tp = kmalloc(n, GFP_KERNEL);\n\tn++;\n\tn++;\n\tflags = 0;\n}\n"
    assert [(r.line, r.what) for r in removals(before, after)] == [
        (3, "replaces GFP_NOFS by GFP_KERNEL"), (5, "drops ~__GFP_FS from the allocation mask"),
        (6, "drops its memalloc_nofs_save() section")]
    # masking __GFP_FS out is not or-ing it in; a comment naming GFP_NOFS is not code
    assert removals(b"a;\n/* GFP_NOFS */\n", b"a;\n\tgfp &= ~(__GFP_FS | __GFP_IO);\n/* GFP_KERNEL */\n") == []


def test_whole_linux_tree_chain_says_how_many_callers_hold_the_lock():
    linux = LINUX
    if not (linux / ".git").exists():
        pytest.skip("the Linux 6.1 tree is not set up (bench/linux_tree.py)")
    (group,) = load_mail(CASES / "gfp-fs-under-fault-handler-locks.patch").groups
    tree = GitTree(str(linux), "base")
    try:
        (step,) = apply_series(tree, group.newest.patches)
        assert step.applied
        (finding,) = check_step(step, FactsCache())
    finally:
        tree.close()
    # 6.1: four of the six caller chains above dax_iomap_fault() take a filesystem lock (ext2's is
    # named); erofs (read-only) takes none, so "all callers" is not said
    assert finding.message.startswith("dax_iomap_pmd_fault() ors __GFP_FS into the allocation mask, but it is "
                                      "called with a filesystem lock held: dax_iomap_pmd_fault() <- dax_iomap_fault()")
    assert "(4 of 6 known caller chains)" in finding.message


def _linux_step(path: str, old: str, new: str):
    """One patch on the whole 6.1 tree replacing the line ``old`` of ``path`` by ``new``."""
    import difflib

    from reviewbot.model import Patch

    linux = LINUX
    if not (linux / ".git").exists():
        pytest.skip("the Linux 6.1 tree is not set up (bench/linux_tree.py)")
    tree = GitTree(str(linux), "base")
    text = tree.read(path).decode()
    assert text.count(old) == 1
    diff = "".join(difflib.unified_diff(text.splitlines(True), text.replace(old, new).splitlines(True),
                                       f"a/{path}", f"b/{path}"))
    patch = Patch(1, 1, "use GFP_KERNEL", "A U Thor <author@example.org>", "Signed-off-by: A U Thor "
                  "<author@example.org>\n", f"diff --git a/{path} b/{path}\n{diff}")
    (step,) = apply_series(tree, [patch])
    assert step.applied
    return tree, step


def test_gfp_nofs_to_kernel_in_a_btrfs_transaction_parameter():
    tree, step = _linux_step("fs/btrfs/delayed-ref.c",
                             "\tref = kmem_cache_alloc(btrfs_delayed_tree_ref_cachep, GFP_NOFS);\n",
                             "\tref = kmem_cache_alloc(btrfs_delayed_tree_ref_cachep, GFP_KERNEL);\n")
    try:
        (finding,) = check_step(step, FactsCache())
    finally:
        tree.close()
    assert (finding.file, finding.line) == ("fs/btrfs/delayed-ref.c", 926)
    assert finding.message == (
        "btrfs_add_delayed_tree_ref() replaces GFP_NOFS by GFP_KERNEL, but it holds a btrfs transaction "
        "(struct btrfs_trans_handle *trans), a parameter of btrfs_add_delayed_tree_ref(): reclaim may recurse "
        "into the filesystem and deadlock")


def test_gfp_nofs_to_kernel_under_a_jbd2_handle_is_safe():
    """ext4_xattr_block_set(handle_t *handle, ...): jbd2's start_this_handle() opened a memalloc_nofs
    scope, so GFP_KERNEL there is GFP_NOFS already (what xfs relies on for its transactions too)."""
    tree, step = _linux_step("fs/ext4/xattr.c",
                             "\t\ts->base = kmemdup(BHDR(bs->bh), bs->bh->b_size, GFP_NOFS);\n",
                             "\t\ts->base = kmemdup(BHDR(bs->bh), bs->bh->b_size, GFP_KERNEL);\n")
    try:
        assert check_step(step, FactsCache()) == []
    finally:
        tree.close()
