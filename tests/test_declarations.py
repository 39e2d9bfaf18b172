"""Declarations without definitions, and global functions nobody outside their file knows."""
from __future__ import annotations

from reviewbot.c.apply import apply_series
from reviewbot.c.cache import FactsCache
from reviewbot.c.tree import DirTree
from reviewbot.checks.declarations import check_step
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"


def _findings(path):
    (group,) = load_mail(path).groups
    steps = apply_series(DirTree(MINI), group.newest.patches)
    assert all(s.applied for s in steps)
    return [(f.file, f.line, f.rule) for s in steps for f in check_step(s, FactsCache(enabled=False))]


def test_prototype_without_definition_and_global_helper_without_prototype():
    assert sorted(_findings(FIXTURES / "checks/declarations/decl-without-def-and-global-helper.patch")) == [
        ("fs/dax.c", 68, "RB-DEF-NODECL"), ("include/linux/mm.h", 39, "RB-DECL-NODEF")]


def test_declared_defined_and_exported_functions_are_fine():
    assert _findings(FIXTURES / "checks/unused-export/export-without-user.patch") == []
    assert _findings(FIXTURES / "series/insert-pfn-mkwrite-v3") == []
