"""Uses of a function as a value: passed as an argument, assigned, returned. Where the parameter it
is passed for has a function-pointer type the tree declares (``get_block_t``, ``int (*)(...)``),
the function's parameter count is checked against it, and each parameter's type where both are
plain C types (``struct inode *`` against ``struct inode *``; typedefs are not compared).

Not in the parse cache: the files are parsed on demand, and only those whose text shows the name
somewhere other than before "(" (most files that mention a function only call it).
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import EXPORT_MACRO, FileFacts, Param, Signature, _params
from reviewbot.c.parse import matches, parse, parse_shared, text
from reviewbot.c.resolve import candidates, resolve, shadowed
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
    root = parse_shared(data).root_node
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


# bounded: a return type and a parameter list are short; unbounded, text of many "typedef (" without
# a ";" (a patch can bring one) made every search quadratic
_TYPEDEF = r"typedef\s+[^;{{}}]{{0,300}}?\(\s*\*?\s*{name}\s*\)\s*\(([^;]{{0,2000}}?)\)\s*;"


@dataclass
class FnType:
    """A function-pointer type the tree declares: its parameters, and how it reads."""

    params: list[Param]
    variadic: bool
    text: str


def params_of(inside: str) -> tuple[list[Param], bool] | None:
    """The parameters of a parameter list's inside ("struct inode *, sector_t iblock"), parsed
    as C; None when it does not parse as one."""
    source = f"void __rb_type({inside});".encode()
    root = parse(source).root_node
    if root.has_error:
        return None
    decl = root.named_children[0] if root.named_children else None
    fn = decl.child_by_field_name("declarator") if decl is not None else None
    if fn is None or fn.type != "function_declarator":
        return None
    return _params(fn.child_by_field_name("parameters"), source)


def pointer_type(type_text: str, tree: TreeSource) -> FnType | None:
    """The function type of "int (*)(struct inode *, int)" or of a typedef of the tree
    ("get_block_t *", "filldir_t"); None when the type is not one the tree settles."""
    m = re.search(r"\(\s*\*\s*\w*\s*\)\s*\((.*)\)\s*$", type_text)
    if m:
        parsed = params_of(m.group(1))
        return FnType(*parsed, " ".join(type_text.split())) if parsed else None
    words = [w for w in re.findall(r"\w+", type_text) if w not in ("const", "struct", "volatile")]
    if len(words) != 1:
        return None
    return typedef_type(words[0], tree)


_TYPEDEFS: dict[tuple, FnType | None] = {}


def typedef_type(name: str, tree: TreeSource) -> FnType | None:
    """The function type a typedef of the tree names, when its files agree on one."""
    typedef = re.compile(_TYPEDEF.format(name=re.escape(name)), re.DOTALL)
    hits = tree.grep_word(name)
    key = (name, tuple((p, tree.blob_id(p)) for p in hits))
    if key not in _TYPEDEFS:
        found: list[FnType] = []
        for path in hits:
            data = (tree.read(path) or b"").decode("utf-8", "replace")
            for m in typedef.finditer(data):
                parsed = params_of(m.group(1))
                if parsed is None:
                    return None
                found.append(FnType(*parsed, " ".join(m.group(0).split())))
        agreed = {(len(f.params), f.variadic) for f in found}
        if len(_TYPEDEFS) >= _MEMO_SIZE:
            _TYPEDEFS.pop(next(iter(_TYPEDEFS)))
        _TYPEDEFS[key] = found[0] if len(agreed) == 1 else None
    return _TYPEDEFS[key]


_BUILTIN_WORDS = {"void", "char", "short", "int", "long", "signed", "unsigned", "float", "double", "bool", "_Bool",
                  "const", "volatile", "struct", "union", "enum"}


def plain(type_text: str) -> tuple | None:
    """A C type made only of C's own words and struct/union/enum tags ("const struct page *",
    "unsigned long"), in a form where equal types compare equal; None for anything else (a
    typedef such as sector_t may be the same type as u64: not compared)."""
    text = type_text.replace("_Bool", "bool")
    if not re.fullmatch(r"[\w\s*]+", text):
        return None
    segments = []
    for segment in text.split("*"):
        words = segment.split()
        tagged = set()
        for i, w in enumerate(words):
            if w in ("struct", "union", "enum"):
                if i + 1 >= len(words):
                    return None
                tagged.add(i + 1)
            elif w not in _BUILTIN_WORDS and i not in tagged:
                return None
        if "int" in words and any(w in words for w in ("short", "long", "unsigned", "signed")):
            words = [w for w in words if w != "int"]
        if "signed" in words and "char" not in words:
            words = [w for w in words if w != "signed"] or ["int"]
        segments.append(tuple(sorted(words)))
    # a qualifier of the parameter itself ("const unsigned int cmd", "char *const p") is not part of
    # the function's type (C11 6.7.6.3): only those of what a pointer points to are
    segments[-1] = tuple(w for w in segments[-1] if w not in ("const", "volatile"))
    return tuple(segments)


def mismatch(fn: FnType, sig: Signature) -> str | None:
    """Why a function with ``sig`` does not fit a slot of type ``fn``: its parameter count, or a
    parameter whose type differs where both are plain C types; None when it fits or cannot be told."""
    if fn.variadic or sig.variadic:
        return None
    if len(fn.params) != sig.arity:
        return f"takes {len(fn.params)} parameter{'' if len(fn.params) == 1 else 's'}"
    for i, (want, have) in enumerate(zip(fn.params, sig.params), 1):
        a, b = plain(want.type), plain(have.type)
        if a is not None and b is not None and a != b:
            return f"takes {want.type} as parameter {i}, not {have.type}"
    return None


def expected_type(site: ValueSite, tree: TreeSource, cache: FactsCache) -> tuple[FnType | None, str]:
    """The function type the slot ``site`` fills expects, and the type as the callee declares it."""
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
    return pointer_type(ptype, tree), ptype


def describe(site: ValueSite) -> str:
    if site.use == "argument":
        return f"passed as argument {site.arg} of {site.callee}()"
    return {"assigned": "assigned as a value", "returned": "returned as a value"}[site.use]
