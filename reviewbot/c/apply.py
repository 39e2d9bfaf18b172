"""Apply a series in memory, patch by patch, onto a read-only tree.

Hunks are placed like ``patch``/``git apply`` do: at the stated line, else the nearest place
where the context matches (offset), else ignoring trailing whitespace, else with up to two
lines of outer context dropped (fuzz). A patch that does not apply is reported with the hunk
that failed; later patches are applied onto the last state that did apply.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from unidiff import PatchSet
from unidiff.constants import LINE_TYPE_ADDED, LINE_TYPE_CONTEXT, LINE_TYPE_NO_NEWLINE, LINE_TYPE_REMOVED

from reviewbot.c.tree import OverlayTree, TreeSource, safe_relpath
from reviewbot.diffparse import parse_diff
from reviewbot.errors import InputError, UnsafePathError
from reviewbot.model import Patch

MAX_FUZZ = 2
_COPY_TO = re.compile(r"^copy to (.+)$", re.MULTILINE)


@dataclass
class FailedHunk:
    path: str
    hunk: str  # the "@@ -a,b +c,d @@" header
    reason: str


@dataclass
class FileChange:
    path: str  # post-image path (the old one for deletions)
    old_path: str | None  # pre-image path when it differs (renames) or None
    before: bytes | None
    after: bytes | None
    offsets: list[int] = field(default_factory=list)  # how far each hunk moved
    # per hunk: line in the tree after the patch = the hunk's own "+" line number + shift
    shifts: list[int] = field(default_factory=list)
    added: dict[int, str] = field(default_factory=dict)  # post-image line number -> added line, as placed


@dataclass
class StepResult:
    """The tree after one patch, what it changed, and what failed."""

    patch: Patch
    tree_after: OverlayTree
    changed: dict[str, FileChange] = field(default_factory=dict)
    failed: list[FailedHunk] = field(default_factory=list)

    @property
    def applied(self) -> bool:
        return not self.failed


def _strip(path: str | None) -> str | None:
    if path is None or path == "/dev/null":
        return None
    return path[2:] if path[:2] in ("a/", "b/") else path


def _find(lines: list[str], needle: list[str], expected: int, loose: bool) -> int | None:
    """Index where ``needle`` matches ``lines``, nearest to ``expected`` first."""
    if not needle:
        return max(0, min(expected, len(lines)))
    if loose:
        lines_cmp = [line.rstrip() for line in lines]
        needle = [line.rstrip() for line in needle]
    else:
        lines_cmp = lines
    limit = len(lines) - len(needle)
    for distance in range(0, max(expected, limit - expected) + 1):
        for pos in (expected - distance, expected + distance) if distance else (expected,):
            if 0 <= pos <= limit and lines_cmp[pos:pos + len(needle)] == needle:
                return pos
    return None


def _apply_hunks(content: str, patched_file, path: str, added: dict[int, str] | None = None,
                 shifts: list[int] | None = None) -> tuple[str | None, list[int], FailedHunk | None]:
    lines = content.splitlines(keepends=True)
    offset = 0
    offsets: list[int] = []
    for hunk in patched_file:
        old: list[str] = []
        new: list[str] = []
        new_added: list[bool] = []
        kinds: list[str] = []
        no_newline_new = False
        for line in hunk:
            if line.line_type == LINE_TYPE_NO_NEWLINE:
                if kinds and kinds[-1] in (LINE_TYPE_ADDED, LINE_TYPE_CONTEXT):
                    no_newline_new = kinds[-1] == LINE_TYPE_ADDED or no_newline_new
                if kinds and kinds[-1] in (LINE_TYPE_REMOVED, LINE_TYPE_CONTEXT) and old:
                    old[-1] = old[-1].rstrip("\n")
                continue
            kinds.append(line.line_type)
            if line.line_type in (LINE_TYPE_CONTEXT, LINE_TYPE_REMOVED):
                old.append(line.value)
            if line.line_type in (LINE_TYPE_CONTEXT, LINE_TYPE_ADDED):
                new.append(line.value)
                new_added.append(line.line_type == LINE_TYPE_ADDED)
        if no_newline_new and new:
            new[-1] = new[-1].rstrip("\n")
        expected = max(0, hunk.source_start - 1 + offset) if hunk.source_length else hunk.source_start + offset
        pos = None
        for fuzz in range(0, MAX_FUZZ + 1):
            lead = _leading_context(kinds, fuzz)
            trail = _trailing_context(kinds, fuzz)
            needle = old[lead:len(old) - trail]
            for loose in (False, True):
                pos = _find(lines, needle, expected + lead, loose)
                if pos is not None:
                    break
            if pos is not None:
                lines[pos:pos + len(needle)] = new[lead:len(new) - trail]
                if added is not None:  # where the added lines really are, offsets included
                    for k in range(lead, len(new) - trail):
                        if new_added[k]:
                            added[pos + (k - lead) + 1] = new[k].rstrip("\n")
                break
        if pos is None:
            header = f"@@ -{hunk.source_start},{hunk.source_length} +{hunk.target_start},{hunk.target_length} @@"
            return None, offsets, FailedHunk(path, header, "context does not match the tree")
        moved = pos - lead - (hunk.source_start - 1 if hunk.source_length else hunk.source_start)
        offsets.append(moved)
        if shifts is not None:
            shifts.append(pos - lead + 1 - hunk.target_start)
        offset = moved + (len(new) - len(old))
    return "".join(lines), offsets, None


def _leading_context(kinds: list[str], fuzz: int) -> int:
    n = 0
    while n < len(kinds) and kinds[n] == LINE_TYPE_CONTEXT and n < fuzz:
        n += 1
    return n


def _trailing_context(kinds: list[str], fuzz: int) -> int:
    n = 0
    while n < len(kinds) and kinds[-1 - n] == LINE_TYPE_CONTEXT and n < fuzz:
        n += 1
    return n


def _drop_first(path: str | None) -> str | None:
    if path is None or "/" not in path:
        return path
    return path.split("/", 1)[1]


def _strips_one_more(tree: TreeSource, patchset) -> bool:
    """quilt and plain diff -u name files "linux-6.1.orig/mm/memory.c" / "debian-kernel/mm/memory.c":
    as git apply does (-p1), the first component goes - when the first existing file the patch
    changes is not in the tree as written and is without that component."""
    for pf in patchset:
        try:
            source = _strip(pf.source_file)
            source = safe_relpath(source) if source else None
        except UnsafePathError:
            return False  # reported as such by the caller; never read
        if source is None or pf.is_added_file:
            continue
        if tree.read(source) is not None:
            return False
        shorter = _drop_first(source)
        return shorter != source and tree.read(shorter) is not None
    return False


def apply_patch(tree: TreeSource, diff_text: str) -> tuple[dict[str, FileChange], list[FailedHunk]]:
    """The file contents after ``diff_text``, or the hunks that did not apply (nothing is written)."""
    try:
        patchset: PatchSet = parse_diff(diff_text)
    except InputError as exc:
        return {}, [FailedHunk("", "", str(exc))]
    changes: dict[str, FileChange] = {}
    failed: list[FailedHunk] = []
    strip_one_more = _strips_one_more(tree, patchset)
    # unidiff reads "copy from/to" like a rename; git's extended header says which it is
    copies = {m.group(1) for m in _COPY_TO.finditer(diff_text)}
    if strip_one_more:
        copies = {_drop_first(p) for p in copies}
    for pf in patchset:
        try:
            source = _strip(pf.source_file)
            target = _strip(pf.target_file)
            source = safe_relpath(source) if source else None
            target = safe_relpath(target) if target else None
        except UnsafePathError as exc:
            failed.append(FailedHunk(pf.path, "", str(exc)))
            continue
        if strip_one_more:
            source, target = _drop_first(source), _drop_first(target)
        path = target or source or pf.path
        if pf.is_binary_file:
            failed.append(FailedHunk(path, "", "binary file: not applied"))
            continue
        before_bytes = tree.read(source) if source else None
        if source and before_bytes is None and not pf.is_added_file:
            failed.append(FailedHunk(path, "", f"{source} does not exist in the tree"))
            continue
        if pf.is_added_file and source is None and tree.read(path) is not None:
            failed.append(FailedHunk(path, "", f"{path} already exists"))
            continue
        before = (before_bytes or b"").decode("utf-8", "surrogateescape")
        added_at: dict[int, str] = {}
        shifts: list[int] = []
        if pf.is_removed_file:
            after_text: str | None = None
            offsets: list[int] = []
        else:
            after_text, offsets, failure = _apply_hunks(before, pf, path, added_at, shifts)
            if failure:
                failed.append(failure)
                continue
        after = after_text.encode("utf-8", "surrogateescape") if after_text is not None else None
        old_path = source if source and source != path else None
        changes[path] = FileChange(path, old_path, before_bytes, after, offsets=offsets, added=added_at, shifts=shifts)
        if old_path and path not in copies:  # a rename: the old path goes away (a copy leaves it)
            changes.setdefault(old_path, FileChange(old_path, None, before_bytes, None))
    return changes, failed


def apply_series(base: TreeSource, patches: list[Patch]) -> list[StepResult]:
    """One StepResult per patch; a failed patch leaves the tree as it was before it."""
    state = OverlayTree(base)
    steps = []
    for patch in patches:
        changes, failed = apply_patch(state, patch.diff_text)
        if not failed:
            state = state.with_changes({path: c.after for path, c in changes.items()})
            steps.append(StepResult(patch, state, changes, []))
        else:
            steps.append(StepResult(patch, state, {}, failed))
    return steps
