"""Allocation context: "don't add __GFP_FS here: the fault handler already holds filesystem locks".

On every line a patch adds inside a function, allocation flags and sleeping calls are checked
against what the function holds at that point, read from the calls above it in the same body
(data/contexts.yaml): under a spinlock or an RCU/preempt-off section nothing may sleep; under a
journal handle, freeze protection or a filesystem lock, and in page-fault handlers, an allocation
must not recurse into the filesystem (no GFP_KERNEL / __GFP_FS: use GFP_NOFS or
memalloc_nofs_save()).

The scan of the calls above a line is linear (branches are not followed): a release on an error
path counts as a release. That errs towards silence, which is the right side for a review bot.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import CallSite, FileFacts
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

RULE = "RB-ALLOC-CONTEXT"
CHECK = Check(
    id=RULE, severity=Severity.WARNING, scope="added lines",
    title="A sleeping or filesystem-recursing allocation under a spinlock, a journal handle, a filesystem "
          "lock or in a fault handler.",
    what="""On every line a patch adds inside a function, checks the allocation flags and sleeping calls
        against what the function holds at that point (spinlocks, RCU or preempt-off sections, journal
        handles, freeze protection, filesystem locks, being a page-fault handler), read from the calls
        above the line in the same body. Under a spinlock it is an error.""",
    why="""A GFP_KERNEL allocation may sleep, which is a bug in atomic context; and it may enter the
        filesystem to reclaim memory, which deadlocks when the caller already holds that filesystem's
        locks or a journal handle.""",
    example="""
        ptep = get_locked_pte(mm, addr, &ptl);
        entry = kmalloc(sizeof(*entry), GFP_KERNEL);""",
    instead="""
        entry = kmalloc(sizeof(*entry), GFP_KERNEL);  /* before taking the lock */
        ptep = get_locked_pte(mm, addr, &ptl);
        /* or GFP_ATOMIC under the lock, GFP_NOFS / memalloc_nofs_save() under filesystem locks */""",
    fixtures=("checks/alloc-context",))

_FAULT_NAME = re.compile(r"(_fault|_page_mkwrite|_pfn_mkwrite)$")
_FAULT_FIELDS = {"fault", "huge_fault", "page_mkwrite", "pfn_mkwrite", "map_pages"}


@dataclass
class Held:
    what: str  # "spin_lock(&ptl)", "a journal handle (ext4_journal_start_sb(...))"
    line: int
    atomic: bool  # True: nothing may sleep; False: only no filesystem recursion
    release: re.Pattern  # the calls that end it


@cache
def _data() -> dict:
    text = resources.files("reviewbot.checks").joinpath("data", "contexts.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for group in ("spinlocks", "fs_contexts"):
        for entry in data[group]:
            entry["take_re"], entry["release_re"] = re.compile(entry["take"]), re.compile(entry["release"])
    for key in ("sleeping", "sleeping_flags", "fs_flags"):
        data[key + "_re"] = re.compile(data[key])
    return data


def held_at(calls: list[CallSite], line: int) -> list[Held]:
    """What the function holds just before ``line``, from its calls above it (in source order)."""
    data = _data()
    held: list[Held] = []
    for call in sorted(calls, key=lambda c: (c.line, c.column)):
        if call.line >= line:
            break
        for group, atomic in (("spinlocks", True), ("fs_contexts", False)):
            for entry in data[group]:
                if entry["take_re"].search(call.callee):
                    label = f"{call.callee}({', '.join(call.args)})"
                    what = label if atomic else f"{entry['what']} ({label})"
                    held.append(Held(what, call.line, atomic, entry["release_re"]))
        for i in range(len(held) - 1, -1, -1):  # a release ends the latest matching context
            if held[i].release.search(call.callee):
                del held[i]
                break
    return held


def _fault_handlers(facts: FileFacts) -> set[str]:
    names = {f.name for f in facts.functions if _FAULT_NAME.search(f.name)}
    names |= {v.function for v in facts.values if v.field in _FAULT_FIELDS}
    return names


def check_step(step: StepResult, cache: FactsCache | None = None) -> list[Finding]:
    data = _data()
    findings: list[Finding] = []
    for cf in changed_c_files(step):
        path, facts, added = cf.path, cf.after, {cf.path: cf.change.added}
        faults = _fault_handlers(facts)
        for number, text in sorted(added[path].items()):
            fn = next((f for f in facts.functions if f.start_line < number <= f.end_line), None)
            if fn is None:
                continue
            calls = [c for c in facts.calls if c.caller == fn.name]
            on_line = [c for c in calls if c.line == number]
            held = held_at(calls, number)
            atomic = [h for h in held if h.atomic]
            sleeping_flag = data["sleeping_flags_re"].search(text)
            fs_flag = data["fs_flags_re"].search(text)
            sleeper = next((c.callee for c in on_line if data["sleeping_re"].search(c.callee)), None)
            if atomic and (sleeping_flag and "GFP_ATOMIC" not in text and "GFP_NOWAIT" not in text or sleeper):
                h = atomic[-1]
                what = f"{sleeping_flag.group(1)} allocation" if sleeping_flag else f"{sleeper}(), which may sleep,"
                findings.append(Finding(path, number, RULE, Severity.ERROR,
                                        f"{what} under {h.what}, taken at {path}:{h.line}: this may sleep in atomic "
                                        f"context", step.patch.index,
                                        "use GFP_ATOMIC/GFP_NOWAIT, or allocate before taking the lock"))
                continue
            if not fs_flag:
                continue
            fs_held = [h for h in held if not h.atomic]
            if fs_held:
                h = fs_held[-1]
                findings.append(Finding(path, number, RULE, Severity.WARNING,
                                        f"{fs_flag.group(1)} allocation while holding {h.what}, "
                                        f"taken at {path}:{h.line}: "
                                        f"reclaim may recurse into the filesystem and deadlock", step.patch.index,
                                        "use GFP_NOFS, or memalloc_nofs_save()/restore() around the section"))
            elif fn.name in faults:
                findings.append(Finding(path, number, RULE, Severity.WARNING,
                                        f"{fs_flag.group(1)} allocation in {fn.name}(), a page-fault handler: the "
                                        f"fault path may already hold filesystem locks", step.patch.index,
                                        "use GFP_NOFS (or the fault's vmf->gfp_mask without __GFP_FS)"))
    return findings
