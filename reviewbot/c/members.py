"""The declared type of the struct member a function is stored in.

``.fault = ext4_filemap_fault,`` in ``static const struct vm_operations_struct ext4_file_vm_ops``,
``ops->fault = f;`` with ``struct vm_operations_struct *ops``, ``s.fault = f;``: the struct is the
declaration's type, or the declared type of the variable (a parameter, a local, a file-scope one),
or, for ``a->b.fault`` and ``.b = { .fault = f }``, the type of the member that holds it. The
member's declaration is then looked up in the tree (the struct definitions of the files that name
the struct, reachable from the store's file): ``vm_fault_t (*fault)(struct vm_fault *vmf);``, or a
typedef'd one (``get_block_t *get_block;``, ``filldir_t actor;``). Anything not settled (a typedef'd
struct, a cast, a struct the tree defines twice in different ways) gives None: unchecked.
"""
from __future__ import annotations

import hashlib
import re
import weakref
from dataclasses import dataclass

from tree_sitter import Node

from reviewbot.c.extract import _innermost_node, _params
from reviewbot.c.parse import matches, parse_shared, text
from reviewbot.c.resolve import reaches, region
from reviewbot.c.tree import TreeSource
from reviewbot.c.values import FnType, plain, typedef_type

NEST = 3  # a->b.c.fault: deeper member chains are not followed


@dataclass
class MemberStore:
    function: str
    field: str
    line: int
    struct: str | None  # the struct whose member it is stored in, when the code says


@dataclass
class Member:
    """A struct member's declared type: a function type, or a struct (for nested stores)."""

    fn: FnType | None = None
    struct: str | None = None
    pointer: bool = False


_STORES: dict[tuple, list[MemberStore]] = {}
_DEFINES: dict[tuple[str | None, str], bool] = {}  # (blob id, struct): the file defines the struct
_PER_TREE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # tree -> member types found in it
_MEMO_SIZE = 256


def _remember(memo: dict, key, value):
    if len(memo) >= (_MEMO_SIZE if memo is _STORES else 64 * _MEMO_SIZE):
        memo.pop(next(iter(memo)))
    memo[key] = value
    return value


def member_stores(name: str, path: str, data: bytes, tree: TreeSource) -> list[MemberStore]:
    """Where ``name`` is stored in a struct member in one file, with the struct when known."""
    key = (name, path, hashlib.sha1(data).digest())
    if key not in _STORES:
        root = parse_shared(data).root_node
        out = []
        for cap in matches("ops", root):
            value = cap["value"][0]
            if text(value, data) != name:
                continue
            field = text(cap["field"][0], data)
            if "pair" in cap:
                struct = _list_struct(cap["pair"][0].parent, data, path, tree, NEST)
            else:
                left = cap["assignment"][0].child_by_field_name("left")
                struct = _expr_struct(left.child_by_field_name("argument"), data, path, tree, NEST)
            out.append(MemberStore(name, field, value.start_point[0] + 1, struct))
        _remember(_STORES, key, out)
    return _STORES[key]


def _struct_name(type_node: Node | None, data: bytes) -> str | None:
    if type_node is not None and type_node.type == "struct_specifier":
        name = type_node.child_by_field_name("name")
        return text(name, data) if name is not None else None
    return None


def _list_struct(node: Node | None, data: bytes, path: str, tree: TreeSource, depth: int) -> str | None:
    """The struct an initializer list initialises: ``static struct X x = {...}``, each element
    of ``struct X xs[] = {{...}}``, ``(struct X){...}``, or ``.member = {...}`` of another."""
    if node is None or node.type != "initializer_list" or depth <= 0:
        return None
    lists = 0
    while node.parent is not None and node.parent.type == "initializer_list":
        node, lists = node.parent, lists + 1
    parent = node.parent
    if parent is None:
        return None
    if parent.type == "init_declarator":
        arrays, decl = 0, parent.child_by_field_name("declarator")
        while decl is not None and decl.type == "array_declarator":
            arrays, decl = arrays + 1, decl.child_by_field_name("declarator")
        if arrays != lists or decl is None or decl.type != "identifier":
            return None  # a pointer, or a struct's positional member: not followed
        return _struct_name(parent.parent.child_by_field_name("type") if parent.parent else None, data)
    if parent.type == "compound_literal_expression" and lists == 0:
        descriptor = parent.child_by_field_name("type")
        return _struct_name(descriptor.child_by_field_name("type") if descriptor else None, data)
    if parent.type == "initializer_pair" and lists == 0:
        designator = parent.child_by_field_name("designator")
        if designator is None or designator.type != "field_designator":
            return None
        outer = _list_struct(parent.parent, data, path, tree, depth - 1)
        member = member_type(outer, text(designator.named_children[0], data), path, tree) if outer else None
        return member.struct if member is not None and not member.pointer else None
    return None


def _expr_struct(node: Node | None, data: bytes, path: str, tree: TreeSource, depth: int) -> str | None:
    """The struct an expression before ``->`` or ``.`` is (or points to), from declarations."""
    if node is None or depth <= 0:
        return None
    if node.type == "parenthesized_expression" and node.named_child_count == 1:
        return _expr_struct(node.named_children[0], data, path, tree, depth)
    if node.type == "identifier":
        return _declared_struct(text(node, data), node, data)
    if node.type == "field_expression":
        outer = _expr_struct(node.child_by_field_name("argument"), data, path, tree, depth - 1)
        field = node.child_by_field_name("field")
        member = member_type(outer, text(field, data), path, tree) if outer and field else None
        return member.struct if member is not None else None
    return None


