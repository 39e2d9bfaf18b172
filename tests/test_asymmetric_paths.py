"""Asymmetric paths: the sibling names (the fixtures' findings are in tests/test_check_fixtures.py)."""
from __future__ import annotations

from reviewbot.checks.asymmetric_paths import siblings


def test_sibling_names():
    assert siblings("dax_iomap_pte_fault") == ["dax_iomap_pmd_fault"]
    assert siblings("vfs_read") == ["vfs_write"]
    assert siblings("insert_pfn") == []
