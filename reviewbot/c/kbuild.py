"""Which object or module a kernel C file is linked into, read from the tree's Makefiles (kbuild).

A call reaches a function's definition only if the two are linked together: a global function
of the caller's own module (or composite object) always; one built into the kernel image from
other built-in code; one in another module only through EXPORT_SYMBOL. The include graph cannot
say that; kbuild's lists can:

    obj-y += foo.o                      foo.o is built in (when its folder is built at all)
    obj-$(CONFIG_X) += foo.o bar/       built in or a module, as CONFIG_X is bool or tristate
    foo-y := a.o b.o   / foo-objs       a.o and b.o are linked into foo.o (one module)
    foo-$(CONFIG_Y) += sub/c.o          sometimes, c.o too (sub/c.c)
    lib-y += x.o                        built in (the kernel's lib.a)

The reader is small and tolerant: continuation lines are joined, ``:=``, ``=`` and ``+=`` all add
(an ``ifdef``/``else`` branch is a "maybe", so every branch counts), ``$(VAR)`` is expanded when the
same Makefile sets VAR, and what it cannot read (generated lists, ``$(call ...)``) leaves a file
"unknown": then nothing here decides and the callers fall back to the folder and include graph.
Whether CONFIG_X is bool or tristate comes from the nearest Kconfig that declares it (the object's
folder, then its parents); not found, the unit is "?" (may be either).

Everything is read from the tree object the resolver reads (never the filesystem outside it),
parsed Makefiles and Kconfigs are kept by blob id (a series' trees share them), and the answers
per file are kept per tree.
"""
from __future__ import annotations

import re
import weakref
from dataclasses import dataclass, field

from reviewbot.c.tree import TreeSource

# How a file relates to a definition's file, for linking.
SAME = "same"  # linked into one object/module: a global (not static) definition is reachable
LINKED = "linked"  # both always built in: a global definition is reachable
APART = "apart"  # different units, one of them (possibly) a module: only an exported definition is
MAYBE = "maybe"  # different units whose build (built in or module) is not settled
UNKNOWN = "unknown"  # a file no Makefile of the tree lists

# a unit's mode: always built in, always a module, either (tristate), not known
BUILTIN, MODULE, EITHER, NOT_KNOWN = "y", "m", "ym", "?"

_ASSIGN = re.compile(r"^[ \t]*(?:override[ \t]+|export[ \t]+)?([A-Za-z0-9_.$(){}/-]+?)[ \t]*(\+=|:=|\?=|=)(.*)$")
_VAR = re.compile(r"\$[({]([A-Za-z0-9_.-]+)[)}]")
_ADDPREFIX = re.compile(r"\$\(addprefix\s+([^,()$]*),([^()$]*)\)")
_CONFIG = re.compile(r"^\$[({](CONFIG_[A-Za-z0-9_]+)[)}]$")
_COMPOSITE = re.compile(r"^(.+)-(y|m|objs|\$[({]CONFIG_[A-Za-z0-9_]+[)}])$")
# variables whose words are not objects linked into the kernel or a module
# (each as the first word of the variable's name, before any "-" or "_", which is what is compared:
# "no" is no-clean-files, "header" header-test-y, "real" real-obj-y, "OBJECT" OBJECT_FILES_NON_STANDARD)
_NOT_LINKED = frozenset({"ccflags", "asflags", "ldflags", "subdir", "always", "extra", "targets", "hostprogs",
                         "userprogs", "userccflags", "clean", "no", "header", "dtb", "CFLAGS", "AFLAGS", "KASAN",
                         "KCSAN", "KCOV", "UBSAN", "GCOV", "OBJECT", "KMSAN", "head", "core", "drivers", "libs",
                         "real", "quiet", "cmd", "hostcflags", "host"})
MAX_EXPANSION_WORDS = 20_000  # a variable's expansion, at most: a hostile Makefile cannot make it explode
_KCONFIG_ENTRY = re.compile(r"^[ \t]*(?:menu)?config[ \t]+([A-Za-z0-9_]+)[ \t]*$", re.MULTILINE)
_KCONFIG_TYPE = re.compile(r"^[ \t]*(bool|tristate|def_bool|def_tristate)\b", re.MULTILINE)
_KCONFIG_END = re.compile(r"^[ \t]*(?:(?:menu)?config|choice|endchoice|menu|endmenu|if|endif|source|comment)\b",
                          re.MULTILINE)
DEPTH = 3  # composite of a composite of a composite: deeper is not followed
_MEMO_SIZE = 4096


