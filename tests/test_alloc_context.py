"""Allocation context: sleeping allocations under a page-table lock, FS-recursing ones under FS locks."""
from __future__ import annotations

from reviewbot.c.apply import apply_series
from reviewbot.c.extract import extract
from reviewbot.c.tree import DirTree
from reviewbot.checks.alloc_context import check_step, held_at
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
CASES = FIXTURES / "checks/alloc-context"


def _findings(path):
    (group,) = load_mail(path).groups
    (step,) = apply_series(DirTree(MINI), group.newest.patches)
    assert step.applied
    return check_step(step)


def test_gfp_kernel_under_pte_lock_and_under_fs_locks():
    found = {(f.file, f.line, f.severity.value): f.message for f in _findings(CASES / "gfp-kernel-under-locks.patch")}
    assert set(found) == {("fs/ext4/file.c", 47, "warning"), ("mm/memory.c", 244, "error")}
    assert found[("mm/memory.c", 244, "error")] == (
        "GFP_KERNEL allocation under get_locked_pte(mm, addr, &ptl), taken at mm/memory.c:240: "
        "this may sleep in atomic context")
    assert "GFP_KERNEL allocation while holding" in found[("fs/ext4/file.c", 47, "warning")]


def test_gfp_nofs_and_gfp_atomic_in_the_same_places_are_fine():
    assert _findings(CASES / "ok-nofs-and-atomic.patch") == []


def test_release_ends_the_context():
    src = (MINI / "fs/ext4/file.c").read_bytes()
    facts = extract(src, "fs/ext4/file.c")
    calls = [c for c in facts.calls if c.caller == "ext4_dax_huge_fault"]
    end = max(c.line for c in calls) + 1
    assert held_at(calls, end) == []  # every lock and handle of the function is released by its end
    # the scan is linear: the error path's release of freeze protection above counts
    assert [(h.what.split(" (")[0], h.line) for h in held_at(calls, 46)] == [("a journal handle", 36),
                                                                             ("a filesystem lock", 44)]


def test_bundled_series_has_no_allocation_problem():
    (group,) = load_mail(FIXTURES / "series/insert-pfn-mkwrite").groups
    steps = apply_series(DirTree(MINI), group.newest.patches)
    assert [f for s in steps for f in check_step(s)] == []
