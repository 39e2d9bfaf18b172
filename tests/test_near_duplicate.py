"""Near-duplicate new functions, on the patch that added vm_insert_mixed_mkwrite() (seed thread)."""
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


def _findings(patch_file: str):
    (group,) = load_mail(CASE / patch_file).groups
    (step,) = apply_series(_base(), group.newest.patches)
    assert step.applied
    return check_step(step, FactsCache(enabled=False))


def test_new_function_that_only_flips_a_flag_is_reported_with_its_twin():
    (finding,) = _findings("add-mkwrite-twin.patch")
    assert (finding.file, finding.line, finding.rule, finding.patch) == ("mm/memory.c", 467, "RB-NEAR-DUP", 1)
    assert finding.message == ("vmf_insert_mixed_mkwrite() differs from vmf_insert_mixed() (mm/memory.c:455) "
                               "only by passing `true` instead of `false` to __vm_insert_mixed()")
    assert "add a parameter" in finding.hint


def test_the_bundled_series_adds_no_near_duplicate():
    (group,) = load_mail(FIXTURES / "series/insert-pfn-mkwrite").groups
    steps = apply_series(DirTree(MINI), group.newest.patches)
    assert [f for s in steps for f in check_step(s, FactsCache(enabled=False))] == []


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


def test_copy_of_a_function_from_another_directory_is_found_through_its_callees():
    (group,) = load_mail(CASE / "copy-from-another-directory.patch").groups
    (step,) = apply_series(DirTree(MINI), group.newest.patches)
    (finding,) = check_step(step, FactsCache(enabled=False))
    assert (finding.file, finding.line) == ("drivers/dax/device.c", 103)
    assert finding.message == ("dev_dax_cow_fault() differs from dax_fault_cow_page() (fs/dax.c:89) only by "
                               "adding `| VM_FAULT_NOPAGE`")
    # the twin is static in another directory: it cannot just be called, so this is a remark
    assert finding.severity.value == "info"
    assert finding.hint == "dax_fault_cow_page() is static in fs/dax.c: move it where both can share it"


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