@dataclass(frozen=True)
class Unit:
    """What a file is linked into: the top-level object (``drivers/x/foo.o``: a module when built
    as one) and whether it is built in, a module, either, or not known."""

    name: str
    mode: str


@dataclass
class Makefile:
    """One Makefile's object lists: per word ("foo.o", "sub/bar.o"), the variables that list it."""

    folder: str
    lists: dict[str, list[str]] = field(default_factory=dict)  # word -> variable names


_MAKEFILES: dict[str, Makefile] = {}
_KCONFIGS: dict[str, dict[str, str]] = {}


def _remember(memo: dict, key, value):
    if len(memo) >= _MEMO_SIZE:
        memo.pop(next(iter(memo)))
    memo[key] = value
    return value


def logical_lines(text: str) -> list[str]:
    """The lines of a Makefile with continuation lines joined and comments dropped."""
    text = text.replace("\\\r\n", " ").replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        cut = line.find("#")
        if cut >= 0:
            line = line[:cut]
        if line.strip():
            out.append(line)
    return out


def parse_makefile(folder: str, text: str) -> Makefile:
    """The object lists of one Makefile (see the module's docstring for what is read)."""
    assigned: dict[str, list[str]] = {}
    order: list[tuple[str, str]] = []
    for line in logical_lines(text):
        if line.startswith("\t") and not _ASSIGN.match(line):
            continue  # a recipe
        m = _ASSIGN.match(line)
        if m is None:
            continue
        name, value = m.group(1), m.group(3)
        assigned.setdefault(name, []).append(value)
        conditional = _COMPOSITE.match(name)
        if conditional is not None and conditional.group(2).startswith("$"):
            # "mmu-$(CONFIG_MMU) := memory.o" then "obj-y += $(mmu-y)": maybe, so it counts
            assigned.setdefault(conditional.group(1) + "-y", []).append(value)
        order.append((name, value))
    made = Makefile(folder)
    expanded: dict[tuple[str, int], str] = {}
    for name, value in order:
        if name.split("-")[0].split("_")[0] in _NOT_LINKED or not (name.startswith(("obj-", "lib-"))
                                                                    or _COMPOSITE.match(name)):
            continue
        for word in _expand(value, assigned, DEPTH, expanded).split():
            if word.endswith(".o") and "$" not in word:
                made.lists.setdefault(_normal(word), []).append(name)
    return made


def _expand(value: str, assigned: dict[str, list[str]], depth: int, expanded: dict[tuple[str, int], str]) -> str:
    """``$(VAR)`` replaced by what the same Makefile assigns to VAR (every assignment: "maybe"),
    and ``$(addprefix dir/,a.o b.o)``; anything else stays, and is not an object name. Each
    variable is expanded once per depth (``expanded``), its words once each and at most
    MAX_EXPANSION_WORDS: "a-y += x.o $(a-y) $(a-y)" repeated doubles nothing."""
    value = _ADDPREFIX.sub(lambda m: " ".join(m.group(1).strip() + w for w in m.group(2).split()), value)
    if depth <= 0:
        return value

    def sub(m: re.Match) -> str:
        name = m.group(1)
        values = assigned.get(name)
        if values is None or name.startswith("CONFIG_"):
            return m.group(0)
        key = (name, depth)
        if key not in expanded:
            expanded[key] = ""  # a variable met again inside its own expansion adds nothing
            words = dict.fromkeys(w for v in values for w in _expand(v, assigned, depth - 1, expanded).split())
            expanded[key] = " ".join(list(words)[:MAX_EXPANSION_WORDS])
        return expanded[key]
    return _VAR.sub(sub, value)


def _normal(word: str) -> str:
    parts = [p for p in word.split("/") if p not in ("", ".")]
    return "/".join(parts)


def parse_kconfig(text: str) -> dict[str, str]:
    """Each symbol a Kconfig file declares, and its type (bool, tristate)."""
    types: dict[str, str] = {}
    for m in _KCONFIG_ENTRY.finditer(text):
        end = _KCONFIG_END.search(text, m.end())
        body = text[m.end():end.start() if end else len(text)]
        t = _KCONFIG_TYPE.search(body)
        if t is not None and m.group(1) not in types:
            types[m.group(1)] = "tristate" if "tristate" in t.group(1) else "bool"
    return types


def _parent(folder: str) -> str | None:
    if not folder:
        return None
    return folder.rsplit("/", 1)[0] if "/" in folder else ""


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name


