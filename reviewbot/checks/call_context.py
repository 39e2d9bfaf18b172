"""Where a function runs: what its callers hold when they call it, a few levels up the tree's call graph.

Maintainers reason from what a function is called under: "we have already gone through the
filesystem's fault handler, which holds fs locks and freeze protection". For a function, every
call site in the tree is found (its own file for a static function, else the files a whole-word
grep names), and at each the contexts the caller holds there are read as alloc_context reads
them inside one function. A caller that holds nothing passes the question to its own callers,
up to MAX_DEPTH levels. Each path ends in a context (a lock, a transaction), a nofs scope that
makes allocations below it safe, a fault handler (entered by the mm core, holding no filesystem
lock), or nothing known.

"All callers" is said only when every use of the name was read: a function stored as a pointer
(other than into a vm_operations_struct fault member), named by a macro, called at file scope,
with too many call sites, or whose callers were not followed to the end leaves the set open.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import FileFacts, FunctionDef
from reviewbot.c.parse import parse
from reviewbot.c.tree import TreeSource

MAX_DEPTH = 3
MAX_SITES = 24  # call sites followed per function: more is a library function, called under anything
MAX_FILES = 40  # files naming the function
MAX_FUNCTIONS = 60  # functions whose callers one review step follows (each costs a grep and parses)
FAULT_FIELDS = {"fault", "huge_fault", "page_mkwrite", "pfn_mkwrite"}
_VM_FAULT = re.compile(r"\bstruct vm_fault\s*\*")
_BRANCHES = {"if_statement", "else_clause", "for_statement", "while_statement", "do_statement", "switch_statement",
             "case_statement", "conditional_expression"}
_COMMENT_OR_STRING = re.compile(rb'/\*.*?\*/|//[^\n]*|"(?:\\.|[^"\\\n])*"', re.DOTALL)


@dataclass
class Hop:
    """One caller on the way up: ``function`` calls the function below it at ``file``:``line``."""

    function: str
    file: str
    line: int
    notes: list[str] = field(default_factory=list)  # "fault handler", "holds ... at file:line"


@dataclass
class CallerPath:
    hops: list[Hop]  # nearest caller first
    held: object | None = None  # alloc_context.Held: the lock or transaction on this path
    scope: str | None = None  # a memalloc_nofs scope on this path: allocations below it are NOFS
    known: bool = True  # False: the path was cut (depth) or leads to callers that cannot be read

    def render(self, function: str) -> str:
        parts = [f"{function}()"]
        for hop in self.hops:
            note = f" [{', '.join(hop.notes)}]" if hop.notes else ""
            parts.append(f"{hop.function}(){note}")
        return " <- ".join(parts)


@dataclass
class CallerContext:
    paths: list[CallerPath] = field(default_factory=list)
    open_reason: str | None = None  # why the set of callers is not known whole (None: it is)

    @property
    def complete(self) -> bool:
        return self.open_reason is None and all(p.known for p in self.paths)

    def under(self, atomic: bool) -> list[CallerPath]:
        """The paths that hold an atomic (or a filesystem) context and no nofs scope."""
        return [p for p in self.paths if p.held is not None and p.held.atomic == atomic and p.scope is None]


class CallGraph:
    """The tree after a patch, read through the parse cache; the patch's own files from ``overrides``."""

    def __init__(self, tree: TreeSource, cache: FactsCache, overrides: dict[str, tuple[FileFacts, bytes]]):
        self.tree, self.cache, self.overrides = tree, cache, overrides
        self._roots: dict[str, object] = {}
        self._memo: dict[tuple[str, str, int], CallerContext] = {}
        self.budget = MAX_FUNCTIONS

    def facts(self, path: str) -> FileFacts | None:
        if path in self.overrides:
            return self.overrides[path][0]
        return self.cache.facts(self.tree, path)

    def source(self, path: str) -> bytes | None:
        if path in self.overrides:
            return self.overrides[path][1]
        return self.tree.read(path)

    def dominates(self, path: str, line: int, column: int, target: int) -> bool:
        """Whether the statement at ``line``:``column`` runs on every way to line ``target`` of the
        same function: no if/else, loop or case holds it without holding ``target`` too."""
        root = self._roots.get(path)
        if root is None:
            source = self.source(path)
            if source is None:
                return False
            root = self._roots[path] = parse(source).root_node
        node = root.named_descendant_for_point_range((line - 1, column), (line - 1, column))
        while node is not None and not (node.start_point[0] + 1 <= target <= node.end_point[0] + 1):
            if node.type in _BRANCHES:
                return False
            node = node.parent
        return node is not None

    def context_of(self, fn: FunctionDef, depth: int = MAX_DEPTH, visiting: frozenset = frozenset()) -> CallerContext:
        key = (fn.file, fn.name, depth)
        if key not in self._memo:
            if self.budget <= 0:
                return CallerContext(open_reason=f"callers of {fn.name}() not followed: too many functions above it")
            self.budget -= 1
            self._memo[key] = self._context_of(fn, depth, visiting | {(fn.file, fn.name)})
        return self._memo[key]

    def _sites(self, fn: FunctionDef, ctx: CallerContext) -> tuple[list[tuple[str, FileFacts, object]], bool]:
        """(file, its facts, call) of every call of ``fn``, and whether it is a fault handler; sets
        ``ctx.open_reason`` when a use of the name cannot be read as a call."""
        name = fn.name
        if fn.is_static and fn.file.endswith(".c"):
            files = [fn.file]
        else:
            files = [f for f in self.tree.grep_word(name, limit=MAX_FILES) if f.endswith((".c", ".h"))]
            if fn.file not in files:
                files.append(fn.file)
            if len(files) > MAX_FILES:
                ctx.open_reason = f"{name}() is named in more than {MAX_FILES} files"
                return [], False
        sites: list[tuple[str, FileFacts, object]] = []
        fault = False
        word = re.compile(rb"\b" + re.escape(name.encode()) + rb"\b")
        for path in files:
            facts = self.facts(path)
            if facts is None:
                continue
            if path != fn.file and any(f.name == name and f.is_static for f in facts.functions):
                continue  # a static function of the same name: its own callers
            accounted = sum(1 for f in facts.functions if f.name == name)
            accounted += sum(1 for p in facts.prototypes if p.sig.name == name)
            accounted += sum(1 for e in facts.exports if e.name == name)
            for use in facts.values:
                if use.function != name:
                    continue
                accounted += 1
                if use.field in FAULT_FIELDS and any(_VM_FAULT.search(p.type) for p in fn.sig.params):
                    fault = True
                elif ctx.open_reason is None:
                    ctx.open_reason = f"{name}() is stored as a pointer (.{use.field}) at {path}:{use.line}"
            for call in facts.calls:
                if call.callee != name:
                    continue
                accounted += 1
                if call.caller is None:
                    ctx.open_reason = ctx.open_reason or f"{name}() is called outside a function at {path}:{call.line}"
                elif call.caller != name:
                    sites.append((path, facts, call))
            source = self.source(path) or b""
            if len(word.findall(_COMMENT_OR_STRING.sub(b" ", source))) > accounted and ctx.open_reason is None:
                ctx.open_reason = f"{name}() is named in {path} outside a call the index reads (a macro?)"
        if not sites and not fault and ctx.open_reason is None:
            ctx.open_reason = f"no caller of {name}() in the tree"
        if len(sites) > MAX_SITES:
            ctx.open_reason = f"{name}() has {len(sites)} call sites"
            return [], fault
        return sites, fault

    def _context_of(self, fn: FunctionDef, depth: int, visiting: frozenset) -> CallerContext:
        from reviewbot.checks.alloc_context import held_at, param_contexts

        ctx = CallerContext()
        sites, fault = self._sites(fn, ctx)
        if fault:
            ctx.paths.append(CallerPath([], None, None, True))  # entered by the mm core, holding mmap_lock only
        for path, facts, call in sites:
            caller = next((f for f in facts.functions if f.name == call.caller
                           and f.start_line <= call.line <= f.end_line), None)
            if caller is None:
                ctx.paths.append(CallerPath([Hop(call.caller, path, call.line)], known=False))
                continue
            if (caller.file, caller.name) in visiting:
                continue  # recursion adds no context of its own
            hop = Hop(caller.name, path, call.line)
            if any(v.function == caller.name and v.field in FAULT_FIELDS for v in facts.values):
                hop.notes.append("fault handler")
            calls = [c for c in facts.calls
                     if c.caller == caller.name and caller.start_line <= c.line <= caller.end_line]
            held = held_at(calls, call.line)
            scopes = [h for h in held if h.nofs_scope and self.dominates(path, h.line, h.column, call.line)]
            params = param_contexts(caller)
            scopes += [p for p in params if p.nofs_scope]
            unsafe = [h for h in held if not h.nofs_scope] + [p for p in params if not p.nofs_scope]
            if scopes:
                hop.notes.append(f"in {scopes[-1].what}")
                ctx.paths.append(CallerPath([hop], None, scopes[-1].what))
                continue
            if unsafe:
                chosen = next((h for h in reversed(unsafe) if h.atomic), unsafe[-1])
                hop.notes.append(chosen.where(path))
                ctx.paths.append(CallerPath([hop], chosen))
                continue
            if depth <= 1:
                ctx.paths.append(CallerPath([hop], known=False))
                continue
            upper = self.context_of(caller, depth - 1, visiting)
            if upper.open_reason and ctx.open_reason is None:
                ctx.open_reason = upper.open_reason
            for up in upper.paths:  # an empty path: the caller is a fault handler, entered by the mm core
                ctx.paths.append(CallerPath([hop] + up.hops, up.held, up.scope, up.known))
        return ctx
