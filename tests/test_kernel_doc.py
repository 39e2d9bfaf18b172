"""Stale kernel-doc after a parameter change."""
from __future__ import annotations

from reviewbot.c.apply import apply_series
from reviewbot.c.tree import DirTree
from reviewbot.checks.kernel_doc import check_step
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
CASES = FIXTURES / "checks/kernel-doc"


def _findings(path):
    (group,) = load_mail(path).groups
    return [f for s in apply_series(DirTree(MINI), group.newest.patches) for f in check_step(s)]


def test_new_parameter_missing_from_the_kernel_doc():
    (finding,) = _findings(CASES / "param-not-described.patch")
    assert (finding.file, finding.line, finding.rule) == ("mm/memory.c", 286, "RB-KDOC-PARAMS")
    assert finding.message == "the kernel-doc of vmf_insert_pfn_prot() does not describe @mkwrite"


def test_parameter_described_in_the_same_patch_is_fine():
    assert _findings(CASES / "ok-param-described.patch") == []


def test_function_without_kernel_doc_is_not_judged():
    assert _findings(FIXTURES / "series/insert-pfn-mkwrite") == []
