"""What a call of a name reaches in a tree: its function definitions and function-like macros.

A call is checked against what its name resolves to where the call stands, not against the one
definition a patch changed: a definition or macro in the caller's own file wins; otherwise every
non-static definition, and every definition or macro in a header, that the caller's part of the
tree can reach (arch/X/ code never reaches arch/Y/'s; kernel code never reaches the userspace
programs in tools/, samples/, scripts/, usr/, nor they it). A function-like macro is checked by
its parameter count, then by what its body calls (``#define foo(a, b) foo_ctx(default_ctx, a, b)``).

Where the tree's Makefiles say how the caller and a definition are linked (kbuild.py), that
decides among global definitions in .c files: one of the caller's own module or composite object
wins; one in another unit that may be a module is reachable only if exported; the rest (built in,
or not settled) stay candidates. Where no Makefile lists a file, the folder stands in for it.
"""
from __future__ import annotations

import posixpath
import re
from collections import deque
from dataclasses import dataclass, field
from functools import cached_property

from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import FileFacts, Signature
from reviewbot.c.kbuild import APART, SAME, UNKNOWN, Kbuild, kbuild_of
from reviewbot.c.tree import TreeSource

C_SUFFIXES = (".c", ".h")
# top-level folders of a kernel tree whose C files are programs of their own, not linked with it
USERSPACE_TOPS = ("tools", "samples", "scripts", "usr")
MACRO_DEPTH = 4  # a macro expanding to a macro expanding to...: deeper than this is not followed


@dataclass
class Macro:
    name: str
    file: str
    line: int
    params: list[str] | None  # None: object-like ("#define foo bar")
    variadic: bool
    body: str


@dataclass
class Target:
    """One thing a call of a name can reach: a function definition or a macro."""

    file: str
    line: int
    static: bool = False
    sig: Signature | None = None
    macro: Macro | None = None

    @property
    def in_header(self) -> bool:
        return self.file.endswith(".h")

    def describe(self) -> str:
        if self.macro is not None:
            return f"the macro {self.macro.name}({', '.join(self.macro.params or [])}) at {self.file}:{self.line}"
        return f"{self.sig.render()} at {self.file}:{self.line}"


@dataclass
class Resolution:
    name: str
    targets: list[Target] = field(default_factory=list)
    facts: dict[str, FileFacts] = field(default_factory=dict)  # the files the name appears in
    texts: dict[str, bytes] = field(default_factory=dict)
    exported: bool = False  # an EXPORT_SYMBOL*(name) somewhere in the tree's C files
    kbuild: Kbuild | None = None  # the tree's Makefiles, when the resolution came from a tree

    @cached_property
    def declaring_headers(self) -> frozenset[str]:
        """The headers that define or declare the name (asked at every call site of it)."""
        return frozenset({t.file for t in self.targets if t.in_header}
                         | {p for p, f in self.facts.items()
                            if p.endswith(".h") and any(q.sig.name == self.name for q in f.prototypes)})


def region(path: str) -> tuple[str, ...]:
    """The part of a kernel tree a file is built into: ("user", top), ("arch", X) or ("kernel",)."""
    parts = path.split("/")
    if parts[0] in USERSPACE_TOPS and len(parts) > 1:
        return ("user", parts[0])
    if parts[0] == "arch" and len(parts) > 2:
        return ("arch", parts[1])
    return ("kernel",)


def reaches(caller: str, target: str) -> bool:
    """Whether code in ``caller`` can be linked with or include ``target`` at all."""
    a, b = region(caller), region(target)
    if a == b:
        return True
    if a[0] == "user" or b[0] == "user":
        return False
    return a[0] != "arch" or b[0] != "arch"  # generic <-> one arch yes, arch X <-> arch Y no


_DEFINE = r"^[ \t]*#[ \t]*define[ \t]+{name}(\([^)]*\))?(?:[ \t]+((?:[^\n\\]|\\\n|\\.)*))?$"


def macros_named(name: str, path: str, data: bytes) -> list[Macro]:
    """The ``#define name`` lines of a file (both forms), with their continuation lines joined."""
    pattern = re.compile(_DEFINE.format(name=re.escape(name)), re.MULTILINE)
    out = []
    source = data.decode("utf-8", "replace")
    for m in pattern.finditer(source):
        params: list[str] | None = None
        variadic = False
        if m.group(1) is not None:
            params = [p.strip() for p in m.group(1)[1:-1].split(",") if p.strip()]
            if params and params[-1].endswith("..."):
                variadic = True
                params = params[:-1] if params[-1] == "..." else params[:-1] + [params[-1][:-3].strip()]
        body = " ".join((m.group(2) or "").replace("\\\n", " ").split())
        out.append(Macro(name, path, source.count("\n", 0, m.start()) + 1, params, variadic, body))
    return out


