"""What a C file defines, declares, exports and calls: the facts every C check starts from.

Facts are plain dataclasses that survive a JSON round trip (the parse cache stores them).
Line numbers are 1-based lines of the real file.
"""
from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from itertools import accumulate

from tree_sitter import Node, Range

from reviewbot.c.parse import _parser, blank_annotations, count_errors, matches_by_query, parse, text

EXPORT_MACRO = re.compile(r"^EXPORT_(SYMBOL|SYMBOL_GPL|SYMBOL_NS|SYMBOL_NS_GPL|PER_CPU_SYMBOL|PER_CPU_SYMBOL_GPL|"
                     r"STATIC_CALL|STATIC_CALL_GPL|STATIC_CALL_TRAMP|STATIC_CALL_TRAMP_GPL)$")


@dataclass
class Param:
    type: str  # "struct vm_area_struct *", "pfn_t", "..." for varargs
    name: str | None


@dataclass
class Signature:
    name: str
    params: list[Param]
    return_type: str
    variadic: bool = False

    @property
    def arity(self) -> int:
        return len(self.params)

    def render(self) -> str:
        params = ", ".join(f"{p.type} {p.name}".replace("* ", "*") if p.name else p.type for p in self.params)
        if self.variadic:
            params = f"{params}, ..." if params else "..."
        return f"{self.return_type} {self.name}({params or 'void'})".replace("* ", "*")


@dataclass
class FunctionDef:
    sig: Signature
    file: str
    line: int  # line of the name
    start_line: int
    end_line: int
    is_static: bool = False
    is_inline: bool = False
    body_start: int = 0  # byte offsets of the body in the file
    body_end: int = 0

    @property
    def name(self) -> str:
        return self.sig.name


@dataclass
class Prototype:
    sig: Signature
    file: str
    line: int
    is_static: bool = False


@dataclass
class CallSite:
    callee: str
    args: list[str]
    file: str
    line: int
    caller: str | None  # enclosing function, None at file scope (macros, initialisers)
    column: int = 0


@dataclass
class ValueUse:
    """A function stored as a value: ".fault = dax_fault" or "ops->fault = dax_fault"."""

    function: str
    field: str
    file: str
    line: int


@dataclass
class Export:
    name: str
    macro: str  # EXPORT_SYMBOL, EXPORT_SYMBOL_GPL, ...
    file: str
    line: int


@dataclass
class StructDef:
    name: str
    fields: list[Param]
    file: str
    line: int


@dataclass
class FileFacts:
    path: str
    functions: list[FunctionDef] = field(default_factory=list)
    prototypes: list[Prototype] = field(default_factory=list)
    calls: list[CallSite] = field(default_factory=list)
    values: list[ValueUse] = field(default_factory=list)
    exports: list[Export] = field(default_factory=list)
    structs: list[StructDef] = field(default_factory=list)
    errors: int = 0  # ERROR/MISSING nodes tree-sitter left after macro blanking

    def function(self, name: str) -> FunctionDef | None:
        return next((f for f in self.functions if f.name == name), None)

    def to_dict(self) -> dict:
        return asdict(self)

    def to_row(self) -> list:
        """A compact, JSON-ready form for the parse cache: lists instead of dicts, no repeated
        path (``from_row`` puts it back). Three times faster to write and read than ``to_dict``."""
        return [
            [[_sig_row(f.sig), f.line, f.start_line, f.end_line, f.is_static, f.is_inline, f.body_start, f.body_end]
             for f in self.functions],
            [[_sig_row(p.sig), p.line, p.is_static] for p in self.prototypes],
            [[c.callee, c.args, c.line, c.caller, c.column] for c in self.calls],
            [[v.function, v.field, v.line] for v in self.values],
            [[e.name, e.macro, e.line] for e in self.exports],
            [[s.name, [[p.type, p.name] for p in s.fields], s.line] for s in self.structs],
            self.errors,
        ]

    @classmethod
    def from_row(cls, row: list, path: str) -> FileFacts:
        functions, prototypes, calls, values, exports, structs, errors = row
        return cls(
            path=path,
            functions=[FunctionDef(_sig(s), path, line, start, end, static, inline, b0, b1)
                       for s, line, start, end, static, inline, b0, b1 in functions],
            prototypes=[Prototype(_sig(s), path, line, static) for s, line, static in prototypes],
            calls=[CallSite(callee, args, path, line, caller, column) for callee, args, line, caller, column in calls],
            values=[ValueUse(fn, fld, path, line) for fn, fld, line in values],
            exports=[Export(name, macro, path, line) for name, macro, line in exports],
            structs=[StructDef(name, [Param(t, n) for t, n in fields], path, line) for name, fields, line in structs],
            errors=errors,
        )

    @classmethod
    def from_dict(cls, d: dict) -> FileFacts:
        def sig(s: dict) -> Signature:
            return Signature(s["name"], [Param(**p) for p in s["params"]], s["return_type"], s["variadic"])
        return cls(
            path=d["path"],
            functions=[FunctionDef(**{**f, "sig": sig(f["sig"])}) for f in d["functions"]],
            prototypes=[Prototype(**{**p, "sig": sig(p["sig"])}) for p in d["prototypes"]],
            calls=[CallSite(**c) for c in d["calls"]],
            values=[ValueUse(**v) for v in d["values"]],
            exports=[Export(**e) for e in d["exports"]],
            structs=[StructDef(**{**s, "fields": [Param(**p) for p in s["fields"]]}) for s in d["structs"]],
            errors=d["errors"],
        )


