"""Stale kernel-doc: a function whose parameters a patch changes, and whose /** comment still
describes the old ones ("@mkwrite: not described", "@pfn: described but gone").

Only functions with a kernel-doc comment right above them are judged, and only when the patch
adds, removes or renames parameters (or adds the function); scripts/kernel-doc would warn at
build time with W=1, reviewers want it in the same patch.
"""
from __future__ import annotations

import re

from reviewbot.c.api import api_changes
from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

RULE = "RB-KDOC-PARAMS"
CHECK = Check(
    id=RULE, severity=Severity.WARNING, scope="changed functions",
    title="A kernel-doc comment that no longer describes the parameters the patch gives the function.",
    what="""For a function whose parameters a patch adds, removes or renames (or a function it adds),
        compares the ``@name:`` lines of the /** comment right above it with its parameters.""",
    why="""scripts/kernel-doc warns at build time with W=1, and the generated documentation lies;
        reviewers want the comment updated in the same patch.""",
    example="""
        /**
         * vmf_insert_pfn_prot - insert single pfn into user vma with specified pgprot
         * @vma: user vma to map to
         */
        vm_fault_t vmf_insert_pfn_prot(struct vm_area_struct *vma, ..., bool mkwrite)""",
    instead="""
         * @mkwrite: whether to insert a writable entry""",
    fixtures=("checks/kernel-doc",))

_PARAM_DOC = re.compile(r"^\s*\*\s*@(\w+|\.\.\.)\s*:", re.MULTILINE)


def kernel_doc_above(source: str, line: int) -> tuple[str, int] | None:
    """The /** ... */ comment ending just above ``line`` (1-based), and the line it starts on."""
    lines = source.split("\n")
    end = line - 2
    while end >= 0 and not lines[end].strip():
        end -= 1
    if end < 0 or not lines[end].strip().endswith("*/"):
        return None
    start = end
    while start >= 0 and "/*" not in lines[start]:
        start -= 1
    if start < 0 or not lines[start].lstrip().startswith("/**"):
        return None
    return "\n".join(lines[start:end + 1]), start + 1


def check_step(step: StepResult, cache: FactsCache | None = None) -> list[Finding]:
    findings = []
    for cf in changed_c_files(step, (".c", ".h")):
        path, change, before, after = cf.path, cf.change, cf.before, cf.after
        names = {c.name for c in api_changes(before, after, change.before, change.after)
                 if c.kind in ("params", "added")}
        old_params = {f.name: [p.name for p in f.sig.params] for f in (before.functions if before else [])}
        text = change.after.decode("utf-8", "replace")
        for fn in after.functions:
            changed_names = old_params.get(fn.name) != [p.name for p in fn.sig.params]
            if fn.name not in names and not changed_names:
                continue
            doc = kernel_doc_above(text, fn.start_line)
            if doc is None:
                continue
            documented = _PARAM_DOC.findall(doc[0])
            params = [p.name for p in fn.sig.params if p.name] + (["..."] if fn.sig.variadic else [])
            missing = [p for p in params if p not in documented]
            stale = [d for d in documented if d not in params]
            if not missing and not stale:
                continue
            parts = []
            if missing:
                parts.append("does not describe " + ", ".join(f"@{p}" for p in missing))
            if stale:
                parts.append("still describes " + ", ".join(f"@{p}" for p in stale) + " it no longer takes")
            findings.append(Finding(path, doc[1], RULE, Severity.WARNING,
                                    f"the kernel-doc of {fn.name}() {' and '.join(parts)}", step.patch.index,
                                    "update the comment in the same patch (scripts/kernel-doc -none shows it)"))
    return findings
