"""Every call site of every changed API, checked after every patch (bisectability).

For each function whose callers a patch can break (parameters changed, removed, renamed, made
static), the files that mention it are found with a whole-word grep of the tree as it stands after
the patch; only those are parsed. Each call must pass as many arguments as the signature in force
then takes. A call that is wrong after patch k and right again after patch m means the series does
not build at k: the finding names both patches. Uses as a value (ops tables) and macros that wrap
the function cannot be checked by counting arguments and are reported as such.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewbot.c.api import ApiChange, api_changes
from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import Signature, extract
from reviewbot.c.tree import TreeSource
from reviewbot.model import Finding, Severity, Skipped

C_SUFFIXES = (".c", ".h")


@dataclass
class Contract:
    """What callers of ``name`` must do after some patch: pass ``sig``'s arguments, or not call it."""

    name: str
    sig: Signature | None  # None: the function is gone
    change: ApiChange
    patch: int
    static_file: str | None = None  # a static function only has callers in its own file


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


def _expected(sig: Signature) -> str:
    return f"at least {sig.arity}" if sig.variadic else str(sig.arity)


def _arity_ok(sig: Signature, given: int) -> bool:
    if sig.variadic:
        return given >= sig.arity
    return given == sig.arity


def check_contract(contract: Contract, tree: TreeSource, cache: FactsCache) -> CallCheck:
    """Problems with the callers of one function in ``tree``."""
    result = CallCheck()
    name = contract.name
    files = [contract.static_file] if contract.static_file else tree.grep_word(name)
    define = re.compile(rb"^\s*#\s*define\s+\w+.*\b" + re.escape(name.encode()) + rb"\b", re.MULTILINE)
    for path in files:
        if not path.endswith(C_SUFFIXES):
            continue
        facts = cache.facts(tree, path)
        if facts is None:
            continue
        seen: dict[tuple, int] = {}
        for call in facts.calls:
            if call.callee != name:
                continue
            n = seen.get((call.caller, name), 0)
            seen[(call.caller, name)] = n + 1
            key = (path, call.caller, name, n)
            where = f"{call.caller}()" if call.caller else "file scope"
            if contract.sig is None:
                result.problems.append(Problem(key, path, call.line, call.caller, name,
                                               f"{where} still calls {name}(), which patch {contract.patch} "
                                               f"{contract.change.detail}"))
            elif not _arity_ok(contract.sig, len(call.args)):
                result.problems.append(Problem(
                    key, path, call.line, call.caller, name,
                    f"{where} calls {name}() with {len(call.args)} argument{'s' if len(call.args) != 1 else ''}; "
                    f"after patch {contract.patch} it takes {_expected(contract.sig)} ({contract.sig.render()})"))
        for proto in facts.prototypes:
            if proto.sig.name == name and contract.sig is not None and (
                    proto.sig.arity != contract.sig.arity or proto.sig.variadic != contract.sig.variadic):
                result.problems.append(Problem(
                    (path, None, name, "prototype"), path, proto.line, None, name,
                    f"the prototype of {name}() still declares {proto.sig.arity} parameters; after patch "
                    f"{contract.patch} the definition takes {_expected(contract.sig)} ({contract.sig.render()})"))
        for use in facts.values:
            if use.function == name:
                result.unchecked.append(Problem((path, None, name, "value", use.field), path, use.line, None, name,
                                                f"{name} is stored in .{use.field}: its type must match the "
                                                f"member's, which reviewbot does not check"))
        data = tree.read(path) or b""
        for m in define.finditer(data):
            line = data.count(b"\n", 0, m.start()) + 1
            result.unchecked.append(Problem((path, None, name, "macro", line), path, line, None, name,
                                            f"a macro in {path} wraps {name}(): its users are not checked"))
    return result


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
            static = None
            if after is not None and api.kind != "removed":
                fn = after.function(api.new_name or api.name)
                static = path if fn is not None and fn.is_static and path.endswith(".c") else None
            sig = api.after if api.kind in ("params", "made-static") else None
            contracts.append(Contract(api.name, sig, api, index, static))
    return _prefer_definitions(contracts)


def _prefer_definitions(contracts: list[Contract]) -> list[Contract]:
    """A function whose definition and prototype both changed is one contract (the definition's)."""
    by_name: dict[str, Contract] = {}
    for c in contracts:
        have = by_name.get(c.name)
        if have is None or (have.change.file.endswith(".h") and c.change.file.endswith(".c")):
            by_name[c.name] = c
    return list(by_name.values())


def verify_series(steps: list[StepResult], cache: FactsCache,
                  first_patch: int = 1) -> tuple[list[Finding], list[Skipped], list[Contract]]:
    """Findings for every call site that does not match the API in force after each patch."""
    contracts: dict[str, Contract] = {}
    history: dict[tuple, list[tuple[int, Problem]]] = {}
    unchecked: dict[tuple, tuple[int, Problem]] = {}
    all_contracts: list[Contract] = []
    for offset, step in enumerate(steps):
        index = step.patch.index if step.patch.index else first_patch + offset
        if not step.applied:
            continue
        for c in contracts_of_step(step, index):
            contracts[c.name] = c
            all_contracts.append(c)
        for contract in contracts.values():
            check = check_contract(contract, step.tree_after, cache)
            for p in check.problems:
                history.setdefault(p.key, []).append((index, p))
            for p in check.unchecked:
                unchecked.setdefault(p.key, (index, p))
    applied = [s.patch.index for s in steps if s.applied]
    findings = []
    for seen in history.values():
        first, problem = seen[0]
        present = {i for i, _ in seen}
        later = [i for i in applied if i > first]
        repaired = next((i for i in later if i not in present), None)
        if repaired is not None:
            message = (f"{problem.text}: the series does not build at patch {first}; "
                       f"patch {repaired} repairs it")
            hint = f"update this call in patch {first}, together with the API change"
        else:
            message = f"{problem.text}: not updated anywhere in the series"
            hint = f"update this call in patch {first}, together with the API change"
        findings.append(Finding(problem.file, problem.line, "RB-API-CALLER", Severity.ERROR, message, first, hint))
    for index, problem in unchecked.values():
        findings.append(Finding(problem.file, problem.line, "RB-API-UNCHECKED", Severity.INFO, problem.text, index))
    findings.sort(key=lambda f: (f.patch or 0, f.file, f.line))
    return findings, [], all_contracts