def _sig_row(sig: Signature) -> list:
    return [sig.name, [[p.type, p.name] for p in sig.params], sig.return_type, sig.variadic]


def _sig(row: list) -> Signature:
    name, params, return_type, variadic = row
    return Signature(name, [Param(t, n) for t, n in params], return_type, variadic)


def _squash(s: str) -> str:
    return " ".join(s.split())


def _innermost_identifier(node: Node, source: bytes) -> str | None:
    found = _innermost_node(node)
    return text(found, source) if found is not None else None


def _innermost_node(node: Node | None) -> Node | None:
    while node is not None:
        if node.type in ("identifier", "field_identifier", "type_identifier"):
            return node
        inner = node.child_by_field_name("declarator")
        if inner is None:
            for child in node.named_children:
                if child.type in ("identifier", "parenthesized_declarator", "pointer_declarator",
                                  "function_declarator", "array_declarator"):
                    inner = child
                    break
        node = inner
    return None


def _params(plist: Node | None, source: bytes) -> tuple[list[Param], bool]:
    params: list[Param] = []
    variadic = False
    if plist is None:
        return params, variadic
    for child in plist.named_children:
        if child.type == "variadic_parameter":
            variadic = True
        elif child.type == "parameter_declaration":
            decl = child.child_by_field_name("declarator")
            ident = _innermost_node(decl) if decl is not None else None
            if ident is not None:  # the type is the declaration without its name: "struct page *"
                ptype = _squash((source[child.start_byte:ident.start_byte] + b" "
                                 + source[ident.end_byte:child.end_byte]).decode("utf-8", "replace"))
                params.append(Param(ptype, text(ident, source)))
            else:
                params.append(Param(_squash(text(child, source)), None))
        elif child.type == "identifier":  # K&R or macro-confused: a bare name
            params.append(Param("", text(child, source)))
    if len(params) == 1 and params[0].name is None and params[0].type == "void":
        params = []
    return params, variadic


def _signature(decl: Node, type_node: Node | None, source: bytes) -> Signature | None:
    """Name, parameters and return type from a (possibly pointer-wrapped) function declarator."""
    stars = ""
    node = decl
    while node is not None and node.type in ("pointer_declarator", "attributed_declarator"):
        if node.type == "pointer_declarator":
            stars += "*"
        node = node.child_by_field_name("declarator")
    if node is None or node.type != "function_declarator":
        return None
    inner = node.child_by_field_name("declarator")
    name = _innermost_identifier(inner, source) if inner is not None else None
    if not name:
        return None
    params, variadic = _params(node.child_by_field_name("parameters"), source)
    rtype = _squash(text(type_node, source)) + (" " + stars if stars else "")
    return Signature(name, params, rtype.strip(), variadic)


def _name_line(decl: Node) -> int:
    """1-based line of the function's name: "void *\\n__do_krealloc(" is declared on the second line."""
    node = decl
    while node.type in ("pointer_declarator", "attributed_declarator") and node.child_by_field_name("declarator"):
        node = node.child_by_field_name("declarator")
    return node.start_point[0] + 1


def _specifiers(node: Node, source: bytes) -> set[str]:
    return {text(c, source) for c in node.children if c.type in ("storage_class_specifier", "type_qualifier")}


