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
                findings.append(Finding(cf.path, proto.line, "RB-DECL-NODEF", Severity.WARNING,
                                        f"{proto.sig.name}() is declared here but defined nowhere in the tree "
                                        f"after this patch", step.patch.index,
                                        "add the definition in the same patch, or drop the declaration"))
    for cf in changed_c_files(step):
        old = {f.name for f in cf.before.functions} if cf.before else set()
        exported = {e.name for e in cf.after.exports}
        for fn in cf.after.functions:
            if fn.name in old or fn.is_static or fn.name in exported or fn.name.startswith(("sys_", "compat_sys_")):
                continue
            elsewhere = [p for p in step.tree_after.grep_word(fn.name) if p != cf.path]
            if not elsewhere:
                findings.append(Finding(cf.path, fn.line, "RB-DEF-NODECL", Severity.WARNING,
                                        f"{fn.name}() is global but declared in no header, exported nowhere and "
                                        f"used only in {cf.path}", step.patch.index,
                                        f"make {fn.name}() static"))
    return findings
