"""Lost side effects: "your new path skips do_wp_page(), which updated mtime: do you still do that?"

For every function a patch changes, the callees it reaches before and after the patch are
compared: its direct calls and, through the static functions of the same file it calls, theirs
(a few levels deep). A callee with an effect (data/side_effects.yaml: mtime updates, dirtying,
unlocks, reference drops, notifications...) that was reached before and is not any more is
reported with the path that used to reach it.
"""
from __future__ import annotations

import re
from functools import cache
from importlib import resources

import yaml

from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import FileFacts
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

RULE = "RB-LOST-EFFECT"
CHECK = Check(
    id=RULE, severity=Severity.WARNING, scope="changed functions",
    title="A changed function that no longer reaches a callee with an effect (mtime, dirtying, unlock...).",
    what="""For every function a patch changes, compares the callees it reaches before and after the
        patch (directly and through the static functions of its file); a callee with an effect
        (updating mtime, dirtying, unlocking, dropping a reference, notifying) reached before and not
        any more is reported with the path that used to reach it.""",
    why="""A refactoring that skips the old path often drops a side effect nobody wrote down: a write
        fault that no longer updates the file's mtime, an error path that no longer unlocks.""",
    example="""
        -    file_update_time(vmf->vma->vm_file);
            result = dax_iomap_fault(vmf, pe_size, &pfn, NULL, &ext4_iomap_ops);""",
    instead="""
            if (write)
                file_update_time(vmf->vma->vm_file);  /* kept, or moved to a helper it still calls */""",
    fixtures=("checks/lost-side-effects",))

# Levels of the file's static helpers followed: each level widens what counts as "reached" (and the
# cost); an effect three helpers down is already far from what the changed function does itself.
MAX_DEPTH = 3


@cache
def effects() -> list[tuple[re.Pattern, str]]:
    text = resources.files("reviewbot.checks").joinpath("data", "side_effects.yaml").read_text(encoding="utf-8")
    return [(re.compile(e["pattern"]), e["effect"]) for e in yaml.safe_load(text)]


def effect_of(name: str) -> str | None:
    for pattern, effect in effects():
        if pattern.search(name):
            return effect
    return None


def reachable(facts: FileFacts, start: str) -> dict[str, list[str]]:
    """callee -> the call path from ``start`` (through the file's static functions) that reaches it."""
    statics = {f.name for f in facts.functions if f.is_static}
    calls_of: dict[str, list[str]] = {}
    for c in facts.calls:
        if c.caller:
            calls_of.setdefault(c.caller, []).append(c.callee)
    paths: dict[str, list[str]] = {}
    frontier = [(start, [start])]
    for _ in range(MAX_DEPTH):
        nxt = []
        for fn, path in frontier:
            for callee in calls_of.get(fn, []):
                if callee in paths or callee == start:
                    continue
                paths[callee] = path + [callee]
                if callee in statics:
                    nxt.append((callee, path + [callee]))
        frontier = nxt
    return paths


def check_step(step: StepResult, cache: FactsCache | None = None) -> list[Finding]:
    findings = []
    for cf in changed_c_files(step, existing=True):
        path, change, before, after = cf.path, cf.change, cf.before, cf.after
        for fn in after.functions:
            old = before.function(fn.name)
            if old is None:
                continue
            old_body = change.before[old.body_start:old.body_end]
            new_body = change.after[fn.body_start:fn.body_end]
            if b" ".join(old_body.split()) == b" ".join(new_body.split()):
                continue
            was, now = reachable(before, fn.name), reachable(after, fn.name)
            for callee, route in was.items():
                effect = effect_of(callee)
                if effect is None or callee in now:
                    continue
                via = " -> ".join(f"{name}()" for name in route)
                findings.append(Finding(
                    path, fn.line, RULE, Severity.WARNING,
                    f"{fn.name}() no longer calls {callee}(), which {effect} (reached before via {via})",
                    step.patch.index, f"make sure the new path still does what {callee}() did, or say why not "
                                      f"in the commit message"))
    return findings
