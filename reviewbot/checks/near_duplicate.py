"""Near-duplicate new functions: "X() is the same as Y() except it passes true instead of false:
add a parameter instead of a new helper".

Every function a patch adds is compared with the functions of its own file, of the other C files
in its directory, and, anywhere in the tree, with the functions that call the same distinctive
callees (found with a whole-word grep) and those whose MinHash fingerprint is close to its own
(the near-copy index, see c/fingerprint.py: built by ``reviewbot index --fingerprints``, or by the
first review of an indexed tree that needs it), as the tree stands after the patch.
Bodies are compared as token streams from tree-sitter (comments and layout ignored); a new
function whose tokens match an existing one almost everywhere is reported with the twin's place
and the exact tokens that differ.
"""
from __future__ import annotations

import difflib
import posixpath
import sys
from dataclasses import dataclass
from functools import lru_cache

from tree_sitter import Node

from reviewbot.c import fingerprint
from reviewbot.c.apply import StepResult
from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import FunctionDef
from reviewbot.c.index import ensure_fingerprints
from reviewbot.c.parse import blank_annotations, parse
from reviewbot.checks.changed import changed_c_files
from reviewbot.model import Finding, Severity
from reviewbot.registry import Check

RULE = "RB-NEAR-DUP"
CHECK = Check(
    id=RULE, severity=Severity.WARNING, scope="added functions, tree-wide",
    title="A new function that is a near copy of an existing one (same file, directory, callers of the "
          "same callees, and anywhere in an indexed tree), with the tokens that differ.",
    what="""Compares every function a patch adds, token by token, with the functions of its file, of its
        directory, of the files calling the same distinctive callees and, when the tree is indexed, with
        its closest fingerprints anywhere; a near match is reported with the twin and the exact tokens
        that differ. A static twin in another directory is a remark (info).""",
    why="""Two copies drift apart: the next fix lands in one of them. Maintainers ask for a parameter on
        the existing function instead of a near copy.""",
    example="""
        vm_fault_t vmf_insert_mixed_mkwrite(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn)
        {
            return __vm_insert_mixed(vma, addr, pfn, vma->vm_page_prot, true);
        }""",
    instead="""
        vm_fault_t vmf_insert_mixed(struct vm_area_struct *vma, unsigned long addr, pfn_t pfn,
                        bool mkwrite)""",
    fixtures=("checks/near-duplicate",))

MIN_TOKENS = 8  # shorter bodies ("return x;") are alike by nature
MIN_RATIO = 0.85  # token similarity (difflib) of a near copy: below it, more than a tweak differs
# differing runs of tokens at most: a twin changes a flag, a constant or a call; more is another
# function sharing boilerplate, not one to give a parameter
MAX_DIFFERENCES = 3
MAX_DIR_FILES = 60  # directories larger than this: only the patch's own files are compared
CALLEES_TRIED = 3  # tree-wide: files calling the new function's most distinctive callees
MAX_CALLEE_FILES = 40  # a callee used in more files than this says nothing about likeness
MAX_FINGERPRINT_TWINS = 20  # closest fingerprint matches compared token by token


@dataclass
class Token:
    text: str
    callee: str | None  # the function whose call this token is an argument of


def body_tokens(source: bytes, fn: FunctionDef) -> list[Token]:
    """Leaf tokens of a function body, each with the call it sits in (for describing differences)."""
    blanked, root = _parsed(source)
    body = root.descendant_for_byte_range(fn.body_start, fn.body_end - 1)
    while body is not None and not (body.start_byte == fn.body_start and body.type == "compound_statement"):
        body = body.parent
    if body is None:
        return []
    tokens: list[Token] = []
    _walk(body, blanked, tokens, None)
    return tokens


@lru_cache(maxsize=32)
def _parsed(source: bytes) -> tuple[bytes, Node]:
    """A file's blanked text and syntax tree: the functions of one file are compared one by one, and
    parsing the file again for each was most of a review's time."""
    blanked = blank_annotations(source)
    return blanked, parse(blanked, blank=False).root_node  # a node keeps its tree alive


def _walk(node: Node, source: bytes, out: list[Token], callee: str | None) -> None:
    if node.type == "comment":
        return
    if node.type == "call_expression":
        fn = node.child_by_field_name("function")
        name = source[fn.start_byte:fn.end_byte].decode("utf-8", "replace") if fn is not None else None
        for child in node.children:
            _walk(child, source, out, name if child.type == "argument_list" else callee)
        return
    if node.child_count == 0 or node.type in ("string_literal", "char_literal", "number_literal"):
        out.append(Token(source[node.start_byte:node.end_byte].decode("utf-8", "replace"), callee))
        return
    for child in node.children:
        _walk(child, source, out, callee)


def compare(new: list[Token], old: list[Token]) -> tuple[float, list[str]]:
    """Similarity of two token streams and the differences, in words."""
    a, b = [t.text for t in new], [t.text for t in old]
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.quick_ratio() < MIN_RATIO:
        return 0.0, []
    diffs = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            continue
        mine, theirs = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        callee = new[i1].callee if i1 < len(new) else None
        where = f" to {callee}()" if callee else ""
        if op == "replace":
            verb = "passing " if callee else ""
            diffs.append(f"{verb}`{mine}` instead of `{theirs}`{where}")
        elif op == "insert":
            diffs.append(f"lacking `{theirs}`")
        else:
            diffs.append(f"adding `{mine}`{where}")
    return matcher.ratio(), diffs