def resolve(name: str, tree: TreeSource, cache: FactsCache) -> Resolution:
    """Every definition and macro of ``name`` in ``tree`` (from the files a whole-word grep names)."""
    res = Resolution(name, kbuild=kbuild_of(tree))
    for path in tree.grep_word(name):
        if not path.endswith(C_SUFFIXES):
            continue
        facts = cache.facts(tree, path)
        if facts is None:
            continue
        res.facts[path] = facts
        data = tree.read(path) or b""
        res.texts[path] = data
        res.exported = res.exported or any(e.name == name for e in facts.exports)
        for fn in facts.functions:
            if fn.name == name:
                res.targets.append(Target(path, fn.line, fn.is_static, fn.sig))
        if b"define" in data:
            for macro in macros_named(name, path, data):
                res.targets.append(Target(path, macro.line, True, macro=macro))
    return res


def candidates(res: Resolution, caller_file: str) -> list[Target]:
    """What a call in ``caller_file`` can reach: its own file's definitions and macros win, then
    those of its own module (Makefiles), then every reachable one."""
    own = [t for t in res.targets if t.file == caller_file]
    if own:
        return own
    found = [t for t in res.targets if (t.in_header or not t.static) and reaches(caller_file, t.file)]
    files = {t.file for t in found if not t.in_header}
    if res.kbuild is not None and files and (len(files) > 1 or not res.exported):
        relation = {f: res.kbuild.relation(caller_file, f) for f in files}
        same = {f for f in files if relation[f] == SAME}
        if same:  # a global of the caller's own module: any other of that name is not linked with it
            return [t for t in found if t.in_header or t.file in same]
        files = {f for f in files if not (relation[f] == APART and not res.exported)}
        found = [t for t in found if t.in_header or t.file in files]
        if all(relation[f] != UNKNOWN for f in files):
            return found  # the Makefiles settled it as far as they can: no folder guess
    if len(files) > 1:
        # two programs or modules with a global function of the same name, and no Makefile to say
        # which the caller is linked with: the one beside the caller nearly always is
        near = {f for f in files if posixpath.dirname(f) == posixpath.dirname(caller_file)}
        if near:
            return [t for t in found if t.in_header or t.file in near]
    return found


def linkage(res: Resolution, caller_file: str, target_file: str) -> str:
    """How ``caller_file`` is linked with ``target_file`` by the tree's Makefiles (kbuild.py)."""
    if res.kbuild is None or not target_file.endswith(".c") or not caller_file.endswith(".c"):
        return UNKNOWN
    return res.kbuild.relation(caller_file, target_file)


def arity_ok(sig: Signature, given: int) -> bool:
    return given >= sig.arity if sig.variadic else given == sig.arity


def expected(sig: Signature) -> str:
    return f"at least {sig.arity}" if sig.variadic else str(sig.arity)


def split_args(text: str) -> list[str]:
    """Top-level comma-separated arguments of an argument list's inside."""
    args, depth, cur = [], 0, []
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    last = "".join(cur).strip()
    if last or args:
        args.append(last)
    return args


_BODY_CALL = re.compile(r"(?<![\w.>#])([A-Za-z_]\w*)\s*\(")


def macro_expansion(macro: Macro, nargs: int) -> tuple[str, int] | None:
    """The function a function-like macro's body calls first, and with how many arguments, when
    that can be known (no token pasting, no __VA_ARGS__ spread): None otherwise."""
    if "##" in macro.body:
        return None
    if macro.params is None:  # "#define foo bar": the call's own arguments go to bar
        m = re.fullmatch(r"\(?\s*([A-Za-z_]\w*)\s*\)?", macro.body)
        return (m.group(1), nargs) if m else None
    for m in _BODY_CALL.finditer(macro.body):
        callee = m.group(1)
        if callee in ("do", "while", "if", "sizeof", "typeof", "__typeof__", "for", "switch", "return"):
            continue
        depth, i = 1, m.end()
        while i < len(macro.body) and depth:
            depth += {"(": 1, ")": -1}.get(macro.body[i], 0)
            i += 1
        if depth:
            return None
        inner = split_args(macro.body[m.end():i - 1])
        if any("__VA_ARGS__" in a for a in inner) or (macro.variadic and any(macro.params and a == macro.params[-1]
                                                                              for a in inner)):
            return None
        return callee, len(inner)
    return None


_NOT_DECLARING = {"return", "case", "goto", "else", "sizeof", "typeof", "do"}
# prose is not a declaration: "after init_db, which clears..." in a comment declares no init_db
_COMMENT_OR_STRING = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.DOTALL)


def shadowed(facts: FileFacts, data: bytes, caller: str | None, name: str, line: int) -> bool:
    """Whether ``name`` at ``line`` is a parameter or local of the enclosing function (a function
    pointer that happens to share the name), not the function of that name."""
    if caller is None:
        return False
    fn = next((f for f in facts.functions if f.name == caller and f.start_line <= line <= f.end_line), None)
    if fn is None:
        return False
    if any(p.name == name for p in fn.sig.params):
        return True
    body = _COMMENT_OR_STRING.sub(" ", data[fn.body_start:fn.body_end].decode("utf-8", "replace"))
    word = re.escape(name)
    if re.search(r"\(\s*\*\s*" + word + r"\s*\)\s*\(", body):  # "int (*foo)(int);"
        return True
    for m in re.finditer(r"\b([A-Za-z_]\w*)[\s*]+" + word + r"\s*(?:=[^=]|;|,|\[)", body):
        if m.group(1) not in _NOT_DECLARING:
            return True
    return False


