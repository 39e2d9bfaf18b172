"""Exports of new functions that nothing outside their file uses."""
from __future__ import annotations

from reviewbot.c.apply import apply_series
from reviewbot.c.cache import FactsCache
from reviewbot.c.tree import DirTree
from reviewbot.checks.unused_export import check_step
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"


def _findings(path, base=None):
    (group,) = load_mail(path).groups
    steps = apply_series(base or DirTree(MINI), group.newest.patches)
    assert all(s.applied for s in steps)
    return [f for s in steps for f in check_step(s, FactsCache(enabled=False))]


def test_new_export_without_a_user_is_reported():
    (finding,) = _findings(FIXTURES / "checks/unused-export/export-without-user.patch")
    assert (finding.file, finding.line, finding.rule) == ("mm/memory.c", 485, "RB-EXPORT-UNUSED")
    assert finding.message == ("EXPORT_SYMBOL(vmf_insert_mixed_wrprotect) exports a new function that nothing "
                               "outside mm/memory.c uses")


def test_new_export_with_a_user_elsewhere_is_fine():
    """vmf_insert_mixed_mkwrite() (the seed's patch, replayed) is called from fs/dax.c."""
    from reviewbot.c.apply import apply_patch
    from reviewbot.c.tree import OverlayTree

    changes, failed = apply_patch(DirTree(MINI), (FIXTURES / "checks/near-duplicate/base-from-mini-linux.diff")
                                  .read_text())
    assert failed == []
    base = OverlayTree(DirTree(MINI), {p: c.after for p, c in changes.items()})
    assert _findings(FIXTURES / "checks/near-duplicate/add-mkwrite-twin.patch", base) == []
