"""Declarations and definitions that do not meet: a prototype a patch adds to a header with no
definition anywhere (RB-DECL-NODEF), and a new global function with no prototype in any header,
no export and no user outside its file, which sparse would flag: it should be static
(RB-DEF-NODECL). The tree after the patch is searched with a whole-word grep.
"""
from __future__ import annotations

from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

DECL_NODEF = Check(
    id="RB-DECL-NODEF", severity=Severity.WARNING, scope="added prototypes, tree-wide",
    title="A prototype a patch adds to a header with no definition anywhere in the tree.",
    what="""For every non-static prototype a patch adds to a header, searches the tree after the patch
        for its definition (whole-word grep, then the parsed functions of each file). A name made by a
        macro (#define, DEFINE_*) counts as defined: reviewbot cannot tell.""",
    why="""A declaration without a definition links only until someone calls it; it is usually the left
        half of a series split in the wrong place, or a leftover of a removed function.""",
    example="""
        +vm_fault_t vmf_insert_mixed_wrprotect(struct vm_area_struct *vma, unsigned long addr,
        +                      pfn_t pfn);  /* defined nowhere */""",
    instead="""
        /* add the definition in the same patch, or drop the declaration */""",
    fixtures=("checks/declarations",))

DEF_NODECL = Check(
    id="RB-DEF-NODECL", severity=Severity.WARNING, scope="added functions, tree-wide",
    title="A new global function declared in no header, exported nowhere and used only in its file.",
    what="""For every non-static function a patch adds, searches the tree after the patch for its name
        outside the defining file (headers, callers, exports). System calls are left alone.""",
    why="""sparse warns ("symbol was not declared. Should it be static?"), and a global name pollutes the
        kernel's namespace and blocks inlining.""",
    example="""
        +int dax_helper(struct vm_fault *vmf)  /* only used in fs/dax.c */""",
    instead="""
        +static int dax_helper(struct vm_fault *vmf)""",
    fixtures=("checks/declarations",))


def _defined_somewhere(name: str, step: StepResult, cache: FactsCache | None) -> bool | None:
    tree = step.tree_after
    for path in tree.grep_word(name):
        facts = cache.facts(tree, path) if cache is not None else None
        if facts is None:
            return None  # cannot tell
        if facts.function(name) is not None:
            return True
        data = tree.read(path) or b""
        if b"#define " + name.encode() in data or b"DEFINE" in data and name.encode() + b"," in data:
            return None  # made by a macro: cannot tell
    return False


def check_step(step: StepResult, cache: FactsCache | None = None) -> list[Finding]:
    findings = []
    for cf in changed_c_files(step, (".h",)):
        old = {p.sig.name for p in cf.before.prototypes} if cf.before else set()
        for proto in cf.after.prototypes:
            if proto.sig.name in old or proto.is_static:
                continue
            if _defined_somewhere(proto.sig.name, step, cache) is False:
                findings.append(DECL_NODEF.finding(
                    cf.path, proto.line, f"{proto.sig.name}() is declared here but defined nowhere in the tree "
                    f"after this patch", step.patch.index, "add the definition in the same patch, or drop the "
                    "declaration"))
    for cf in changed_c_files(step):
        old = {f.name for f in cf.before.functions} if cf.before else set()
        exported = {e.name for e in cf.after.exports}
        for fn in cf.after.functions:
            if fn.name in old or fn.is_static or fn.name in exported or fn.name.startswith(("sys_", "compat_sys_")):
                continue
            elsewhere = [p for p in step.tree_after.grep_word(fn.name) if p != cf.path]
            if not elsewhere:
                findings.append(DEF_NODECL.finding(
                    cf.path, fn.line, f"{fn.name}() is global but declared in no header, exported nowhere and "
                    f"used only in {cf.path}", step.patch.index, f"make {fn.name}() static"))
    return findings