@dataclass
class Verdict:
    ok: bool
    target: Target | None = None  # the definition the call was checked against
    why: str = ""  # for a mismatch: what the call does wrong
    through: str = ""  # "through the macro foo() at X:12" when a macro was expanded


def accepts(target: Target, nargs: int, tree: TreeSource, cache: FactsCache, caller_file: str,
            depth: int = 0) -> Verdict:
    """Whether a call with ``nargs`` arguments in ``caller_file`` builds against ``target``."""
    if target.sig is not None:
        if arity_ok(target.sig, nargs):
            return Verdict(True, target)
        n = "argument" if nargs == 1 else "arguments"
        return Verdict(False, target, f"with {nargs} {n}; it takes {expected(target.sig)} ({target.sig.render()})")
    macro = target.macro
    assert macro is not None
    if macro.params is not None:
        want = len(macro.params)
        if nargs < want if macro.variadic else nargs != want:
            n = "argument" if nargs == 1 else "arguments"
            return Verdict(False, target, f"with {nargs} {n}; {target.describe()} takes {len(macro.params)}")
    expansion = macro_expansion(macro, nargs)
    if expansion is None or depth >= MACRO_DEPTH:
        return Verdict(True, target)
    inner_name, inner_args = expansion
    inner = resolve(inner_name, tree, cache)
    # a macro wrapping the function of its own name ("#define foo(a) foo(a, 0)") reaches the function
    reachable = [t for t in candidates(inner, caller_file) if not (inner_name == macro.name and t.macro is not None)]
    if not reachable:
        return Verdict(True, target)  # defined where reviewbot does not look (assembly, generated code)
    verdicts = [accepts(t, inner_args, tree, cache, caller_file, depth + 1) for t in reachable]
    good = next((v for v in verdicts if v.ok), None)
    if good is not None:
        return Verdict(True, good.target, through=f"through {target.describe()}")
    bad = verdicts[0]
    return Verdict(False, bad.target, f"which expands to {inner_name}() {bad.why}", f"through {target.describe()}")


INCLUDE = re.compile(rb'^[ \t]*#[ \t]*include[ \t]*[<"]([^>"]+)[>"]', re.MULTILINE)
INCLUDE_LIMIT = 600  # headers read per question before giving up ("unsure")


class Includes:
    """Which headers a file pulls in, transitively: does a caller see a declaration at all?"""

    def __init__(self, tree: TreeSource):
        self.tree = tree
        self._direct: dict[str, tuple[list[str], list[str]]] = {}

    def _resolve(self, including: str, name: str) -> str | None:
        base = including.rsplit("/", 1)[0] if "/" in including else ""
        tries = [f"{base}/{name}" if base else name, name, f"include/{name}", f"include/uapi/{name}"]
        arch = region(including)
        if name.startswith("asm/"):
            tries += [f"arch/{arch[1] if arch[0] == 'arch' else 'x86'}/include/{name}",
                      f"include/asm-generic/{name[4:]}"]
        for path in tries:
            path = _normal(path)
            if path is not None and self.tree.blob_id(path) is not None:
                return path
        return None

    def direct(self, path: str) -> tuple[list[str], list[str]]:
        """The headers ``path`` includes that are in the tree, and the include names that are not."""
        if path not in self._direct:
            data = self.tree.read(path) or b""
            found, missing = [], []
            for m in INCLUDE.finditer(data):
                name = m.group(1).decode("utf-8", "replace")
                hit = self._resolve(path, name)
                if hit is not None:
                    found.append(hit)
                else:
                    missing.append(name if data[m.start(1) - 1:m.start(1)] == b"<" else f'"{name}"')
            self._direct[path] = (found, missing)
        return self._direct[path]

    def sees(self, path: str, headers: set[str]) -> bool | None:
        """True when ``path`` includes one of ``headers`` (transitively), False when it surely does
        not, None when that is not settled: the search was cut short, or a header it includes is
        missing from the tree where the tree has others of its folder (an excerpt of a tree; a
        system header like <stdio.h> or a generated one settles nothing and is passed over)."""
        seen, todo = {path}, deque([path])
        missing: list[str] = []
        folders = {h.rsplit("/", 2)[-2] for h in headers if h.count("/")}
        while todo:
            if len(seen) > INCLUDE_LIMIT:
                return None
            found, lost = self.direct(todo.popleft())
            missing.extend(lost)
            for hit in found:
                if hit in headers:
                    return True
                if hit not in seen:
                    seen.add(hit)
                    todo.append(hit)
                    folders.add(hit.rsplit("/", 2)[-2] if hit.count("/") else "")
        for name in missing:
            if name.startswith('"') and not name.startswith('"generated/'):
                return None
            if "/" in name and name.split("/")[0] in folders:
                return None
        return False


def _normal(path: str) -> str | None:
    parts: list[str] = []
    for p in path.split("/"):
        if p in ("", "."):
            continue
        if p == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(p)
    return "/".join(parts) or None
