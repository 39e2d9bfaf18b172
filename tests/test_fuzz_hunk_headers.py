"""Hunk headers come from strangers: a stated line or count, however large or false, never makes
placing a hunk cost more than the file's and the patch's sizes, and never raises."""
from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.c.apply import SEARCH_STEPS_PER_LINE, apply_patch
from reviewbot.c.tree import DirTree
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
TREE = DirTree(MINI)
SERIES = FIXTURES / "series/insert-pfn-mkwrite-v3"
REAL = [(FIXTURES / "apply/device-dax-insert-mixed.patch").read_text()] + [
    p.read_text().split("\n---\n", 1)[-1] for p in sorted(SERIES.glob("v3-000[1-3]*"))]
HEADER = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@", re.MULTILINE)

numbers = st.one_of(st.integers(0, 3), st.integers(0, 100_000), st.integers(10**15, 10**40),
                    st.sampled_from([2**31 - 1, 2**31, 2**63 - 1, 2**63, 2**64 + 1, 99999999999999999999]))
spellings = st.sampled_from(["{}", "0{}", "-{}", "+{}", "{} ", "{}0"])


def _expected(diff: str):
    changes, failed = apply_patch(TREE, diff)
    return {path: c.after for path, c in changes.items()}, failed


def _bound(diff: str, budgets) -> int:
    """steps allowed: a constant per line of the files the patch touches and of the patch"""
    files = sum((TREE.read(p) or b"").count(b"\n") + 1 for p in re.findall(r"^\+\+\+ b/(\S+)", diff, re.M))
    return 10_000 * len(budgets) + SEARCH_STEPS_PER_LINE * (files + diff.count("\n") + 1)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(REAL), st.data())
def test_any_stated_line_is_found_where_the_context_is(diff, data):
    """Counts left true, stated lines anything: the hunks land where their context is, as patch does."""
    truth, truth_failed = _expected(diff)
    lied = HEADER.sub(lambda m: f"@@ -{data.draw(numbers)},{m.group(2) or 1} +{data.draw(numbers)},"
                                f"{m.group(4) or 1} @@", diff)
    work: list = []
    changes, failed = apply_patch(TREE, lied, work)
    assert failed == truth_failed == []
    assert {path: c.after for path, c in changes.items()} == truth
    assert sum(b.steps for b in work) <= _bound(lied, work)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(REAL), st.data())
def test_lying_headers_cost_bounded_work_and_fail_cleanly(diff, data):
    def header(m):
        parts = []
        for group in m.groups():
            value = data.draw(st.one_of(numbers, st.just(int(group) if group else 1)))
            text = data.draw(spellings).format(value)
            parts.append(text if group is not None or data.draw(st.booleans()) else None)
        old = parts[0] + (f",{parts[1]}" if parts[1] is not None else "")
        new = parts[2] + (f",{parts[3]}" if parts[3] is not None else "")
        return f"@@ -{old} +{new} @@"
    lied = HEADER.sub(header, diff)
    work: list = []
    changes, failed = apply_patch(TREE, lied, work)
    assert sum(b.steps for b in work) <= _bound(lied, work)
    assert all(isinstance(f.reason, str) and f.reason for f in failed)
    if not failed:
        assert set(changes) <= set(_expected(diff)[0])


def test_context_that_matches_everywhere_gives_up_within_the_budget():
    """10,000 identical lines and 2,000 hunks of that line stating lines 1 and 9,998 in turn: each
    would go to the nearest place the ones before left free, a walk that grows with the square of
    the hunks. The search stops at its budget (steps per line of file and patch), naming the hunk."""
    from reviewbot.c.tree import OverlayTree

    tree = OverlayTree(TREE, {"mm/flat.c": b"\tx();\n" * 10_000})
    hunks = "".join(f"@@ -{1 if n % 2 else 9998},3 +1,3 @@\n \tx();\n-\tx();\n+\tz();\n \tx();\n"
                    for n in range(2000))
    work: list = []
    changes, failed = apply_patch(tree, f"--- a/mm/flat.c\n+++ b/mm/flat.c\n{hunks}", work)
    assert changes == {}
    assert [f.path for f in failed] == ["mm/flat.c"] and failed[0].hunk in ("@@ -1,3 +1,3 @@", "@@ -9998,3 +1,3 @@")
    assert failed[0].reason.startswith("gave up")
    assert work[0].allowance < work[0].steps <= work[0].allowance + 10


def test_identical_blocks_each_changed_once_apply_in_one_step_per_hunk():
    """A file of 800 identical blocks and a patch changing each where it says: every hunk is found
    at its stated line at once, whatever the number of look-alikes."""
    from reviewbot.c.tree import OverlayTree

    block = "{\n\tstruct mm_struct *mm = vma->vm_mm;\n\tint ret = 0;\n}\n"
    tree = OverlayTree(TREE, {"mm/blocks.c": (block * 800).encode()})
    hunks = "".join(f"@@ -{4 * n + 1},4 +{4 * n + 1},4 @@\n {{\n-\tstruct mm_struct *mm = vma->vm_mm;\n"
                    f"+\tstruct mm_struct *mm = READ_ONCE(vma->vm_mm);\n \tint ret = 0;\n }}\n" for n in range(800))
    work: list = []
    changes, failed = apply_patch(tree, f"--- a/mm/blocks.c\n+++ b/mm/blocks.c\n{hunks}", work)
    assert failed == []
    assert changes["mm/blocks.c"].after.decode().count("READ_ONCE(vma->vm_mm)") == 800
    assert changes["mm/blocks.c"].offsets == [0] * 800
    assert work[0].steps <= 800 * (1 + 2 * 4) + 4 * 800
