"""tree-sitter for kernel C: one parser, the queries in queries/*.scm, and macro blanking.

Kernel annotations (``__init``, ``__must_check``, ``__acquires(x)``...) are not C, and a C grammar
that meets them builds ERROR nodes around whole functions. They are blanked to spaces of the same
length before parsing, so byte offsets and line numbers still point into the real file.
"""
from __future__ import annotations

import re
from functools import cache
from importlib import resources

import tree_sitter_c
from tree_sitter import Language, Node, Parser, Query, QueryCursor, Tree

LANGUAGE = Language(tree_sitter_c.language())

# Words that only annotate a declaration: blanked wherever they stand.
_ANNOTATION_WORDS = (
    "__init", "__exit", "__initdata", "__initconst", "__exitdata", "__ref", "__refdata", "__meminit",
    "__meminitdata", "__cpuinit", "__devinit", "__devexit", "__must_check", "__always_inline", "noinline",
    "noinline_for_stack", "__noinline", "__cold", "__hot", "__maybe_unused", "__always_unused", "__used",
    "__user", "__kernel", "__iomem", "__rcu", "__percpu", "__force", "__bitwise", "__safe", "__nocast",
    "asmlinkage", "notrace", "__visible", "__weak", "__sched", "__latent_entropy", "__randomize_layout",
    "__read_mostly", "__ro_after_init", "__packed", "____cacheline_aligned", "____cacheline_aligned_in_smp",
    "__cacheline_aligned", "__cacheline_aligned_in_smp", "__noreturn", "__nocfi", "__flatten", "__pure",
    "__malloc", "__deprecated", "__init_or_module", "__net_init", "__net_exit", "__kprobes", "__nostackprotector",
    "__no_sanitize_address", "__no_kcsan", "noinstr", "__noinstr", "__irq_entry", "__softirq_entry",
    "__lockfunc", "__attribute_const__", "__always_unused", "__must_hold_rcu", "__mustcheck", "__fastpath",
    "__weak", "__inline__", "__inline", "__naked", "__init_memblock", "__meminit", "__sysfs_attr",
    "__noclone", "__section_init", "__trace_event", "__printf_like",
)
# Annotations that take an argument list: blanked with their parentheses.
_ANNOTATION_CALLS = (
    "__acquires", "__releases", "__must_hold", "__printf", "__scanf", "__section", "__aligned", "__alloc_size",
    "__counted_by", "__assume_aligned", "__cond_acquires", "__cond_releases", "__diagnose_as", "__nonstring_t",
    "__designated_init_t", "__guarded_by", "__pt_guarded_by", "__free", "__realloc_size", "__alloc_size__",
    "__alias", "__cleanup", "__mode",
)


def _trie_pattern(words: set[str]) -> bytes:
    """An alternation of ``words`` factored by common prefixes ("__init|__initdata" ->
    "__init(?:data)?"): Python's re tries each branch of a flat alternation at every position,
    and this one runs over every byte of every file (2.7x faster on Linux 6.1)."""
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word.encode():
            node = node.setdefault(ch, {})
        node[None] = {}

    def build(node: dict) -> bytes:
        branches = [re.escape(bytes([ch])) + build(sub) for ch, sub in sorted(node.items(), key=lambda kv: kv[0] or 0)
                    if ch is not None]
        if not branches:
            return b""
        body = branches[0] if len(branches) == 1 else b"(?:" + b"|".join(branches) + b")"
        return b"(?:" + body + b")?" if None in node else body
    return build(trie)


_WORDS_RE = re.compile(rb"\b" + _trie_pattern(set(_ANNOTATION_WORDS)) + rb"\b")
_ANNOTATION_CALL_BYTES = tuple(w.encode() for w in _ANNOTATION_CALLS)
_CALLS_RE = re.compile(rb"\b" + _trie_pattern(set(_ANNOTATION_CALLS)) + rb"\s*\((?:[^()]|\([^()]*\))*\)")


def _blank(match: re.Match) -> bytes:
    return re.sub(rb"[^\n]", b" ", match.group(0))


# Macros that define a function from (name, type, arg, type, arg...): what they expand to.
_DEFINING_MACROS = {b"SYSCALL_DEFINE": (b"long ", b"sys_"), b"COMPAT_SYSCALL_DEFINE": (b"long ", b"compat_sys_"),
                    b"BPF_CALL_": (b"u64 ", b"")}
_SYSCALL_HEAD = re.compile(rb"^(COMPAT_SYSCALL_DEFINE|SYSCALL_DEFINE|BPF_CALL_)(\d)\(\s*(\w+)((?:[^()]|\([^()]*\))*)\)",
                           re.MULTILINE)


