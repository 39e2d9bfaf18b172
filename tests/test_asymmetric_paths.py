"""Asymmetric paths: a PTE fault path changed while its PMD sibling is left as it was."""
from __future__ import annotations

from reviewbot.c.apply import apply_series
from reviewbot.c.tree import DirTree
from reviewbot.checks.asymmetric_paths import check_step, siblings
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"


def _findings(path):
    (group,) = load_mail(path).groups
    return [f for s in apply_series(DirTree(MINI), group.newest.patches) for f in check_step(s)]


def test_pte_path_changed_and_pmd_sibling_not():
    (finding,) = _findings(FIXTURES / "checks/asymmetric-paths/pte-only.patch")
    assert (finding.file, finding.line, finding.rule, finding.severity.value) == (
        "drivers/dax/device.c", 103, "RB-ASYMMETRIC", "info")
    assert finding.message == ("__dev_dax_pte_fault() now calls dev_warn_ratelimited(), but its sibling "
                               "__dev_dax_pmd_fault() (drivers/dax/device.c:136) is unchanged")


def test_sibling_names():
    assert siblings("dax_iomap_pte_fault") == ["dax_iomap_pmd_fault"]
    assert siblings("vfs_read") == ["vfs_write"]
    assert siblings("insert_pfn") == []


def test_series_that_changes_no_call_pattern_is_quiet():
    assert _findings(FIXTURES / "series/insert-pfn-mkwrite-v3") == []
