"""What a patch does to a file's API: functions added, removed, renamed, re-typed, (un)exported.

Compares the facts of one file before and after a patch. A signature counts as changed when the
number of parameters, a parameter's type, or the return type differs (names alone do not matter
to callers). A function that disappears while one with the same body appears is a rename.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from reviewbot.c.extract import FileFacts, FunctionDef, Signature


@dataclass
class ApiChange:
    kind: str  # added, removed, renamed, params, return, made-static, made-global, export-added, export-removed
    name: str
    file: str
    line: int  # in the post-image (pre-image for removals)
    before: Signature | None = None
    after: Signature | None = None
    detail: str = ""
    new_name: str | None = None  # for renames

    @property
    def breaks_callers(self) -> bool:
        return self.kind in ("removed", "renamed", "params", "made-static")


def _norm_type(t: str) -> str:
    return re.sub(r"\s*\*\s*", "*", " ".join(t.replace("const ", "const ").split()))


def describe_params(before: Signature, after: Signature) -> str:
    b, a = before.params, after.params
    if len(a) > len(b) and [_norm_type(p.type) for p in a[: len(b)]] == [_norm_type(p.type) for p in b]:
        added = ", ".join(f"{p.type} {p.name or ''}".strip() for p in a[len(b):])
        return f"gains parameter{'s' if len(a) - len(b) > 1 else ''} '{added}'"
    if len(a) < len(b):
        gone = [p for p in b if p.name not in {q.name for q in a}] or b[len(a):]
        return f"loses parameter{'s' if len(gone) > 1 else ''} '{', '.join(p.name or p.type for p in gone)}'"
    if len(a) != len(b):
        return f"takes {len(a)} parameters instead of {len(b)}"
    changed = [f"'{p.name or i + 1}' {q.type} -> {p.type}" for i, (q, p) in enumerate(zip(b, a))
               if _norm_type(p.type) != _norm_type(q.type)]
    return "retypes " + ", ".join(changed) if changed else ""


def _params_differ(before: Signature, after: Signature) -> bool:
    if len(before.params) != len(after.params) or before.variadic != after.variadic:
        return True
    return any(_norm_type(p.type) != _norm_type(q.type) for p, q in zip(before.params, after.params))


def _body(fn: FunctionDef, source: bytes | None) -> str:
    if source is None:
        return ""
    return " ".join(source[fn.body_start:fn.body_end].decode("utf-8", "replace").split())


def api_changes(before: FileFacts | None, after: FileFacts | None,
                before_src: bytes | None = None, after_src: bytes | None = None) -> list[ApiChange]:
    """The API changes of one file; either side may be None (file added or deleted)."""
    path = (after or before).path
    old = {f.name: f for f in (before.functions if before else [])}
    new = {f.name: f for f in (after.functions if after else [])}
    old_protos = {p.sig.name: p for p in (before.prototypes if before else [])}
    new_protos = {p.sig.name: p for p in (after.prototypes if after else [])}
    changes: list[ApiChange] = []
    removed = [n for n in old if n not in new and n not in new_protos]
    added = [n for n in new if n not in old and n not in old_protos]
    renamed: dict[str, str] = {}
    for name in removed:
        body = _body(old[name], before_src)
        twin = next((a for a in added if a not in renamed.values() and body and _body(new[a], after_src) == body), None)
        if twin:
            renamed[name] = twin
    for name in removed:
        fn = old[name]
        if name in renamed:
            changes.append(ApiChange("renamed", name, path, new[renamed[name]].line, fn.sig, new[renamed[name]].sig,
                                     f"renamed to {renamed[name]}()", new_name=renamed[name]))
        else:
            changes.append(ApiChange("removed", name, path, fn.line, fn.sig, None, "removed"))
    for name in added:
        if name not in renamed.values():
            changes.append(ApiChange("added", name, path, new[name].line, None, new[name].sig, "added"))
    for name, fn in new.items():
        prev = old.get(name)
        if prev is None:
            continue
        changes.extend(_compare(name, path, fn.line, prev.sig, fn.sig))
        if prev.is_static != fn.is_static:
            kind = "made-static" if fn.is_static else "made-global"
            changes.append(ApiChange(kind, name, path, fn.line, prev.sig, fn.sig,
                                     "made static" if fn.is_static else "no longer static"))
    for name, proto in new_protos.items():  # declarations in headers change the API too
        prev = old_protos.get(name)
        if prev is not None and name not in new:
            changes.extend(_compare(name, path, proto.line, prev.sig, proto.sig))
    old_exports = {e.name: e for e in (before.exports if before else [])}
    new_exports = {e.name: e for e in (after.exports if after else [])}
    for name, e in new_exports.items():
        if name not in old_exports:
            changes.append(ApiChange("export-added", name, path, e.line, detail=f"exported with {e.macro}"))
        elif old_exports[name].macro != e.macro:
            changes.append(ApiChange("export-added", name, path, e.line,
                                     detail=f"export changed from {old_exports[name].macro} to {e.macro}"))
    for name, e in old_exports.items():
        if name not in new_exports:
            changes.append(ApiChange("export-removed", name, path, e.line, detail=f"{e.macro} removed"))
    return changes


def _compare(name: str, path: str, line: int, before: Signature, after: Signature) -> list[ApiChange]:
    out = []
    if _params_differ(before, after):
        out.append(ApiChange("params", name, path, line, before, after, describe_params(before, after)))
    if _norm_type(before.return_type) != _norm_type(after.return_type):
        out.append(ApiChange("return", name, path, line, before, after,
                             f"returns {after.return_type} instead of {before.return_type}"))
    return out
