"""Derivable parameters: a new helper always called with (vmf->vma, vmf, ...)."""
from __future__ import annotations

from reviewbot.c.apply import apply_series
from reviewbot.c.cache import FactsCache
from reviewbot.c.tree import DirTree
from reviewbot.checks.derivable_params import check_step
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
CASE = FIXTURES / "checks/derivable-params/vma-and-vmf.patch"


def _check(path):
    (group,) = load_mail(path).groups
    steps = apply_series(DirTree(MINI), group.newest.patches)
    assert all(s.applied for s in steps)
    return [f for s in steps for f in check_step(s, FactsCache(enabled=False))]


def test_a_local_the_caller_set_from_the_member_counts_as_the_member(tmp_path):
    """"struct vm_area_struct *vma = vmf->vma; ... dax_insert_pfn(vma, vmf, ...)" is the same pair."""
    text = CASE.read_text().replace("dax_insert_pfn(vmf->vma, vmf,", "dax_insert_pfn(vma, vmf,")
    text = text.replace(" \t/* insert PTE pfn */\n",
                        "+\tstruct vm_area_struct *vma = vmf->vma;\n+\n \t/* insert PTE pfn */\n")
    text = text.replace("@@ -177,8 +185,8 @@", "@@ -177,8 +185,10 @@")
    assert text.count("dax_insert_pfn(vma, vmf") == 2
    (tmp_path / "p.patch").write_text(text)
    (finding,) = _check(tmp_path / "p.patch")
    assert finding.message.startswith("all 2 calls of dax_insert_pfn() pass vmf->vma as 'vma' next to 'vmf'")


def test_a_local_set_from_something_else_is_not_the_member(tmp_path):
    text = CASE.read_text().replace("+		return dax_insert_pfn(vmf->vma, vmf, pfn, true);",
                                    "+		return dax_insert_pfn(vma, vmf, pfn, true);")
    text = text.replace(" \t/* insert PTE pfn */\n",
                        "+\tstruct vm_area_struct *vma = iter->iomap.vma;\n+\n \t/* insert PTE pfn */\n")
    text = text.replace("@@ -177,8 +185,8 @@", "@@ -177,8 +185,10 @@")
    (tmp_path / "p.patch").write_text(text)
    assert _check(tmp_path / "p.patch") == []


def test_one_call_passing_something_else_clears_it(tmp_path):
    text = CASE.read_text().replace("+		return dax_insert_pfn(vmf->vma, vmf, pfn, true);",
                                    "+		return dax_insert_pfn(iter->iomap.vma, vmf, pfn, true);")
    assert text != CASE.read_text()
    (tmp_path / "p.patch").write_text(text)
    assert _check(tmp_path / "p.patch") == []