_QUERIES = ("functions", "prototypes", "calls", "ops", "structs")
_NEWLINE = re.compile(rb"\n")
_BODY_OPEN = re.compile(rb"\n\{\n")
_CLOSING_BRACE = re.compile(rb"^\}[^\n]*\n", re.MULTILINE)  # a column-0 "}" ends a definition in kernel style
_MEMO: dict[tuple[bytes, str], FileFacts] = {}
_MEMO_SIZE = 64


def extract(source: bytes, path: str) -> FileFacts:
    """Every fact of one C file (a .c or a header). The analyses of one review ask for the same
    changed files many times: the last results are kept (facts are treated as read-only)."""
    import hashlib

    key = (hashlib.sha1(source).digest(), path)
    facts = _MEMO.get(key)
    if facts is None:
        facts = _extract(source, path)
        if len(_MEMO) >= _MEMO_SIZE:
            _MEMO.pop(next(iter(_MEMO)))
        _MEMO[key] = facts
    return facts


def _extract(source: bytes, path: str) -> FileFacts:
    # Names and types are read from the blanked text the tree was built from (same offsets; the
    # syscall macros are only readable there).
    source = blank_annotations(source)
    root = parse(source, blank=False).root_node
    facts = FileFacts(path=path, errors=count_errors(root))
    _collect(root, source, path, facts)
    if facts.errors and len(facts.functions) < source.count(b"\n{\n"):
        _recover(source, path, facts)
    return facts


def _lost_bodies(source: bytes, facts: FileFacts) -> list[int]:
    """Offsets of column-0 "{" lines that open no body found. In kernel style such a line only
    opens a function body, so one inside a "body" means that body swallowed what followed it."""
    opened = {f.body_start for f in facts.functions}
    return [m.start() + 1 for m in _BODY_OPEN.finditer(source) if m.start() + 1 not in opened]


def _recover(source: bytes, path: str, facts: FileFacts) -> None:
    """Definitions an ERROR node swallowed (kernel/bpf/core.c's computed gotos nest the rest of the
    file in one): the text outside the functions already found is cut after each column-0 "}" and
    every piece is parsed on its own (same offsets, via included ranges); what
    the pieces define, call and store is added where the whole-file parse did not have it."""
    lost = _lost_bodies(source, facts)
    if not lost:
        return
    # a function whose body holds a lost "{" ran past its own end: its span is searched again
    trusted = [f for f in facts.functions if not any(f.body_start < pos < f.body_end for pos in lost)]
    facts.functions = trusted  # the others are found again, with their real end, in the pieces
    covered = sorted((f.start_line, f.end_line) for f in trusted)
    line_starts = [0] + [m.end() for m in _NEWLINE.finditer(source)]
    gaps, prev_end = [], 0  # byte ranges outside every function found
    for start_line, end_line in covered:
        gap_end = line_starts[start_line - 1]
        if gap_end > prev_end:
            gaps.append((prev_end, gap_end))
        prev_end = max(prev_end, line_starts[min(end_line, len(line_starts) - 1)])
    if prev_end < len(source):
        gaps.append((prev_end, len(source)))
    parser = _parser()
    try:
        for gap_start, gap_end in gaps:
            if not any(gap_start <= pos < gap_end for pos in lost):
                continue
            piece_start = gap_start
            for m in _CLOSING_BRACE.finditer(source, gap_start, gap_end):
                _parse_piece(parser, source, path, facts, piece_start, m.end(), line_starts)
                piece_start = m.end()
            if gap_end > piece_start:
                _parse_piece(parser, source, path, facts, piece_start, gap_end, line_starts)
    finally:
        parser.included_ranges = []


def _parse_piece(parser, source: bytes, path: str, facts: FileFacts, start: int, end: int,
                 line_starts: list[int]) -> None:
    if not source[start:end].strip():
        return
    parser.included_ranges = [Range(_point(start, line_starts), _point(end, line_starts), start, end)]
    piece = FileFacts(path=path)
    _collect(parser.parse(source).root_node, source, path, piece)
    _merge(facts, piece)


def _point(offset: int, line_starts: list[int]) -> tuple[int, int]:
    row = bisect_right(line_starts, offset) - 1
    return row, offset - line_starts[row]


