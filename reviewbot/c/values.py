"""Uses of a function as a value: passed as an argument, assigned, returned. Where the parameter it
is passed for has a function-pointer type the tree declares (``get_block_t``, ``int (*)(...)``),
the function's parameter count is checked against it.

Not in the parse cache: the files are parsed on demand, and only those whose text shows the name
somewhere other than before "(" (most files that mention a function only call it).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import EXPORT_MACRO, FileFacts
from reviewbot.c.parse import matches, parse, text
from reviewbot.c.resolve import candidates, resolve, shadowed, split_args
from reviewbot.c.tree import TreeSource


@dataclass
class ValueSite:
    function: str
    file: str
    line: int
    use: str  # "argument", "assigned", "returned"
    caller: str | None  # the enclosing function
    callee: str | None = None  # for arguments: the function (or macro) called
    arg: int = 0  # for arguments: 1-based position


def _maybe_value(name: str, data: bytes) -> bool:
    return re.search(rb"(?<![\w.>])" + re.escape(name.encode()) + rb"\b(?!\s*\()", data) is not None


def _enclosing(facts: FileFacts, line: int) -> str | None:
    inside = [f for f in facts.functions if f.start_line <= line <= f.end_line]
    return max(inside, key=lambda f: f.start_line).name if inside else None


_MEMO: dict[tuple, list[ValueSite]] = {}
_MEMO_SIZE = 256


def value_sites(name: str, path: str, data: bytes, facts: FileFacts) -> list[ValueSite]:
    """Where ``name`` is used as a value in one file (not where a local of that name is). A series
    check asks again after every patch: the answers for unchanged files are kept."""
    if not _maybe_value(name, data):
        return []
    key = (name, path, hashlib.sha1(data).digest())
    if key not in _MEMO:
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = _value_sites(name, path, data, facts)
    return _MEMO[key]


def _value_sites(name: str, path: str, data: bytes, facts: FileFacts) -> list[ValueSite]:
    root = parse(data).root_node
    out: list[ValueSite] = []
    for captures in matches("values", root):
        for use, nodes in captures.items():
            node = nodes[0]
            if text(node, data) != name:
                continue
            line = node.start_point[0] + 1
            caller = _enclosing(facts, line)
            if shadowed(facts, data, caller, name, line):
                continue
            if use == "arg":
                slot = node if node.parent.type == "argument_list" else node.parent
                args = slot.parent
                call = args.parent
                if call is None or call.type != "call_expression" or EXPORT_MACRO.match(
                        text(call.child_by_field_name("function"), data)):
                    continue  # EXPORT_SYMBOL(f) is an export (extract.py), not a use
                position = [c.start_byte for c in args.named_children if c.type != "comment"].index(
                    slot.start_byte) + 1
                out.append(ValueSite(name, path, line, "argument", caller,
                                     text(call.child_by_field_name("function"), data), position))
            else:
                out.append(ValueSite(name, path, line, use, caller))
    out.sort(key=lambda v: v.line)
    return out


_TYPEDEF = r"typedef\s+[^;{{}}]*?\(\s*\*?\s*{name}\s*\)\s*\(([^;]*?)\)\s*;"


def _count_params(inside: str) -> int | None:
    inside = " ".join(inside.split())
    if inside in ("", "void"):
        return 0
    params = split_args(inside)
    return None if any(p.strip() == "..." for p in params) else len(params)


def pointer_arity(type_text: str, tree: TreeSource, cache: FactsCache) -> int | None:
    """How many parameters a function-pointer type takes: "int (*)(struct inode *, int)" or a
    typedef of the tree ("get_block_t *"); None when the type is not one the tree settles."""
    m = re.search(r"\(\s*\*\s*\w*\s*\)\s*\((.*)\)\s*$", type_text)
    if m:
        return _count_params(m.group(1))
    words = [w for w in re.findall(r"\w+", type_text) if w not in ("const", "struct", "volatile")]
    if len(words) != 1:
        return None
    typedef = re.compile(_TYPEDEF.format(name=re.escape(words[0])), re.DOTALL)
    for path in tree.grep_word(words[0]):
        data = (tree.read(path) or b"").decode("utf-8", "replace")
        found = typedef.search(data)
        if found:
            return _count_params(found.group(1))
    return None


def expected_arity(site: ValueSite, tree: TreeSource, cache: FactsCache) -> tuple[int | None, str]:
    """The parameter count the slot ``site`` fills expects, and the type that says so."""
    if site.use != "argument" or not site.callee or not site.callee.isidentifier():
        return None, ""
    res = resolve(site.callee, tree, cache)
    sigs = [t.sig for t in candidates(res, site.file) if t.sig is not None]
    if not sigs:
        sigs = [p.sig for f in res.facts.values() for p in f.prototypes if p.sig.name == site.callee]
    types = {s.params[site.arg - 1].type for s in sigs if len(s.params) >= site.arg}
    if len(types) != 1:
        return None, ""
    (ptype,) = types
    return pointer_arity(ptype, tree, cache), ptype


def describe(site: ValueSite) -> str:
    if site.use == "argument":
        return f"passed as argument {site.arg} of {site.callee}()"
    return {"assigned": "assigned as a value", "returned": "returned as a value"}[site.use]
