"""Exports without users: "EXPORT_SYMBOL of a new function with no user outside its file".

An export is ABI for out-of-tree modules and a maintenance promise; maintainers ask for the first
modular user in the same series. For every function a patch both adds and exports, the tree as it
stands after the patch is searched (whole-word grep) for a use outside the defining file and
outside headers that only declare it.
"""
from __future__ import annotations

from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

RULE = "RB-EXPORT-UNUSED"
CHECK = Check(
    id=RULE, severity=Severity.WARNING, scope="added exports, tree-wide",
    title="An EXPORT_SYMBOL of a new function that nothing outside its file uses.",
    what="""For every function a patch both adds and exports, searches the tree after the patch for a
        use outside the defining file (calls, or storing it as a value), headers that only declare it
        aside.""",
    why="""An export is ABI for out-of-tree modules and a maintenance promise; maintainers ask for the
        first modular user in the same series.""",
    example="""
        +vm_fault_t vmf_insert_mixed_wrprotect(...) { ... }
        +EXPORT_SYMBOL(vmf_insert_mixed_wrprotect);  /* no caller anywhere */""",
    instead="""
        /* export it in the patch that adds its first user in another module */""",
    fixtures=("checks/unused-export",))


def check_step(step: StepResult, cache: FactsCache | None = None) -> list[Finding]:
    findings = []
    tree = step.tree_after
    for cf in changed_c_files(step):
        before_names = {f.name for f in cf.before.functions} if cf.before else set()
        before_exports = {e.name for e in cf.before.exports} if cf.before else set()
        new = {f.name for f in cf.after.functions} - before_names
        for export in cf.after.exports:
            if export.name not in new or export.name in before_exports:
                continue
            users = []
            for path in tree.grep_word(export.name):
                if path == cf.path:
                    continue
                facts = cache.facts(tree, path) if cache is not None else None
                if facts is None:
                    users.append(path)  # cannot tell: count it as a use (silence over noise)
                elif any(c.callee == export.name for c in facts.calls) or \
                        any(v.function == export.name for v in facts.values):
                    users.append(path)
            if not users:
                findings.append(Finding(cf.path, export.line, RULE, Severity.WARNING,
                                        f"{export.macro}({export.name}) exports a new function that nothing outside "
                                        f"{cf.path} uses", step.patch.index,
                                        "export it in the patch that adds its first user in another module"))
    return findings