def _merge(facts: FileFacts, piece: FileFacts) -> None:
    for group, key in (("functions", lambda f: (f.name, f.line)), ("prototypes", lambda p: (p.sig.name, p.line)),
                       ("values", lambda v: (v.function, v.line)), ("exports", lambda e: (e.name, e.line)),
                       ("structs", lambda s: (s.name, s.line))):
        mine = getattr(facts, group)
        have = {key(x) for x in mine}
        mine.extend(x for x in getattr(piece, group) if key(x) not in have)
    # pieces cover only what the whole parse got wrong: there, their view of a call (its enclosing
    # function above all) replaces the whole parse's
    calls = {(c.line, c.column, c.callee): n for n, c in enumerate(facts.calls)}
    for c in piece.calls:
        n = calls.get((c.line, c.column, c.callee))
        if n is None:
            facts.calls.append(c)
        else:
            facts.calls[n] = c
    facts.functions.sort(key=lambda f: f.start_line)
    facts.calls.sort(key=lambda c: (c.line, c.column))


def _collect(root: Node, source: bytes, path: str, facts: FileFacts) -> None:
    spans: list[tuple[int, int, str]] = []
    found = matches_by_query(_QUERIES, root)
    for cap in found["functions"]:
        fn, decl = cap["function"][0], cap["declarator"][0]
        sig = _signature(decl, fn.child_by_field_name("type"), source)
        if sig is None:
            continue
        specs = _specifiers(fn, source)
        body = cap["body"][0]
        facts.functions.append(FunctionDef(
            sig=sig, file=path, line=_name_line(decl), start_line=fn.start_point[0] + 1,
            end_line=fn.end_point[0] + 1, is_static="static" in specs, is_inline="inline" in specs,
            body_start=body.start_byte, body_end=body.end_byte))
        spans.append((fn.start_byte, fn.end_byte, sig.name))
    for cap in found["prototypes"]:
        decl_node = cap["declaration"][0]
        for decl in cap["declarator"]:
            sig = _signature(decl, decl_node.child_by_field_name("type"), source)
            if sig is not None:
                facts.prototypes.append(Prototype(sig, path, _name_line(decl),
                                                  "static" in _specifiers(decl_node, source)))
    spans.sort()
    starts = [start for start, _, _ in spans]
    reach = list(accumulate((end for _, end, _ in spans), max))
    for cap in found["calls"]:
        if "callee" not in cap:
            continue
        call, callee = cap["call"][0], text(cap["callee"][0], source)
        args = [_squash(text(a, source)) for a in cap["args"][0].named_children if a.type != "comment"]
        line = call.start_point[0] + 1
        if EXPORT_MACRO.match(callee) and args:
            facts.exports.append(Export(args[0], callee, path, line))
            continue
        facts.calls.append(CallSite(callee, args, path, line, _enclosing(spans, starts, reach, call.start_byte),
                                    call.start_point[1]))
    for cap in found["ops"]:
        value = cap["value"][0]
        facts.values.append(ValueUse(text(value, source), text(cap["field"][0], source), path,
                                     value.start_point[0] + 1))
    for cap in found["structs"]:
        fields: list[Param] = []
        _fields(cap["fields"][0], source, fields)
        facts.structs.append(StructDef(text(cap["name"][0], source), fields, path, cap["struct"][0].start_point[0] + 1))


def _fields(field_list: Node, source: bytes, out: list[Param]) -> None:
    """The fields of a struct body; those of anonymous struct/union members are the struct's own
    (C11: vmf->vma is a field of struct vm_fault though it sits in an unnamed "const struct")."""
    for fd in field_list.named_children:
        if fd.type != "field_declaration":
            continue
        type_node = fd.child_by_field_name("type")
        declarators = fd.children_by_field_name("declarator")
        if not declarators and type_node is not None and type_node.type in ("struct_specifier", "union_specifier"):
            body = type_node.child_by_field_name("body")
            if body is not None:
                _fields(body, source, out)
            continue
        ftype = _squash(text(type_node, source))
        for d in declarators:
            out.append(Param(ftype + ("*" * text(d, source).count("*") and " *"), _innermost_identifier(d, source)))


def _enclosing(spans: list[tuple[int, int, str]], starts: list[int], reach: list[int], pos: int) -> str | None:
    """The innermost function around ``pos``: the latest-starting span that contains it (spans
    sorted by start; after a parse error tree-sitter may nest them, never overlap them).
    ``reach[i]`` is the furthest end of spans[0..i]: below it nothing earlier can contain ``pos``."""
    i = bisect_right(starts, pos) - 1
    while i >= 0 and reach[i] > pos:
        start, end, name = spans[i]
        if pos < end:
            return name
        i -= 1
    return None