class Kbuild:
    """The Makefiles of one tree, read as questions come."""

    def __init__(self, tree: TreeSource):
        self.tree = tree
        self._units: dict[str, frozenset[Unit]] = {}
        self._makefiles: dict[str, Makefile | None] = {}
        self._types: dict[tuple[str, str], str] = {}

    def makefile(self, folder: str) -> Makefile | None:
        """The folder's Kbuild file, else its Makefile (kbuild's own order), parsed."""
        if folder not in self._makefiles:
            found = None
            for name in ("Kbuild", "Makefile"):
                path = _join(folder, name)
                blob = self.tree.blob_id(path)
                if blob is None:
                    continue
                found = _MAKEFILES.get(blob)
                if found is None:
                    data = self.tree.read(path) or b""
                    found = _remember(_MAKEFILES, blob, parse_makefile(folder, data.decode("utf-8", "replace")))
                break
            self._makefiles[folder] = found
        return self._makefiles[folder]

    def config_mode(self, symbol: str, folder: str) -> str:
        """BUILTIN for a bool option, EITHER for a tristate, NOT_KNOWN when no Kconfig from
        ``folder`` up declares it."""
        key = (symbol, folder)
        if key not in self._types:
            mode, here = NOT_KNOWN, folder
            while here is not None:
                path = _join(here, "Kconfig")
                blob = self.tree.blob_id(path)
                if blob is not None:
                    types = _KCONFIGS.get(blob)
                    if types is None:
                        data = self.tree.read(path) or b""
                        types = _remember(_KCONFIGS, blob, parse_kconfig(data.decode("utf-8", "replace")))
                    if symbol in types:
                        mode = BUILTIN if types[symbol] == "bool" else EITHER
                        break
                here = _parent(here)
            self._types[key] = mode
        return self._types[key]

    def _list_mode(self, variable: str, folder: str) -> str | None:
        """The mode an obj-/lib- list gives its objects; None for a composite's list."""
        if variable.startswith("lib-"):
            return BUILTIN
        if not variable.startswith("obj-"):
            return None
        cond = variable[4:]
        if cond == "y":
            return BUILTIN
        if cond == "m":
            return MODULE
        m = _CONFIG.match(cond)
        return self.config_mode(m.group(1)[7:], folder) if m else NOT_KNOWN

    def units(self, path: str) -> frozenset[Unit]:
        """What the C file ``path`` is linked into (empty: no Makefile of the tree lists it)."""
        if path not in self._units:
            self._units[path] = frozenset(self._object_units(path[:-2] + ".o", DEPTH)) if path.endswith(".c") \
                else frozenset()
        return self._units[path]

    def _object_units(self, obj: str, depth: int) -> set[Unit]:
        """The units of the object ``obj`` (a path from the tree's top), from every Makefile of
        its folder and the folders above it that lists it."""
        found: set[Unit] = set()
        folder = _parent(obj)
        while folder is not None:
            made = self.makefile(folder)
            rel = obj[len(folder) + 1:] if folder else obj
            for variable in (made.lists.get(rel, []) if made else []):
                mode = self._list_mode(variable, folder)
                if mode is not None:
                    found.add(Unit(obj, mode))
                    continue
                composite = _COMPOSITE.match(variable)
                if composite is not None and depth > 0:
                    found |= self._object_units(_join(folder, composite.group(1) + ".o"), depth - 1)
            folder = _parent(folder)
        return found

    def relation(self, caller: str, target: str) -> str:
        """How the file ``caller`` is linked with the file ``target`` (see the constants above)."""
        a, b = self.units(caller), self.units(target)
        if not a or not b:
            return UNKNOWN
        if {u.name for u in a} & {u.name for u in b}:
            return SAME
        modes = {u.mode for u in a | b}
        if modes == {BUILTIN}:
            return LINKED
        if NOT_KNOWN in modes:
            return MAYBE
        return APART


_PER_TREE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def kbuild_of(tree: TreeSource) -> Kbuild:
    """The one Kbuild reader of ``tree`` (kept as long as the tree object lives)."""
    found = _PER_TREE.get(tree)
    if found is None:
        found = _PER_TREE[tree] = Kbuild(tree)
    return found


def reachable(relation: str, exported: bool) -> bool | None:
    """Whether a global definition is reachable for that relation: True, False, or None (not settled)."""
    if relation in (SAME, LINKED):
        return True
    if relation == APART and not exported:
        return False
    return None
