"""Allocation context: "don't add __GFP_FS here: the fault handler already holds filesystem locks".

On every line a patch adds inside a function, allocation flags and sleeping calls are checked
against what the function holds at that point, read from the calls above it in the same body
(data/contexts.yaml): under a spinlock or an RCU/preempt-off section nothing may sleep; under a
journal handle, freeze protection or a filesystem lock, and in page-fault handlers, an allocation
must not recurse into the filesystem (no GFP_KERNEL / __GFP_FS: use GFP_NOFS or
memalloc_nofs_save()).

What the function is called under counts too (call_context.py): a parameter of a transaction's
type (``handle_t *``), or callers that hold a lock or transaction when they call it, a few levels
up the tree. A new sleeping or __GFP_FS-able allocation is reported from callers only when all of
them are known and all hold such a context; a patch that removes a constraint (GFP_NOFS/GFP_NOIO
become GFP_KERNEL, a ``~__GFP_FS`` is dropped, ``__GFP_FS`` is or-ed into a mask, a
memalloc_nofs_save() section is removed) is reported when any caller chain holds one, and the
finding names that chain. A nofs scope that dominates the line (memalloc_nofs_save(), a jbd2
handle or an XFS transaction, which open one) makes GFP_KERNEL safe: nothing is said there.

The scan of the calls above a line is linear (branches are not followed): a release on an error
path counts as a release. That errs towards silence, which is the right side for a review bot.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import CallSite, FileFacts, FunctionDef
from reviewbot.checks.call_context import CallerContext, CallGraph
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check
from reviewbot.rules.engine import code_only

RULE = "RB-ALLOC-CONTEXT"
CHECK = Check(
    id=RULE, severity=Severity.WARNING, scope="added lines",
    title="A sleeping or filesystem-recursing allocation under a spinlock, a journal handle, a filesystem "
          "lock or in a fault handler, or a patch that drops GFP_NOFS there.",
    what="""On every line a patch adds inside a function, checks the allocation flags and sleeping calls
        against what the function holds at that point (spinlocks, RCU or preempt-off sections, journal
        handles, freeze protection, filesystem locks, being a page-fault handler), read from the calls
        above the line in the same body, from its parameters (a `handle_t *` or another transaction), and
        from its callers a few levels up the tree: when all of them hold such a context, the finding
        names the caller chain. A patch that removes a constraint (GFP_NOFS/GFP_NOIO become GFP_KERNEL,
        `~__GFP_FS` dropped, `__GFP_FS` or-ed into a mask, a memalloc_nofs_save() section dropped) is
        reported when any caller chain holds one. A memalloc_nofs_save() section, a jbd2 handle or an
        XFS transaction that covers the line makes GFP_KERNEL safe: nothing is said there. Under a
        spinlock it is an error.""",
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
    release: re.Pattern | None  # the calls that end it (None: a parameter, held throughout)
    nofs_scope: bool = False  # it opens a memalloc_nofs scope: allocations inside are NOFS already
    column: int = 0

    def where(self, path: str) -> str:
        if self.release is None:
            return f"in {self.what}"
        return f"holds {self.what} at {path}:{self.line}"


@cache
def _data() -> dict:
    text = resources.files("reviewbot.checks").joinpath("data", "contexts.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for group in ("spinlocks", "fs_contexts"):
        for entry in data[group]:
            entry["take_re"], entry["release_re"] = re.compile(entry["take"]), re.compile(entry["release"])
    for entry in data["transaction_params"]:
        entry["type_re"] = re.compile(entry["type"])
    for key in ("sleeping", "sleeping_flags", "fs_flags", "constraint_flags", "masked_fs", "scope_calls"):
        data[key + "_re"] = re.compile(data[key])
    return data


def param_contexts(fn: FunctionDef) -> list[Held]:
    """The transactions a function runs in because it is handed one: ``handle_t *handle``."""
    out = []
    for param in fn.sig.params:
        for entry in _data()["transaction_params"]:
            if param.name and entry["type_re"].search(param.type):
                sep = "" if param.type.endswith("*") else " "
                out.append(Held(f"{entry['what']} ({param.type}{sep}{param.name})", fn.line, False, None,
                                bool(entry.get("nofs_scope"))))
    return out


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
                    held.append(Held(what, call.line, atomic, entry["release_re"], bool(entry.get("nofs_scope")),
                                     call.column))
        for i in range(len(held) - 1, -1, -1):  # a release ends the latest matching context
            if held[i].release is not None and held[i].release.search(call.callee):
                del held[i]
                break
    return held


def _fault_handlers(facts: FileFacts) -> set[str]:
    names = {f.name for f in facts.functions if _FAULT_NAME.search(f.name)}
    names |= {v.function for v in facts.values if v.field in _FAULT_FIELDS}
    return names


def _fs_flag(code: str) -> re.Match | None:
    """A flag that lets reclaim enter the filesystem; "& ~__GFP_FS" takes it out, not in."""
    data = _data()
    return data["fs_flags_re"].search(data["masked_fs_re"].sub(" ", code))


@dataclass
class Removal:
    """A constraint a patch removes: its line after the patch and what it did."""

    line: int
    what: str  # "replaces GFP_NOFS by GFP_KERNEL", "drops memalloc_nofs_save()", ...


def removals(before: bytes | None, after: bytes) -> list[Removal]:
    """What a change of one file removes that kept allocations out of the filesystem, block by
    block of the line diff: GFP_NOFS/GFP_NOIO replaced by GFP_KERNEL, a "~__GFP_FS" dropped,
    __GFP_FS or-ed into a mask, a memalloc_nofs_save()/memalloc_noio_save() call dropped."""
    data = _data()
    if before is None:
        return []
    old_text, new_text = before.decode("utf-8", "replace"), after.decode("utf-8", "replace")
    kernel, fs = re.compile(r"\bGFP_KERNEL\b"), re.compile(r"\b__GFP_FS\b")
    if not (data["constraint_flags_re"].search(old_text) or data["masked_fs_re"].search(old_text)
            or data["scope_calls_re"].search(old_text) or fs.search(new_text)):
        return []  # nothing a change could remove or add: no line diff needed (it is the costly part)
    old, new = old_text.split("\n"), new_text.split("\n")
    out: list[Removal] = []
    # the lines both share at the start and the end are left out of the diff: difflib is quadratic
    # in what it is given, and a patch changes a few places of a long file
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    matcher = difflib.SequenceMatcher(None, old[head:len(old) - tail], new[head:len(new) - tail], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
        gone = [code_only(t) for t in old[i1:i2]]
        come = [code_only(t) for t in new[j1:j2]]
        at = min(j1 + 1, len(new))  # a deletion: the line now standing where it stood
        lines = {name: [j1 + 1 + k for k, t in enumerate(come) if pattern.search(data["masked_fs_re"].sub(" ", t))]
                 for name, pattern in (("kernel", kernel), ("fs", fs))}

        def more(pattern: re.Pattern, a: list[str], b: list[str], unmask: bool = False) -> bool:
            def count(texts: list[str]) -> int:
                return sum(len(pattern.findall(data["masked_fs_re"].sub(" ", t) if unmask else t)) for t in texts)
            return count(a) > count(b)
        if more(data["constraint_flags_re"], gone, come) and lines["kernel"]:
            flag = next(data["constraint_flags_re"].search(t).group(1) for t in gone
                        if data["constraint_flags_re"].search(t))
            out.append(Removal(lines["kernel"][0], f"replaces {flag} by GFP_KERNEL"))
        if more(data["masked_fs_re"], gone, come):
            out.append(Removal(at, "drops ~__GFP_FS from the allocation mask"))
        if more(fs, come, gone, unmask=True) and lines["fs"]:
            out.append(Removal(lines["fs"][0], "ors __GFP_FS into the allocation mask"))
        if more(data["scope_calls_re"], gone, come):
            call = next(data["scope_calls_re"].search(t).group(1) for t in gone if data["scope_calls_re"].search(t))
            out.append(Removal(at, f"drops its {call}() section"))
    return out


def _where(fn: FunctionDef, graph: CallGraph, path: str, calls: list[CallSite], line: int
           ) -> tuple[list[Held], bool]:
    """What ``fn`` holds at ``line`` (its own calls and parameters), and whether a nofs scope
    covers the line there."""
    held = held_at(calls, line) + param_contexts(fn)
    protected = any(h.nofs_scope and (h.release is None or graph.dominates(path, h.line, h.column, line))
                    for h in held)
    return [h for h in held if not h.nofs_scope], protected


def _chains(function: str, ctx: CallerContext, under: list) -> str:
    """The shortest chain of ``under`` and how many of the callers' chains it stands for."""
    shown = sorted(under, key=lambda p: len(p.hops))[0].render(function)
    kind = under[0].held.what.split(" (")[0]
    if ctx.complete and len(under) == len(ctx.paths):
        many = f"all {len(under)} caller chains hold one, e.g. " if len(under) > 1 else ""
        return f"its callers hold {kind}: {many}{shown}"
    known = "" if ctx.complete else " known"
    return f"it is called with {kind} held: {shown} ({len(under)} of {len(ctx.paths)}{known} caller chains)"