def _declared_struct(name: str, use: Node, data: bytes) -> str | None:
    """The struct type a variable is declared with, in the nearest scope that declares it: the
    enclosing blocks and function's parameters, then file scope."""
    node = use.parent
    while node is not None:
        if node.type in ("compound_statement", "translation_unit"):
            for child in node.named_children:
                if child.type == "declaration" and child.start_byte < use.start_byte:
                    found = _declares(child, name, data)
                    if found is not None:
                        return found or None
        elif node.type == "function_definition":
            decl = node.child_by_field_name("declarator")
            while decl is not None and decl.type != "function_declarator":
                decl = decl.child_by_field_name("declarator")
            params = decl.child_by_field_name("parameters") if decl is not None else None
            for param in params.named_children if params is not None else []:
                if param.type == "parameter_declaration":
                    found = _declares(param, name, data)
                    if found is not None:
                        return found or None
        node = node.parent
    return None


def _declares(decl: Node, name: str, data: bytes) -> str | None:
    """For a declaration that declares ``name``: its struct's name ("" when it is not a plain
    struct or pointer to one); None when it does not declare ``name``."""
    declarators = decl.children_by_field_name("declarator")
    for d in declarators:
        inner = d.child_by_field_name("declarator") if d.type == "init_declarator" else d
        while inner is not None and inner.type == "pointer_declarator":
            inner = inner.child_by_field_name("declarator")
        if inner is not None and inner.type == "identifier" and text(inner, data) == name:
            return _struct_name(decl.child_by_field_name("type"), data) or ""
        if inner is not None and _innermost(inner, data) == name:
            return ""  # an array, a function pointer...: not a struct
    return None


def _innermost(node: Node, data: bytes) -> str | None:
    found = _innermost_node(node)
    return text(found, data) if found is not None else None


def member_type(struct: str, field: str, from_file: str, tree: TreeSource) -> Member | None:
    """The declared type of ``struct``'s member ``field``, from the struct's definitions the file
    ``from_file`` can reach (its own, else the headers', else other .c files'); None when none is
    found, or they disagree."""
    memo = _PER_TREE.setdefault(tree, {})
    own_key = ("defines", struct, from_file)  # asked before the grep: every store of a file asks it
    if own_key not in memo:
        memo[own_key] = from_file in tree.grep_word(struct) and _defines(struct, from_file, tree)
    own = memo[own_key]
    key = (struct, field, from_file if own else region(from_file))
    if key not in memo:
        found: list[Member] = []
        for path in [from_file] if own else _defining_files(struct, from_file, tree):
            data = tree.read(path) or b""
            for cap in matches("structs", parse_shared(data).root_node):
                if text(cap["name"][0], data) == struct:
                    member = _field_member(cap["fields"][0], field, data, tree)
                    if member is not None:
                        found.append(member)
        shapes = {_shape(m) for m in found}
        memo[key] = found[0] if len(shapes) == 1 and None not in shapes else None
    return memo[key]


def _shape(member: Member) -> tuple | None:
    if member.fn is None:
        return (member.struct, member.pointer) if member.struct else None
    return len(member.fn.params), member.fn.variadic, tuple(plain(p.type) for p in member.fn.params)


def _defining_files(struct: str, from_file: str, tree: TreeSource) -> list[str]:
    """The files ``from_file`` can reach that define ``struct`` with a body: the headers that
    do, else the .c files."""
    hits = [p for p in tree.grep_word(struct) if reaches(from_file, p)]
    for group in ([p for p in hits if p.endswith(".h")], [p for p in hits if p.endswith(".c")]):
        found = [p for p in group if _defines(struct, p, tree)]
        if found:
            return found
    return []


def _defines(struct: str, path: str, tree: TreeSource) -> bool:
    key = (tree.blob_id(path), struct)
    if key not in _DEFINES:
        pattern = re.compile(rb"\bstruct\s+" + re.escape(struct.encode()) + rb"\s*\{")
        _remember(_DEFINES, key, pattern.search(tree.read(path) or b"") is not None)
    return _DEFINES[key]


def _field_member(fields: Node, field: str, data: bytes, tree: TreeSource) -> Member | None:
    for fd in fields.named_children:
        if fd.type != "field_declaration":
            continue
        type_node = fd.child_by_field_name("type")
        if not fd.children_by_field_name("declarator") and type_node is not None \
                and type_node.type in ("struct_specifier", "union_specifier"):
            body = type_node.child_by_field_name("body")  # an anonymous struct or union: its members are ours
            inner = _field_member(body, field, data, tree) if body is not None else None
            if inner is not None:
                return inner
            continue
        for d in fd.children_by_field_name("declarator"):
            if _innermost(d, data) != field:
                continue
            stars = 0
            while d.type == "pointer_declarator":
                stars, d = stars + 1, d.child_by_field_name("declarator")
            if d.type == "function_declarator":  # "vm_fault_t (*fault)(struct vm_fault *vmf)"
                inner = d.child_by_field_name("declarator")
                if stars or inner is None or inner.type != "parenthesized_declarator":
                    return None
                params, variadic = _params(d.child_by_field_name("parameters"), data)
                return Member(fn=FnType(params, variadic, " ".join(text(fd, data).split())))
            if d.type != "field_identifier" or type_node is None:
                return None
            if type_node.type == "type_identifier":  # "get_block_t *get_block", "filldir_t actor"
                fn = typedef_type(text(type_node, data), tree)
                return Member(fn=fn) if fn is not None else None
            struct = _struct_name(type_node, data)
            return Member(struct=struct, pointer=stars > 0) if struct else None
    return None
