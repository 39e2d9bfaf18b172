"""Derivable parameters: "you always pass vma and vmf as a pair: take vma from vmf->vma".

For every function a patch adds or whose parameters it changes, the call sites after the patch
are read (tree-wide for global functions); when every call passes, for one parameter, a member
of what it passes for another (``f(vmf->vma, vmf, ...)``), that parameter adds nothing: the
callee can read the member itself.
"""
from __future__ import annotations

import re

from reviewbot.c.api import api_changes
from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity

RULE = "RB-DERIVABLE-PARAM"
MIN_CALLS = 2  # one call site is not a habit


def _member_of(arg: str, other: str) -> str | None:
    """The member name when ``arg`` is ``other->member`` or ``other.member``."""
    m = re.fullmatch(re.escape(other) + r"\s*(->|\.)\s*(\w+)", arg.strip())
    return m.group(2) if m else None


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
            calls = []
            for f in files:
                facts = after if f == path else cache.facts(tree, f)
                if facts is not None:
                    calls.extend(c for c in facts.calls if c.callee == fn.name and len(c.args) == fn.sig.arity)
            if len(calls) < MIN_CALLS:
                continue
            for i, param in enumerate(fn.sig.params):
                for j, other in enumerate(fn.sig.params):
                    if i == j or not param.name or not other.name:
                        continue
                    members = {_member_of(c.args[i], c.args[j]) for c in calls}
                    if len(members) == 1 and None not in members:
                        member = members.pop()
                        findings.append(Finding(
                            path, fn.line, RULE, Severity.WARNING,
                            f"all {len(calls)} calls of {fn.name}() pass {other.name}->{member} as '{param.name}' "
                            f"next to '{other.name}': {param.name} can be taken from {other.name}->{member}",
                            step.patch.index, f"drop the '{param.name}' parameter and read {other.name}->{member} "
                                              f"in {fn.name}()"))
    return findings