_HINTS = {
    "ors": "don't add __GFP_FS here: the callers already hold filesystem locks; keep the mask they pass "
           "(or GFP_NOFS)",
    "replaces": "keep GFP_NOFS/GFP_NOIO here, or open a memalloc_nofs_save() section where the lock is taken",
    "drops": "keep the allocation out of the filesystem here (GFP_NOFS, the caller's mask, or the "
             "memalloc_nofs_save() section)",
}


def check_step(step: StepResult, cache: FactsCache | None = None) -> list[Finding]:
    data = _data()
    cache = cache or FactsCache(enabled=False)
    findings: list[Finding] = []
    files = list(changed_c_files(step))
    graph = CallGraph(step.tree_after, cache, {cf.path: (cf.after, cf.change.after) for cf in files})
    contexts: dict[tuple[str, str], CallerContext] = {}

    def callers(fn: FunctionDef) -> CallerContext:
        if (fn.file, fn.name) not in contexts:
            contexts[(fn.file, fn.name)] = graph.context_of(fn)
        return contexts[(fn.file, fn.name)]

    def enclosing(facts: FileFacts, number: int) -> FunctionDef | None:
        return next((f for f in facts.functions if f.start_line < number <= f.end_line), None)

    for cf in files:
        path, facts = cf.path, cf.after
        faults = _fault_handlers(facts)
        reported: set[int] = set()
        for removal in removals(cf.change.before, cf.change.after):
            fn = enclosing(facts, removal.line)
            if fn is None:
                continue
            calls = [c for c in facts.calls if c.caller == fn.name and fn.start_line <= c.line <= fn.end_line]
            held, protected = _where(fn, graph, path, calls, removal.line)
            if protected:
                continue
            fs_held = [h for h in held if not h.atomic]
            if fs_held:
                h = fs_held[-1]
                why = f"it holds {h.what}, " + (f"taken at {path}:{h.line}" if h.release is not None
                                                 else f"a parameter of {fn.name}()")
            else:
                ctx = callers(fn)
                under = ctx.under(atomic=False)
                if not under:
                    continue
                why = _chains(fn.name, ctx, under)
            findings.append(Finding(path, removal.line, RULE, Severity.WARNING,
                                    f"{fn.name}() {removal.what}, but {why}: reclaim may recurse into the "
                                    f"filesystem and deadlock", step.patch.index,
                                    _HINTS[removal.what.split()[0]]))
            reported.add(removal.line)
        for number, text in sorted(cf.change.added.items()):
            fn = enclosing(facts, number)
            if fn is None or number in reported:
                continue
            code = code_only(text)
            calls = [c for c in facts.calls if c.caller == fn.name and fn.start_line <= c.line <= fn.end_line]
            on_line = [c for c in calls if c.line == number]
            held = held_at(calls, number)
            atomic = [h for h in held if h.atomic]
            sleeping_flag = data["sleeping_flags_re"].search(code)
            fs_flag = _fs_flag(code)
            sleeper = next((c.callee for c in on_line if data["sleeping_re"].search(c.callee)), None)
            sleeps = bool(sleeping_flag and "GFP_ATOMIC" not in code and "GFP_NOWAIT" not in code or sleeper)
            if atomic and sleeps:
                h = atomic[-1]
                what = f"{sleeping_flag.group(1)} allocation" if sleeping_flag else f"{sleeper}(), which may sleep,"
                findings.append(Finding(path, number, RULE, Severity.ERROR,
                                        f"{what} under {h.what}, taken at {path}:{h.line}: this may sleep in atomic "
                                        f"context", step.patch.index,
                                        "use GFP_ATOMIC/GFP_NOWAIT, or allocate before taking the lock"))
                continue
            if not fs_flag:
                continue
            fs_held, protected = _where(fn, graph, path, calls, number)
            if protected:
                continue
            fs_held = [h for h in fs_held if not h.atomic]
            if fs_held:
                h = fs_held[-1]
                where = f"taken at {path}:{h.line}" if h.release is not None else f"a parameter of {fn.name}()"
                findings.append(Finding(path, number, RULE, Severity.WARNING,
                                        f"{fs_flag.group(1)} allocation while holding {h.what}, {where}: "
                                        f"reclaim may recurse into the filesystem and deadlock", step.patch.index,
                                        "use GFP_NOFS, or memalloc_nofs_save()/restore() around the section"))
                continue
            ctx = callers(fn)
            if sleeps and ctx.complete and ctx.paths and len(ctx.under(atomic=True)) == len(ctx.paths):
                under = ctx.under(atomic=True)
                findings.append(Finding(path, number, RULE, Severity.ERROR,
                                        f"{fs_flag.group(1)} allocation in {fn.name}(), but "
                                        f"{_chains(fn.name, ctx, under)}: this may sleep in atomic context",
                                        step.patch.index, "use GFP_ATOMIC/GFP_NOWAIT, or allocate before the callers "
                                                          "take the lock"))
            elif ctx.complete and ctx.paths and len(ctx.under(atomic=False)) == len(ctx.paths):
                under = ctx.under(atomic=False)
                findings.append(Finding(path, number, RULE, Severity.WARNING,
                                        f"{fs_flag.group(1)} allocation in {fn.name}(), but "
                                        f"{_chains(fn.name, ctx, under)}: reclaim may recurse into "
                                        f"the filesystem and deadlock", step.patch.index,
                                        "use GFP_NOFS, or memalloc_nofs_save()/restore() around the section"))
            elif fn.name in faults and not (ctx.complete and ctx.paths):
                # the name or an ops table says fault handler; callers known whole and holding no
                # filesystem lock say the fault path brings none (device-dax, the handler's own top)
                findings.append(Finding(path, number, RULE, Severity.WARNING,
                                        f"{fs_flag.group(1)} allocation in {fn.name}(), a page-fault handler: the "
                                        f"fault path may already hold filesystem locks", step.patch.index,
                                        "use GFP_NOFS (or the fault's vmf->gfp_mask without __GFP_FS)"))
    return findings
