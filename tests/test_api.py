"""API change detection between the facts of a file before and after a patch."""
from __future__ import annotations

from reviewbot.c.api import api_changes
from reviewbot.c.extract import extract
from tests.conftest import FIXTURES

MEMORY_C = (FIXTURES / "trees/mini-linux/mm/memory.c").read_bytes()


def _changes(before: bytes, after: bytes, path: str = "mm/memory.c"):
    return [(c.kind, c.name, c.detail) for c in api_changes(extract(before, path), extract(after, path), before, after)]


def test_parameter_added_is_named():
    after = MEMORY_C.replace(b"vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr,\n"
                             b"\t\tpfn_t pfn)",
                             b"vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr,\n"
                             b"\t\tpfn_t pfn, bool mkwrite)")
    assert _changes(MEMORY_C, after) == [("params", "vmf_insert_mixed", "gains parameter 'bool mkwrite'")]


def test_parameter_retyped_return_changed_and_renames():
    after = MEMORY_C.replace(b"static vm_fault_t insert_pfn(struct vm_area_struct *vma, unsigned long addr,\n"
                             b"\t\t\tpfn_t pfn, pgprot_t prot, bool mkwrite)",
                             b"static int insert_pfn(struct vm_area_struct *vma, unsigned long addr,\n"
                             b"\t\t\tunsigned long pfn, pgprot_t prot, bool mkwrite)")
    assert _changes(MEMORY_C, after) == [
        ("params", "insert_pfn", "retypes 'pfn' pfn_t -> unsigned long"),
        ("return", "insert_pfn", "returns int instead of vm_fault_t"),
    ]
    renamed = MEMORY_C.replace(b"static bool vm_mixed_ok(", b"static bool vm_mixed_pfn_ok(").replace(
        b"if (!vm_mixed_ok(", b"if (!vm_mixed_pfn_ok(")
    assert _changes(MEMORY_C, renamed) == [("renamed", "vm_mixed_ok", "renamed to vm_mixed_pfn_ok()")]


def test_export_and_static_changes():
    after = MEMORY_C.replace(b"EXPORT_SYMBOL(vmf_insert_mixed);", b"EXPORT_SYMBOL_GPL(vmf_insert_mixed);").replace(
        b"\nvm_fault_t vmf_insert_mixed_mkwrite(", b"\nstatic vm_fault_t vmf_insert_mixed_mkwrite(")
    assert sorted(_changes(MEMORY_C, after)) == [
        ("export-added", "vmf_insert_mixed", "export changed from EXPORT_SYMBOL to EXPORT_SYMBOL_GPL"),
        ("made-static", "vmf_insert_mixed_mkwrite", "made static"),
    ]


def test_body_only_change_is_not_an_api_change():
    after = MEMORY_C.replace(b"return __vm_insert_mixed(vma, addr, pfn, vma->vm_page_prot, false);",
                             b"return __vm_insert_mixed(vma, addr, pfn, vma->vm_page_prot, pfn_t_devmap(pfn));")
    assert _changes(MEMORY_C, after) == []
