"""Allocation context: what a function holds at a line (the fixtures' findings are in
tests/test_check_fixtures.py)."""
from __future__ import annotations

from reviewbot.c.extract import extract
from reviewbot.checks.alloc_context import held_at
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"


def test_release_ends_the_context():
    src = (MINI / "fs/ext4/file.c").read_bytes()
    facts = extract(src, "fs/ext4/file.c")
    calls = [c for c in facts.calls if c.caller == "ext4_dax_huge_fault"]
    end = max(c.line for c in calls) + 1
    assert held_at(calls, end) == []  # every lock and handle of the function is released by its end
    # the scan is linear: the error path's release of freeze protection above counts
    assert [(h.what.split(" (")[0], h.line) for h in held_at(calls, 46)] == [("a journal handle", 36),
                                                                             ("a filesystem lock", 44)]