def check_step(step: StepResult, cache: FactsCache) -> list[Finding]:
    findings: list[Finding] = []
    tree = step.tree_after
    reported: set[frozenset] = set()  # two new twins in one patch: one finding, not one each
    blob_paths: dict[str, str] = {}  # filled on first use: blob id -> a path holding it
    for cf in changed_c_files(step):
        path, change, after = cf.path, cf.change, cf.after
        before_names = {f.name for f in cf.before.functions} if cf.before else set()
        added = [f for f in after.functions if f.name not in before_names]
        if not added:
            continue
        added_names = {a.name for a in added}
        nearby = [(path, change.after, f) for f in after.functions]
        for other in _dir_files(tree, posixpath.dirname(path), path):
            nearby.extend(_functions_of(tree, other, cache))
        token_cache: dict[tuple[str, str], list[Token]] = {}
        for fn in added:
            mine = body_tokens(change.after, fn)
            if len(mine) < MIN_TOKENS:
                continue
            candidates = (nearby + _tree_wide(tree, cache, after, fn, path, added_names)
                          + _fingerprint_twins(tree, cache, change.after, fn, blob_paths))
            best = None
            for other_path, data, other in candidates:
                if other.name == fn.name:
                    continue
                key = (other_path, other.name)
                if key not in token_cache:
                    token_cache[key] = body_tokens(data, other)
                theirs = token_cache[key]
                if len(theirs) < MIN_TOKENS:
                    continue
                ratio, diffs = compare(mine, theirs)
                if ratio >= MIN_RATIO and len(diffs) <= MAX_DIFFERENCES and (best is None or ratio > best[0]):
                    best = (ratio, other_path, other, diffs)
            if best is not None:
                _, other_path, other, diffs = best
                pair = frozenset({(path, fn.name), (other_path, other.name)})
                if pair in reported:
                    continue
                reported.add(pair)
                what = "is identical to" if not diffs else "differs from"
                detail = "" if not diffs else " only by " + "; ".join(diffs)
                elsewhere = other.is_static and posixpath.dirname(other_path) != posixpath.dirname(path)
                # a static twin in another directory cannot simply be called: a remark, not a warning
                hint = (f"{other.name}() is static in {other_path}: move it where both can share it" if elsewhere
                        else f"add a parameter to {other.name}() (or share a helper) instead of a near-copy")
                findings.append(Finding(
                    path, fn.line, RULE, Severity.INFO if elsewhere else Severity.WARNING,
                    f"{fn.name}() {what} {other.name}() ({other_path}:{other.line}){detail}",
                    step.patch.index, hint))
    return findings


def _functions_of(tree, path: str, cache: FactsCache, calling: str | None = None) -> list:
    facts = cache.facts(tree, path)
    data = tree.read(path)
    if facts is None or data is None:
        return []
    names = None
    if calling is not None:
        names = {c.caller for c in facts.calls if c.callee == calling}
    return [(path, data, f) for f in facts.functions if names is None or f.name in names]


def _tree_wide(tree, cache: FactsCache, facts, fn: FunctionDef, path: str, exclude: set[str]) -> list:
    """Functions anywhere in the tree that call the same distinctive callees as ``fn``: a near copy
    calls what its original calls. Long, rare names say more than kfree() or spin_lock()."""
    # an all-capitals callee is a macro (IS_BUILTIN, WARN_ON): named everywhere, it says nothing
    callees = sorted({c.callee for c in facts.calls if c.caller == fn.name and c.callee not in exclude
                      and not c.callee.isupper()},
                     key=lambda name: (-len(name), name))[:CALLEES_TRIED]
    out = []
    for callee in callees:
        # the search stops once the callee is known to be too common (on a commit, git grep reads
        # every blob of the tree: seconds each)
        named = tree.grep_word(callee, ("*.c",), limit=MAX_CALLEE_FILES + 1)
        files = [p for p in named if p != path]
        if len(files) > MAX_CALLEE_FILES:
            continue
        for other in files:
            out.extend(_functions_of(tree, other, cache, calling=callee))
    return out


def _fingerprint_twins(tree, cache: FactsCache, data: bytes, fn: FunctionDef, blob_paths: dict[str, str]) -> list:
    """Functions of the fingerprint index that share a MinHash band with ``fn``, closest first."""
    (sig,) = fingerprint.signatures([data[fn.body_start:fn.body_end]])
    if sig is None:
        return []
    if not blob_paths:  # once per patch: the tree's C files, and the near-copy index completed for them
        blob_paths.update(_blobs_of_c_files(tree))
        ensure_fingerprints(tree, cache, blob_paths, say=_note)
    matches = cache.fingerprint_matches(fingerprint.bands(sig))
    if not matches:
        return []
    # only functions of this tree, before the closest are kept: the index also holds other trees'
    # and revisions' blobs, which would take the places of the real twins
    here = [(blob_paths[blob], line, shared) for (blob, line), shared in matches.items() if blob in blob_paths]
    out = []
    for path, line, _shared in sorted(here, key=lambda m: -m[2])[:MAX_FINGERPRINT_TWINS]:
        facts = cache.facts(tree, path)
        source = tree.read(path)
        if facts is None or source is None:
            continue
        out.extend((path, source, f) for f in facts.functions if f.line == line)
    return out


def _note(text: str) -> None:
    print(f"reviewbot: {text}", file=sys.stderr, flush=True)


def _blobs_of_c_files(tree) -> dict[str, str]:
    out: dict[str, str] = {}
    for path in tree.files():
        if path.endswith(".c"):
            blob = tree.blob_id(path)
            if blob is not None:
                out.setdefault(blob, path)
    return out


def _dir_files(tree, directory: str, exclude: str) -> list[str]:
    files = [p for p in tree.files() if posixpath.dirname(p) == directory and p.endswith(".c") and p != exclude]
    return files if len(files) <= MAX_DIR_FILES else []
