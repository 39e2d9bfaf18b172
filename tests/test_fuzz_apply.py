"""Patches come from strangers: mangled diffs never crash the applier and never leave the tree."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewbot.c.apply import apply_patch
from reviewbot.c.tree import DirTree
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
SERIES = FIXTURES / "series/insert-pfn-mkwrite-v3"
REAL = [(FIXTURES / "apply/device-dax-insert-mixed.patch").read_text()] + [
    p.read_text().split("\n---\n", 1)[-1] for p in sorted(SERIES.glob("v3-000[1-3]*"))]
TREE = DirTree(MINI)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(REAL), st.data())
def test_mangled_diffs_apply_or_fail_cleanly(diff, data):
    lines = diff.split("\n")
    for _ in range(data.draw(st.integers(0, 4))):
        i = data.draw(st.integers(0, len(lines) - 1))
        choice = data.draw(st.sampled_from(["drop", "dup", "mangle", "path"]))
        if choice == "drop":
            del lines[i]
        elif choice == "dup":
            lines.insert(i, lines[i])
        elif choice == "mangle":
            lines[i] = data.draw(st.text(max_size=40))
        else:
            lines[i] = data.draw(st.sampled_from(["--- a/../../etc/passwd", "+++ b//etc/shadow",
                                                  "diff --git a/x b/../y", "+++ b/.git/config"]))
    changes, failed = apply_patch(TREE, "\n".join(lines))
    for path in changes:
        assert not path.startswith(("/", "..", ".git")) and "/../" not in path
    assert isinstance(failed, list)