def _syscall_as_c(match: re.Match) -> bytes:
    """SYSCALL_DEFINE3(read, unsigned int, fd, ...) -> long sys_read(unsigned int fd, ...) and
    BPF_CALL_2(bpf_map_lookup_elem, struct bpf_map *, map, void *, key) -> u64
    bpf_map_lookup_elem(struct bpf_map * map, void * key), padded to the same length."""
    rtype, prefix = _DEFINING_MACROS[match.group(1)]
    parts = [p.strip() for p in match.group(4).split(b",")][1:]
    pairs = [parts[i] + b" " + parts[i + 1] for i in range(0, len(parts) - 1, 2)]
    new = b" ".join((rtype + prefix + match.group(3) + b"(" + (b", ".join(pairs) or b"void") + b")").split())
    old = match.group(0)
    newlines = old.count(b"\n")  # all kept, after the new header: the lines below keep their numbers
    if len(new) + newlines > len(old):
        return old
    return new + b" " * (len(old) - len(new) - newlines) + b"\n" * newlines


# A file-scope macro invocation with no semicolon ("DEV_CORE_STATS_INC(rx_nohandler)",
# "_PCI_NOP_ALL(write,)") makes the grammar glue it to the next definition, which is then lost.
# Only a whole line in capitals at column 0 not followed by a body: "BPF_CALL_2(f, ...)\n{" stays.
_BARE_MACRO_LINE = re.compile(rb"^(?!EXPORT_)_*[A-Z][A-Z0-9_]*\((?:[^()\n]|\([^()\n]*\))*\)[ \t]*$(?!\s*\{)",
                              re.MULTILINE)


# "do { ... } while_each_thread(g, t);": a loop-tail macro where the grammar wants "while (", after
# which it takes the rest of the file for the loop (kernel/cgroup/cgroup.c lost 78 definitions).
_DO_WHILE_MACRO = re.compile(rb"(?<=\})(\s*)(while_\w+)(?=\s*\()")


def _as_while(match: re.Match) -> bytes:
    return match.group(1) + b"while" + b" " * (len(match.group(2)) - 5)


def blank_annotations(source: bytes) -> bytes:
    """The same bytes with kernel annotations replaced by spaces (newlines kept), syscall
    definition macros written as the C functions they expand to, loop-tail macros written as the
    "while" they end in, and bare file-scope macro invocations blanked."""
    # each pattern scans every byte: a substring test (memchr speed) skips files that cannot match
    if b"SYSCALL_DEFINE" in source or b"BPF_CALL_" in source:
        source = _SYSCALL_HEAD.sub(_syscall_as_c, source)
    if b"while_" in source:
        source = _DO_WHILE_MACRO.sub(_as_while, source)
    source = _BARE_MACRO_LINE.sub(_blank, source)
    if any(word in source for word in _ANNOTATION_CALL_BYTES):
        source = _CALLS_RE.sub(_blank, source)
    return _WORDS_RE.sub(_blank, source)


@cache
def _parser() -> Parser:
    return Parser(LANGUAGE)


def parse(source: bytes, blank: bool = True) -> Tree:
    return _parser().parse(blank_annotations(source) if blank else source)


_RECENT: dict[bytes, Tree] = {}


def parse_shared(source: bytes) -> Tree:
    """``parse(source)``, kept for the next few questions about the same file (a call-site check
    asks for its value uses and its member stores one after the other). Do not edit the tree."""
    found = _RECENT.get(source)
    if found is None:
        if len(_RECENT) >= 8:
            _RECENT.pop(next(iter(_RECENT)))
        found = _RECENT[source] = parse(source)
    return found


@cache
def query(name: str) -> Query:
    """The query in queries/<name>.scm."""
    text = resources.files("reviewbot.c").joinpath("queries", f"{name}.scm").read_text(encoding="utf-8")
    return Query(LANGUAGE, text)


def matches(name: str, node: Node) -> list[dict[str, list[Node]]]:
    return [captures for _, captures in QueryCursor(query(name)).matches(node)]


@cache
def _combined(names: tuple[str, ...]) -> tuple[Query, list[str]]:
    """One query made of several .scm files, and for each of its patterns the file it came from."""
    texts = [resources.files("reviewbot.c").joinpath("queries", f"{n}.scm").read_text(encoding="utf-8")
             for n in names]
    owner = [n for n in names for _ in range(query(n).pattern_count)]
    return Query(LANGUAGE, "\n".join(texts)), owner


def matches_by_query(names: tuple[str, ...], node: Node) -> dict[str, list[dict[str, list[Node]]]]:
    """The matches of several queries in one walk of the tree (a walk per query costs 3-4x more)."""
    combined, owner = _combined(names)
    out: dict[str, list[dict[str, list[Node]]]] = {n: [] for n in names}
    for pattern, captures in QueryCursor(combined).matches(node):
        out[owner[pattern]].append(captures)
    return out


def text(node: Node | None, source: bytes) -> str:
    if node is None:
        return ""
    return source[node.start_byte:node.end_byte].decode("utf-8", "replace")


def count_errors(node: Node) -> int:
    if not node.has_error:
        return 0
    count = 0
    stack = [node]
    while stack:
        n = stack.pop()
        if n.type == "ERROR" or n.is_missing:
            count += 1
        if n.has_error:
            stack.extend(n.children)
    return count
