"""Near-duplicate new functions, on variants of the patch that added vm_insert_mixed_mkwrite() (seed thread);
the fixtures themselves are run by tests/test_check_fixtures.py."""
from __future__ import annotations

from reviewbot.c.apply import apply_patch, apply_series
from reviewbot.c.cache import FactsCache
from reviewbot.c.tree import DirTree, OverlayTree
from reviewbot.checks.near_duplicate import check_step
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

CASE = FIXTURES / "checks/near-duplicate"
MINI = FIXTURES / "trees/mini-linux"


def _base() -> OverlayTree:
    """Linux 6.1's mm/memory.c excerpt as it was before vmf_insert_mixed_mkwrite() existed."""
    changes, failed = apply_patch(DirTree(MINI), (CASE / "base-from-mini-linux.diff").read_text())
    assert failed == []
    return OverlayTree(DirTree(MINI), {p: c.after for p, c in changes.items()})


def test_new_function_with_a_different_body_is_not_reported(tmp_path):
    text = (CASE / "add-mkwrite-twin.patch").read_text().replace(
        "+	return __vm_insert_mixed(vma, addr, pfn, vma->vm_page_prot, true);",
        "+	if (!(vma->vm_flags & VM_SHARED))\n+		return VM_FAULT_SIGBUS;\n"
        "+	return insert_pfn(vma, addr, pfn, vma->vm_page_prot, true);")
    text = text.replace("@@ -459,6 +459,17 @@", "@@ -459,6 +459,19 @@")
    (tmp_path / "p.patch").write_text(text)
    (group,) = load_mail(tmp_path / "p.patch").groups
    (step,) = apply_series(_base(), group.newest.patches)
    assert step.applied
    assert check_step(step, FactsCache(enabled=False)) == []


def test_two_new_twins_in_one_patch_give_one_finding():
    from reviewbot.model import Patch

    body = ("\tpgprot_t prot = pgprot_modify(vma->vm_page_prot, vm_get_page_prot(VM_READ));\n\n"
            "\treturn __vm_insert_mixed(vma, addr, pfn, prot, {flag});\n")
    funcs = "".join(f"+vm_fault_t vmf_insert_mixed_{name}(struct vm_area_struct *vma,\n"
                    f"+\t\tunsigned long addr, pfn_t pfn)\n+{{\n"
                    + "".join(f"+{line}\n" for line in body.format(flag=flag).split("\n")[:-1])
                    + "+}\n+\n" for name, flag in (("ro", "false"), ("ro_dirty", "true")))
    added = funcs.count("\n")
    memory = (MINI / "mm/memory.c").read_text().split("\n")
    n = memory.index("EXPORT_SYMBOL(vmf_insert_mixed_mkwrite);") + 1  # add the pair right after it
    diff = (f"diff --git a/mm/memory.c b/mm/memory.c\n--- a/mm/memory.c\n+++ b/mm/memory.c\n"
            f"@@ -{n},1 +{n},{added + 1} @@\n {memory[n - 1]}\n+\n{funcs[:-2]}")  # blank line first, not last
    (step,) = apply_series(DirTree(MINI), [Patch(1, 1, "mm: add two helpers", "A <a@x>", "", diff_text=diff)])
    assert step.applied, step.failed
    findings = [f for f in check_step(step, FactsCache(enabled=False)) if "vmf_insert_mixed_r" in f.message]
    assert len(findings) == 1
    assert "passing `true` instead of `false`" in findings[0].message or \
        "passing `false` instead of `true`" in findings[0].message
