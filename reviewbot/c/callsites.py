"""Every call site of every changed API, checked after every patch (bisectability).

For each function whose callers a patch can break (parameters changed, removed, renamed, made
static), the files that mention it are found with a whole-word grep of the tree as it stands after
the patch; only those are parsed. Each call is checked against what its name resolves to there
(resolve.py): a function moved to another file, a compatibility macro, a static of the same name
in the caller's file, another arch's or program's definition are what the call builds against.
A call site that does not build after patch k and builds again after patch m means the series
does not build at k: each such run of patches is its own finding. Sites that did not match before
the series either are not the series' doing. Uses as a value (ops tables) and macros that wrap
the function cannot be checked by counting arguments and are reported as such.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from reviewbot.c.api import ApiChange, api_changes
from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import FileFacts, Signature, extract
from reviewbot.c.kbuild import reachable as kbuild_reachable
from reviewbot.c.members import member_stores, member_type
from reviewbot.c.resolve import Includes, Target, accepts, candidates, expected, linkage, reaches, resolve, shadowed
from reviewbot.c.tree import TreeSource
from reviewbot.c.values import FnType, describe, expected_type, mismatch, value_sites
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

API_CALLER = Check(
    id="RB-API-CALLER", severity=Severity.ERROR, scope="tree-wide, after every patch",
    title="A call that does not match the API in force after a patch (tree-wide, after every patch: "
          "bisectability).",
    what="""After every patch of the series, every call site in the tree of every function the series
        changes is checked against what its name resolves to then: the definition moved to another file
        or renamed with its file, a compatibility macro (its parameter count, then the function it
        expands to), a static of the same name in the caller's own file; other arches' and userspace
        programs' definitions are not the caller's. The kernel's Makefiles say the rest where they
        can (obj-y, obj-$(CONFIG_X), foo-y / foo-objs, lib-y; bool or tristate from Kconfig): a
        global of the caller's own module wins, one in another module counts only if exported, and
        alternatives under different CONFIG options that the build does not separate leave the call
        "unsure" (a warning), never an error. Checked: the number of arguments, whether it still
        exists, and uses as a value (an argument, a struct member: ".fault = f", "ops->fault = f")
        against the parameter's or member's function-pointer type where the tree declares it (the
        parameter count, and each parameter's type where both are plain C types). Each run of
        patches at which a call does not build is reported, with the patch that repairs it, if any.""",
    why="""Every caller of a changed function must follow in the same patch, or the series does not build
        at every step and git bisect stops there; a caller never updated breaks the build for good.""",
    example="""
        -vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn);
        +vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn,
        +                bool mkwrite);
        /* drivers/dax/device.c, unchanged: */
            return vmf_insert_mixed(vmf->vma, vmf->address, pfn);""",
    instead="""
        /* the same patch updates every caller */
            return vmf_insert_mixed(vmf->vma, vmf->address, pfn, false);""",
    fixtures=("series/insert-pfn-mkwrite", "checks/callsites"))

API_UNCHECKED = Check(
    id="RB-API-UNCHECKED", severity=Severity.INFO, scope="tree-wide, after every patch",
    title="Uses of a changed function that cannot be checked by counting arguments (ops tables, macros).",
    what="""Lists the uses of a function the series changes that are not plain calls and whose type
        reviewbot cannot check: stored in a member or passed for a parameter whose type the tree does
        not settle, or called through a macro (info); and, as warnings, calls and uses that reviewbot
        cannot tie for sure to the changed function (another definition, under another CONFIG option
        or in a file no Makefile places, would take them).""",
    why="""A changed signature breaks these too, but only the compiler's type check sees it: a reviewer
        checks them by hand.""",
    example="""
        static const struct vm_operations_struct dax_vm_ops = {
            .fault = dax_fault,  /* dax_fault()'s parameters changed */""",
    instead="""
        /* change the member's type (and every other function stored there) in the same patch */""",
    fixtures=("checks/callsites",))

C_SUFFIXES = (".c", ".h")


@dataclass
class Contract:
    """Callers of ``name`` must build against the tree after ``patch``, which changed it."""

    name: str
    sig: Signature | None  # None: the function is gone from the file that changed
    change: ApiChange
    patch: int
    old_static: bool = False  # the definition the patch changed was static (only its file could call it)
    old_exported: bool = False  # the file the patch changed exported it (other modules could call it)


@dataclass
class Problem:
    key: tuple  # identity across patches: (file, caller, callee, n-th call of callee in caller)
    file: str
    line: int
    caller: str | None
    callee: str
    text: str


@dataclass
class CallCheck:
    problems: list[Problem] = field(default_factory=list)
    unchecked: list[Problem] = field(default_factory=list)
    unsure: list[Problem] = field(default_factory=list)  # would not build if the call reaches the changed definition


def _where(caller: str | None) -> str:
    return f"{caller}()" if caller else "file scope"


class Checker:
    """The call sites of changed functions in one tree, each against what its name resolves to."""

    def __init__(self, tree: TreeSource, cache: FactsCache):
        self.tree, self.cache = tree, cache
        self.includes = Includes(tree)

    def check(self, contract: Contract) -> CallCheck:
        result = CallCheck()
        name = contract.name
        res = resolve(name, self.tree, self.cache)
        define = re.compile(rb"^\s*#\s*define\s+(\w+).*\b" + re.escape(name.encode()) + rb"\b", re.MULTILINE)
        for path, facts in res.facts.items():
            data = res.texts.get(path, b"")
            seen: dict[tuple, int] = {}
            for call in facts.calls:
                if call.callee != name:
                    continue
                n = seen.get((call.caller, name), 0)
                seen[(call.caller, name)] = n + 1
                if shadowed(facts, data, call.caller, name, call.line):
                    continue
                key = (path, call.caller, name, n)
                self._check_call(contract, res, path, facts, call, key, result)
            self._check_prototypes(contract, res, path, facts, result)
            self._check_values(contract, res, path, facts, data, result)
            if any(use.function == name for use in facts.values):
                self._check_members(contract, res, path, data, result)
            for m in define.finditer(data):
                if m.group(1).decode() == name:
                    continue  # the name's own macro: calls are checked through it
                line = data.count(b"\n", 0, m.start()) + 1
                result.unchecked.append(Problem((path, None, name, "macro", line), path, line, None, name,
                                                f"a macro in {path} wraps {name}(): its users are not checked"))
        return result

    def _check_call(self, contract: Contract, res, path: str, facts: FileFacts, call, key, result: CallCheck) -> None:
        name = contract.name
        where = _where(call.caller)
        nargs = len(call.args)
        reachable = candidates(res, path)
        if not reachable:
            if self._reached_old(contract, path, res):
                result.problems.append(Problem(key, path, call.line, call.caller, name,
                                               f"{where} still calls {name}(), which patch {contract.patch} "
                                               f"{contract.change.detail}"))
            return
        verdicts = [accepts(t, nargs, self.tree, self.cache, path) for t in reachable]
        changed = [v for t, v in zip(reachable, verdicts) if t.file == contract.change.file]
        if any(v.ok for v in verdicts):
            if changed and not any(v.ok for v in changed):
                bad = changed[0]
                ok = next(v for v in verdicts if v.ok)
                result.unsure.append(Problem(key, path, call.line, call.caller, name,
                                             f"unsure: {where} calls {name}() {bad.why} after patch {contract.patch}, "
                                             f"but it matches {ok.target.describe() if ok.target else 'another'}; "
                                             f"which one this file is built with is not settled"))
            elif contract.change.kind == "removed" and self._declaration_lost(res, path, facts, reachable):
                ok = next(v for v in verdicts if v.ok)
                result.problems.append(Problem(key, path, call.line, call.caller, name,
                                               f"{where} calls {name}(), which patch {contract.patch} moved to "
                                               f"{ok.target.file}:{ok.target.line}; {path} includes no header "
                                               f"that declares it"))
            return
        bad = changed[0] if changed else verdicts[0]
        text = self._mismatch_text(contract, where, nargs, bad)
        if self._certain(res, path, facts, reachable):
            result.problems.append(Problem(key, path, call.line, call.caller, name, text))
        else:
            result.unsure.append(Problem(key, path, call.line, call.caller, name,
                                         f"unsure: {text}; {path} includes no header that declares {name}()"))

    @staticmethod
    def _mismatch_text(contract: Contract, where: str, nargs: int, verdict) -> str:
        name = contract.name
        target = verdict.target
        if target is not None and target.sig is not None and not verdict.through:
            n = "argument" if nargs == 1 else "arguments"
            moved = "" if target.file == contract.change.file else f" at {target.file}:{target.line}"
            return (f"{where} calls {name}() with {nargs} {n}; after patch {contract.patch} it takes "
                    f"{expected(target.sig)} ({target.sig.render()}{moved})")
        through = f" {verdict.through}" if verdict.through else ""
        return f"{where} calls {name}(){through} {verdict.why} after patch {contract.patch}"

    def _reached_old(self, contract: Contract, path: str, res) -> bool:
        """Whether a call in ``path`` could reach the definition the patch removed or hid: not
        from another module the Makefiles name when it was not exported."""
        old = contract.change
        if contract.change.kind == "made-static":
            return path != old.file
        was_static = old.before is not None and contract.old_static
        if was_static and path != old.file:
            return False
        if kbuild_reachable(linkage(res, path, old.file), contract.old_exported or res.exported) is False:
            return False
        return reaches(path, old.file)

    def _certain(self, res, path: str, facts: FileFacts, reachable: list[Target]) -> bool:
        """The call surely reaches what it was checked against: same file, its own prototype, a
        header it includes declares the name, or the Makefiles link it with the definition (its
        own module, or both built in) where the include graph says it sees no declaration."""
        name = res.name
        if any(t.file == path for t in reachable) or any(p.sig.name == name for p in facts.prototypes):
            return True
        headers = res.declaring_headers
        if not headers or self.includes.sees(path, headers) is not False:
            return True
        defs = [t for t in reachable if t.sig is not None and not t.in_header]
        return bool(defs) and all(kbuild_reachable(linkage(res, path, t.file), True) for t in defs)

    def _declaration_lost(self, res, path: str, facts: FileFacts, reachable: list[Target]) -> bool:
        """A function moved to another file whose declaration moved to a header ``path`` does not
        include (the caller's update added the #include): gcc stops at the implicit declaration.
        Only where the include graph settles it (a search cut short, or a header missing from an
        excerpt of the tree, says nothing)."""
        name = res.name
        if any(t.file == path or t.macro is not None for t in reachable) or \
                any(p.sig.name == name for p in facts.prototypes):
            return False
        headers = res.declaring_headers
        return bool(headers) and self.includes.sees(path, headers) is False

    def _check_values(self, contract: Contract, res, path: str, facts: FileFacts, data: bytes,
                      result: CallCheck) -> None:
        """A function passed as an argument, assigned or returned must still exist, and where the
        slot's function-pointer type is in the tree, take as many parameters as that type."""
        name = contract.name
        seen: dict[str | None, int] = {}
        for site in value_sites(name, path, data, facts):
            n = seen.get(site.caller, 0)
            seen[site.caller] = n + 1
            key = (path, site.caller, name, "value", n)
            where, how = _where(site.caller), describe(site)
            reachable = [t for t in candidates(res, path) if t.sig is not None]
            if not reachable:
                macro = any(t.macro is not None for t in candidates(res, path))
                if not macro and self._reached_old(contract, path, res):
                    result.problems.append(Problem(key, path, site.line, site.caller, name,
                                                   f"{where}: {name} is {how}, but patch {contract.patch} "
                                                   f"{contract.change.detail}"))
                continue
            want, ptype = expected_type(site, self.tree, self.cache)
            if want is None:
                result.unchecked.append(Problem(key, path, site.line, site.caller, name,
                                                f"{where}: {name} is {how}: its type must match the "
                                                f"{'parameter' if site.use == 'argument' else 'target'}'s, "
                                                f"which reviewbot cannot check"))
                continue
            self._check_fit(contract, reachable, want, Problem(key, path, site.line, site.caller, name,
                                                               f"{where}: {name} is {how}, whose type {ptype}"), result)

    def _check_members(self, contract: Contract, res, path: str, data: bytes, result: CallCheck) -> None:
        """A function stored in a struct member (".fault = f", "ops->fault = f") must fit the
        member's declared function-pointer type, where the tree declares it."""
        name = contract.name
        reachable = [t for t in candidates(res, path) if t.sig is not None]
        seen: dict[str, int] = {}
        for store in member_stores(name, path, data, self.tree):
            n = seen[store.field] = seen.get(store.field, -1) + 1
            key = (path, None, name, "value", store.field, n)
            member = member_type(store.struct, store.field, path, self.tree) if store.struct else None
            if member is None or member.fn is None or not reachable:
                result.unchecked.append(Problem(key, path, store.line, None, name,
                                                f"{name} is stored in .{store.field}: its type must match "
                                                f"the member's, which reviewbot cannot check"))
                continue
            self._check_fit(contract, reachable, member.fn, Problem(
                key, path, store.line, None, name,
                f"{name} is stored in .{store.field} of struct {store.struct}, whose type ({member.fn.text})"), result)

    @staticmethod
    def _check_fit(contract: Contract, reachable: list[Target], slot: FnType, site: Problem,
                   result: CallCheck) -> None:
        """A function used as a value of type ``slot``: an error when no definition it can reach
        fits; unsure when the changed one does not but another (another config's) does."""
        name = contract.name
        fits = [(t, mismatch(slot, t.sig)) for t in reachable]
        considered = [(t, why) for t, why in fits if t.file == contract.change.file] or fits
        if any(why is None for _, why in considered):
            return
        target, why = considered[0]
        text = (f"{site.text} {why}; after patch {contract.patch} {name}() takes {expected(target.sig)} "
                f"({target.sig.render()})")
        other = next((t for t, w in fits if w is None), None)
        if other is None:
            result.problems.append(replace(site, text=text))
        else:
            result.unsure.append(replace(site, text=f"unsure: {text}, but it fits {other.describe()}; which one "
                                                    f"this file is built with is not settled"))

    def _check_prototypes(self, contract: Contract, res, path: str, facts: FileFacts, result: CallCheck) -> None:
        name = contract.name
        for proto in facts.prototypes:
            if proto.sig.name != name:
                continue
            defs = [t for t in candidates(res, path) if t.sig is not None]
            if not defs or any(t.sig.arity == proto.sig.arity and t.sig.variadic == proto.sig.variadic for t in defs):
                continue
            target = next((t for t in defs if t.file == contract.change.file), None)
            if target is None:
                continue
            result.problems.append(Problem(
                (path, None, name, "prototype"), path, proto.line, None, name,
                f"the prototype of {name}() still declares {proto.sig.arity} parameters; after patch "
                f"{contract.patch} the definition takes {expected(target.sig)} ({target.sig.render()})"))


def check_contract(contract: Contract, tree: TreeSource, cache: FactsCache) -> CallCheck:
    """Problems with the callers of one function in ``tree``."""
    return Checker(tree, cache).check(contract)


def contracts_of_step(step: StepResult, index: int) -> list[Contract]:
    """The caller-visible API changes one applied patch makes, from its changed C files."""
    contracts: list[Contract] = []
    for path, change in step.changed.items():
        if not path.endswith(C_SUFFIXES):
            continue
        before = extract(change.before, path) if change.before is not None else None
        after = extract(change.after, path) if change.after is not None else None
        if before is None and after is None:
            continue
        for api in api_changes(before, after, change.before, change.after):
            if not api.breaks_callers:
                continue
            old = before.function(api.name) if before is not None else None
            sig = api.after if api.kind in ("params", "made-static") else None
            exported = before is not None and any(e.name == api.name for e in before.exports)
            contracts.append(Contract(api.name, sig, api, index, bool(old and old.is_static), exported))
    return _prefer_definitions(contracts)


def _prefer_definitions(contracts: list[Contract]) -> list[Contract]:
    """A function whose definition and prototype both changed is one contract (the definition's)."""
    by_name: dict[str, Contract] = {}
    for c in contracts:
        have = by_name.get(c.name)
        if have is None or (have.change.file.endswith(".h") and c.change.file.endswith(".c")):
            by_name[c.name] = c
    return list(by_name.values())


def _runs(present: set[int], applied: list[int]) -> list[tuple[int, int | None]]:
    """(first patch, repairing patch or None) of each run of applied patches at which a site is broken."""
    runs: list[tuple[int, int | None]] = []
    start = None
    for index in applied:
        if index in present and start is None:
            start = index
        elif index not in present and start is not None:
            runs.append((start, index))
            start = None
    if start is not None:
        runs.append((start, None))
    return runs


def verify_series(steps: list[StepResult], cache: FactsCache) -> tuple[list[Finding], list[Contract]]:
    """Findings for every call site that does not match the API in force after each patch."""
    contracts: dict[str, Contract] = {}
    before_series: dict[str, set[tuple]] = {}  # per name: sites that did not match before it changed
    history: dict[tuple, dict[int, Problem]] = {}
    unchecked: dict[tuple, tuple[int, Problem]] = {}
    unsure: dict[tuple, tuple[int, Problem]] = {}
    all_contracts: list[Contract] = []
    previous: TreeSource | None = steps[0].tree_after.base if steps else None
    for step in steps:
        index = step.patch.index
        if not step.applied:
            continue
        checker = Checker(step.tree_after, cache)
        for c in contracts_of_step(step, index):
            if c.name not in before_series and previous is not None:
                old = Checker(previous, cache).check(c)
                before_series[c.name] = {p.key for p in old.problems} | {p.key for p in old.unsure}
            contracts[c.name] = c
            all_contracts.append(c)
        for contract in contracts.values():
            check = checker.check(contract)
            known = before_series.get(contract.name, set())
            for p in check.problems:
                if p.key not in known:
                    history.setdefault(p.key, {}).setdefault(index, p)
            for p in check.unsure:
                if p.key not in known:
                    unsure.setdefault(p.key, (index, p))
            for p in check.unchecked:
                unchecked.setdefault(p.key, (index, p))
        previous = step.tree_after
    applied = [s.patch.index for s in steps if s.applied]
    findings = []
    for seen in history.values():
        for first, repaired in _runs(set(seen), applied):
            problem = seen[first]
            if repaired is not None:
                message = (f"{problem.text}: the series does not build at patch {first}; "
                           f"patch {repaired} repairs it")
            else:
                message = f"{problem.text}: not updated anywhere in the series"
            hint = f"update this call in patch {first}, together with the API change"
            findings.append(API_CALLER.finding(problem.file, problem.line, message, first, hint))
    for index, problem in unsure.values():
        findings.append(API_UNCHECKED.finding(problem.file, problem.line, problem.text, index,
                                              severity=Severity.WARNING))
    for index, problem in unchecked.values():
        findings.append(API_UNCHECKED.finding(problem.file, problem.line, problem.text, index))
    findings.sort(key=lambda f: (f.patch or 0, f.file, f.line))
    return findings, all_contracts

