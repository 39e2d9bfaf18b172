"""Derivable parameters: "you always pass vma and vmf as a pair: take vma from vmf->vma".

For every function a patch adds or whose parameters it changes, the call sites after the patch
are read (tree-wide for global functions); when every call passes, for one parameter, a member
of what it passes for another - ``f(vmf->vma, vmf, ...)``, or a local the caller set from that
member (``vma = vmf->vma; ... f(vma, vmf)``) - that parameter adds nothing: the callee can read
the member itself. The struct's definition, when the tree has it, names the field and its type.
"""
from __future__ import annotations

import re

from reviewbot.c.api import api_changes
from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

RULE = "RB-DERIVABLE-PARAM"
CHECK = Check(
    id=RULE, severity=Severity.WARNING, scope="changed functions, tree-wide callers",
    title="A parameter every caller passes as a member of another (f(vmf->vma, vmf)).",
    what="""For every function a patch adds or whose parameters it changes, reads the call sites after
        the patch; when every call passes, for one parameter, a member of what it passes for another
        (or a local the caller set from that member), reports the parameter.""",
    why="""The parameter adds nothing the callee cannot read itself, and lets the two disagree; reviewers
        ask for it to go before the function gains more callers.""",
    example="""
        static vm_fault_t dax_insert_pfn(struct vm_area_struct *vma, struct vm_fault *vmf, ...);
        return dax_insert_pfn(vmf->vma, vmf, pfn, true);""",
    instead="""
        static vm_fault_t dax_insert_pfn(struct vm_fault *vmf, ...);  /* reads vmf->vma */""",
    fixtures=("checks/derivable-params",))

MIN_CALLS = 2  # one call site is not a habit
# Headers naming the struct searched for its definition, include/linux/ first (where core structs
# live): a widely used struct is named in hundreds of headers, and naming the field is a courtesy.
MAX_STRUCT_HEADERS = 40


def _member_of(arg: str, other: str) -> str | None:
    """The member name when ``arg`` is ``other->member`` or ``other.member``."""
    m = re.fullmatch(re.escape(other) + r"\s*(->|\.)\s*(\w+)", arg.strip())
    return m.group(2) if m else None


def _alias_member(arg: str, other: str, body: str) -> str | None:
    """The member when ``arg`` is a local the caller's body sets from ``other->member``."""
    if not re.fullmatch(r"\w+", arg.strip()):
        return None
    m = re.search(r"\b" + re.escape(arg.strip()) + r"\s*=\s*" + re.escape(other.strip()) + r"\s*(?:->|\.)\s*(\w+)\s*;",
                  body)
    return m.group(1) if m else None


def _struct_field(tree, cache: FactsCache, type_text: str, member: str):
    """(struct name, field) for ``member`` of the struct ``type_text`` points to, when the tree
    defines it (headers that name the struct are searched, a few dozen at most)."""
    m = re.fullmatch(r"(?:const\s+)?struct\s+(\w+)\s*\*", type_text.strip())
    if not m:
        return None
    name = m.group(1)
    headers = sorted((p for p in tree.grep_word(name) if p.endswith(".h")),
                     key=lambda p: (not p.startswith("include/linux/"), p))[:MAX_STRUCT_HEADERS]
    for header in headers:
        facts = cache.facts(tree, header)
        for struct in facts.structs if facts else []:
            if struct.name == name:
                field = next((f for f in struct.fields if f.name == member), None)
                return (name, field) if field else None
    return None


def check_step(step: StepResult, cache: FactsCache) -> list[Finding]:
    findings: list[Finding] = []
    tree = step.tree_after
    for cf in changed_c_files(step):
        path, change, before, after = cf.path, cf.change, cf.before, cf.after
        touched = {c.name for c in api_changes(before, after, change.before, change.after)
                   if c.kind in ("added", "params")}
        for fn in after.functions:
            if fn.name not in touched or fn.sig.arity < 2:
                continue
            files = [path] if fn.is_static else [f for f in tree.grep_word(fn.name) if f.endswith(".c")]
            calls = []  # (call, the caller's body text)
            for f in files:
                facts = after if f == path else cache.facts(tree, f)
                if facts is None:
                    continue
                data = (change.after if f == path else tree.read(f)) or b""
                bodies = {d.name: d for d in facts.functions}
                for c in facts.calls:
                    if c.callee == fn.name and len(c.args) == fn.sig.arity:
                        caller = bodies.get(c.caller or "")
                        body = data[caller.body_start:caller.body_end].decode("utf-8", "replace") if caller else ""
                        calls.append((c, body))
            if len(calls) < MIN_CALLS:
                continue
            for i, param in enumerate(fn.sig.params):
                for j, other in enumerate(fn.sig.params):
                    if i == j or not param.name or not other.name:
                        continue
                    members = {_member_of(c.args[i], c.args[j]) or _alias_member(c.args[i], c.args[j], body)
                               for c, body in calls}
                    if len(members) == 1 and None not in members:
                        member = members.pop()
                        known = _struct_field(tree, cache, other.type, member)
                        decl = (f"{known[1].type}{known[1].name}" if known and known[1].type.endswith("*")
                                else f"{known[1].type} {known[1].name}" if known else "")
                        field = f" (struct {known[0]} has '{decl}')" if known else ""
                        findings.append(Finding(
                            path, fn.line, RULE, Severity.WARNING,
                            f"all {len(calls)} calls of {fn.name}() pass {other.name}->{member} as '{param.name}' "
                            f"next to '{other.name}': {param.name} can be taken from {other.name}->{member}{field}",
                            step.patch.index, f"drop the '{param.name}' parameter and read {other.name}->{member} "
                                              f"in {fn.name}()"))
    return findings
