"""Asymmetric paths: a patch changes one of a pair of sibling functions and not the other.

Kernel code keeps parallel paths side by side: ``*_pte_fault``/``*_pmd_fault``, ``*_pte``/``*_pmd``,
``*_read``/``*_write``, ``*_lock``/``*_unlock``... When a patch changes the calls one sibling makes
(adds or removes a callee) and the sibling, which exists after the patch in the same file, does
not change at all, the reviewer asks whether it should follow; reviewbot points at it.
"""
from __future__ import annotations

from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

RULE = "RB-ASYMMETRIC"
CHECK = Check(
    id=RULE, severity=Severity.INFO, scope="changed functions",
    title="One of a pair of sibling functions (_pte/_pmd, _read/_write...) changed, the other not.",
    what="""When a patch changes the calls a function makes (adds or removes a callee) and its sibling in
        the same file (``*_pte_fault``/``*_pmd_fault``, ``*_read``/``*_write``, ``*_lock``/``*_unlock``...)
        does not change at all, points at the sibling.""",
    why="""Kernel code keeps parallel paths side by side; a fix made on one path and not the other is a
        common way for a bug to survive review. Sometimes the sibling rightly stays as it is: this is a
        question, not a verdict.""",
    example="""
        static vm_fault_t __dev_dax_pte_fault(...)
        +    dev_warn_ratelimited(dev, "...");
        /* __dev_dax_pmd_fault() unchanged */""",
    instead="""
        /* make the same change in __dev_dax_pmd_fault(), or say in the commit message why not */""",
    fixtures=("checks/asymmetric-paths",))

PAIRS = [("_pte", "_pmd"), ("_pmd", "_pud"), ("_read", "_write"), ("_lock", "_unlock"), ("_get", "_put"),
         ("_enable", "_disable"), ("_start", "_stop"), ("_alloc", "_free"), ("_init", "_exit"),
         ("_suspend", "_resume"), ("_map", "_unmap"), ("_load", "_store")]


def siblings(name: str) -> list[str]:
    out = []
    for a, b in PAIRS:
        for x, y in ((a, b), (b, a)):
            if x + "_" in name + "_":
                i = (name + "_").rfind(x + "_")
                out.append(name[:i] + y + name[i + len(x):])
    return [s for s in out if s != name]


def _callees_by_caller(facts) -> dict[str, set[str]]:
    """caller -> what it calls, built once per file (a scan per function was quadratic in big files)."""
    out: dict[str, set[str]] = {}
    for c in facts.calls:
        if c.caller:
            out.setdefault(c.caller, set()).add(c.callee)
    return out


def check_step(step: StepResult, cache: FactsCache | None = None) -> list[Finding]:
    findings = []
    for cf in changed_c_files(step, existing=True):
        path, change, before, after = cf.path, cf.change, cf.before, cf.after
        calls_before, calls_after = _callees_by_caller(before), _callees_by_caller(after)
        changed = {}
        for fn in after.functions:
            old = before.function(fn.name)
            if old is None:
                continue
            was, now = calls_before.get(fn.name, set()), calls_after.get(fn.name, set())
            gained, lost = now - was, was - now
            if gained or lost:
                changed[fn.name] = (fn, gained, lost)
        for name, (fn, gained, lost) in changed.items():
            for sib in siblings(name):
                twin_after, twin_before = after.function(sib), before.function(sib)
                if twin_after is None or twin_before is None or sib in changed:
                    continue
                old_body = change.before[twin_before.body_start:twin_before.body_end]
                new_body = change.after[twin_after.body_start:twin_after.body_end]
                if old_body != new_body:
                    continue
                # only what the sibling could follow: calls it made too before, or now lacks
                relevant_lost = sorted(c for c in lost if c in calls_before.get(sib, set()))
                relevant_gained = sorted(c for c in gained if c not in calls_after.get(sib, set()))
                if not relevant_lost and not relevant_gained:
                    continue
                what = "; ".join(filter(None, [
                    "now calls " + ", ".join(f"{c}()" for c in relevant_gained) if relevant_gained else "",
                    "no longer calls " + ", ".join(f"{c}()" for c in relevant_lost) if relevant_lost else ""]))
                findings.append(Finding(path, fn.line, RULE, Severity.INFO,
                                        f"{name}() {what}, but its sibling {sib}() ({path}:{twin_after.line}) is "
                                        f"unchanged", step.patch.index,
                                        f"say in the commit message why {sib}() does not need the same change"))
    return findings
