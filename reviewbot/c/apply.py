"""Apply a series in memory, patch by patch, onto a read-only tree.

Hunks are placed like ``patch``/``git apply`` do: at the stated line, else the nearest place
where the context matches (offset), else ignoring trailing whitespace, else with up to two
lines of outer context dropped (fuzz). A patch that does not apply is reported with the hunk
that failed; later patches are applied onto the last state that did apply.
"""
from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from unidiff import PatchSet
from unidiff.constants import LINE_TYPE_ADDED, LINE_TYPE_CONTEXT, LINE_TYPE_NO_NEWLINE, LINE_TYPE_REMOVED

from reviewbot.c.tree import OverlayTree, TreeSource, safe_relpath
from reviewbot.diffparse import parse_diff, strip_prefix
from reviewbot.errors import InputError, UnsafePathError
from reviewbot.model import Patch

# GNU patch's default fuzz factor (patch -F 2), which quilt and maintainers applying mail use: a hunk
# whose outermost context lines changed still applies, as it would for them.
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
    binaries: list[str] = field(default_factory=list)  # binary files it changes, left as they were

    @property
    def applied(self) -> bool:
        return not self.failed


# A patch never costs more than this many steps per line of the file and of the patch: hostile hunk
# headers (``@@ -99999999999999999999,7``) or context that matches everywhere give up, not spin.
SEARCH_STEPS_PER_LINE = 32
SEARCH_STEPS_MIN = 10_000


class SearchBudget:
    """Steps (candidate places tried, lines compared) spent placing the hunks of one file."""

    def __init__(self, allowance: int):
        self.allowance = allowance
        self.steps = 0

    def spend(self, n: int) -> None:
        self.steps += n
        if self.steps > self.allowance:
            raise _OutOfBudget


class _OutOfBudget(Exception):
    pass


class _Lines:
    """The pre-image of one file with, built on first use, where each line (exact, and with trailing
    whitespace dropped) occurs: a hunk is looked for only where its rarest line is."""

    def __init__(self, lines: list[str]):
        self.lines = lines
        self._stripped: list[str] | None = None
        self._where: dict[bool, dict[str, list[int]]] = {}

    def view(self, loose: bool) -> list[str]:
        if not loose:
            return self.lines
        if self._stripped is None:
            self._stripped = [line.rstrip() for line in self.lines]
        return self._stripped

    def where(self, loose: bool) -> dict[str, list[int]]:
        if loose not in self._where:
            index: dict[str, list[int]] = {}
            for n, line in enumerate(self.view(loose)):
                index.setdefault(line, []).append(n)
            self._where[loose] = index
        return self._where[loose]


def _find(pre: _Lines, needle: list[str], expected: int, loose: bool, taken: list[tuple[int, int]],
          budget: SearchBudget) -> int | None:
    """Index in the pre-image where ``needle`` matches, nearest to ``expected`` first (before after
    at equal distance, as patch does), not overlapping a place an earlier hunk took."""
    lines = pre.view(loose)
    limit = len(lines) - len(needle)
    if limit < 0:
        return None
    expected = min(max(expected, 0), limit)  # a stated line past the file is the file's end
    if not needle:
        return expected
    if loose:
        needle = [line.rstrip() for line in needle]
    where = pre.where(loose)
    budget.spend(len(needle))
    anchor = min(range(len(needle)), key=lambda k: len(where.get(needle[k], ())))
    places = where.get(needle[anchor], [])  # ascending
    for pos in _nearest_first(places, expected + anchor):
        pos -= anchor
        budget.spend(1)
        if pos < 0 or pos > limit or _overlaps(taken, pos, pos + len(needle)):
            continue
        for k, line in enumerate(needle):
            if lines[pos + k] != line:
                budget.spend(k + 1)
                break
        else:
            budget.spend(len(needle))
            return pos
    return None


def _nearest_first(places: list[int], target: int):
    """``places`` (ascending) by distance to ``target``, the earlier first at equal distance; only as
    many as are asked for are visited (a hunk that matches where it says costs one step)."""
    hi = bisect.bisect_left(places, target)
    lo = hi - 1
    while lo >= 0 or hi < len(places):
        if hi >= len(places) or (lo >= 0 and target - places[lo] <= places[hi] - target):
            yield places[lo]
            lo -= 1
        else:
            yield places[hi]
            hi += 1


def _overlaps(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) meets one of the sorted, disjoint places ``taken``."""
    i = bisect.bisect_right(taken, (start, float("inf")))
    return (i > 0 and taken[i - 1][1] > start) or (i < len(taken) and taken[i][0] < end)


def _apply_hunks(content: str, patched_file, path: str, added: dict[int, str] | None = None,
                 shifts: list[int] | None = None,
                 budget: SearchBudget | None = None) -> tuple[str | None, list[int], FailedHunk | None]:
    """Each hunk is placed in the pre-image (where the hunk's own line numbers point), then the
    post-image is assembled once: cost bounded by the file's and the patch's sizes."""
    pre = _Lines(content.splitlines(keepends=True))
    budget = budget or _budget_for(content, patched_file)
    offsets: list[int] = []
    moved = 0
    taken: list[tuple[int, int]] = []
    # per hunk, in patch order: (pre-image start, pre-image length, replacement, added flags, target start)
    placed: list[tuple[int, int, list[str], list[bool], int]] = []
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
        stated = hunk.source_start - 1 if hunk.source_length else hunk.source_start
        header = f"@@ -{hunk.source_start},{hunk.source_length} +{hunk.target_start},{hunk.target_length} @@"
        pos = None
        try:
            for fuzz in range(0, MAX_FUZZ + 1):
                lead = _leading_context(kinds, fuzz)
                trail = _trailing_context(kinds, fuzz)
                needle = old[lead:len(old) - trail]
                for loose in (False, True):
                    pos = _find(pre, needle, stated + moved + lead, loose, taken, budget)
                    if pos is not None:
                        break
                if pos is not None:
                    break
        except _OutOfBudget:
            return None, offsets, FailedHunk(path, header, "gave up: the context matches too many places "
                                                          "or too far from the stated line")
        if pos is None:
            return None, offsets, FailedHunk(path, header, "context does not match the tree")
        moved = pos - lead - stated
        offsets.append(moved)
        bisect.insort(taken, (pos, pos + len(needle)))
        placed.append((pos, len(needle), new[lead:len(new) - trail], new_added[lead:len(new) - trail],
                       hunk.target_start + lead))
    out: list[str] = []
    done = 0
    delta = 0
    shift_of: dict[int, int] = {}
    for n in sorted(range(len(placed)), key=lambda i: placed[i][0]):
        pos, length, replacement, is_added, target = placed[n]
        out.extend(pre.lines[done:pos])
        at = pos + delta  # where the replacement starts in the post-image
        out.extend(replacement)
        if added is not None:  # where the added lines really are, offsets included
            for k, line in enumerate(replacement):
                if is_added[k]:
                    added[at + k + 1] = line.rstrip("\n")
        shift_of[n] = at + 1 - target
        done = pos + length
        delta += len(replacement) - length
    out.extend(pre.lines[done:])
    if shifts is not None:
        shifts.extend(shift_of[n] for n in range(len(placed)))
    return "".join(out), offsets, None


def _budget_for(content: str, patched_file) -> SearchBudget:
    size = content.count("\n") + 1 + sum(len(hunk) + 1 for hunk in patched_file)
    return SearchBudget(SEARCH_STEPS_MIN + SEARCH_STEPS_PER_LINE * size)


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
            source = strip_prefix(pf.source_file)
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


_FILE_HEADER = re.compile(r"^(?:diff --git a/\S+ b/(\S+)|\+\+\+ (?:b/)?(\S+))")
_HUNK_START = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


def _unreadable_hunk(diff_text: str, reason: str) -> FailedHunk:
    """The file and hunk where a diff stops being one (most often a line the mailer wrapped: its
    tail starts a line of its own, with no " ", "+" or "-"), for a finding that names them."""
    path, header, old_left, new_left = "", "", 0, 0
    for number, line in enumerate(diff_text.split("\n"), 1):
        if old_left <= 0 and new_left <= 0:
            match = _FILE_HEADER.match(line)
            if match:
                path = match.group(1) or match.group(2) or path
                header = ""
                continue
            match = _HUNK_START.match(line)
            if match:
                header = line[:match.end()]
                old_left = int(match.group(2)) if match.group(2) is not None else 1
                new_left = int(match.group(4)) if match.group(4) is not None else 1
            continue
        kind = line[:1]
        if kind == "\\":
            continue
        if kind not in (" ", "+", "-") and line != "":
            return FailedHunk(path, header, f"line {number} of the diff is not a diff line (wrapped by the "
                                            f"mailer?): {line[:60]!r}")
        if kind in (" ", "", "-"):
            old_left -= 1
        if kind in (" ", "", "+"):
            new_left -= 1
    if header and (old_left > 0 or new_left > 0):
        return FailedHunk(path, header, "the hunk is shorter than its header says (cut, or lines joined by the mailer)")
    return FailedHunk(path, header, reason)


def apply_patch(tree: TreeSource, diff_text: str, work: list[SearchBudget] | None = None,
                binaries: list[str] | None = None) -> tuple[dict[str, FileChange], list[FailedHunk]]:
    """The file contents after ``diff_text``, or the hunks that did not apply (nothing is written).
    ``work`` collects, per file, the search steps its hunks took; ``binaries`` the binary files the
    patch changes, which are left as they were (the text parts are applied and analysed)."""
    try:
        patchset: PatchSet = parse_diff(diff_text)
    except InputError as exc:
        return {}, [_unreadable_hunk(diff_text, str(exc))]
    changes: dict[str, FileChange] = {}
    failed: list[FailedHunk] = []
    strip_one_more = _strips_one_more(tree, patchset)
    # unidiff reads "copy from/to" like a rename; git's extended header says which it is
    copies = {m.group(1) for m in _COPY_TO.finditer(diff_text)}
    if strip_one_more:
        copies = {_drop_first(p) for p in copies}
    for pf in patchset:
        try:
            source = strip_prefix(pf.source_file)
            target = strip_prefix(pf.target_file)
            source = safe_relpath(source) if source else None
            target = safe_relpath(target) if target else None
        except UnsafePathError as exc:
            failed.append(FailedHunk(pf.path, "", str(exc)))
            continue
        if strip_one_more:
            source, target = _drop_first(source), _drop_first(target)
        path = target or source or pf.path
        if pf.is_binary_file:
            if binaries is not None:
                binaries.append(path)
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
            budget = _budget_for(before, pf)
            if work is not None:
                work.append(budget)
            after_text, offsets, failure = _apply_hunks(before, pf, path, added_at, shifts, budget)
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
        binaries: list[str] = []
        changes, failed = apply_patch(state, patch.diff_text, binaries=binaries)
        if not failed:
            state = state.with_changes({path: c.after for path, c in changes.items()})
            steps.append(StepResult(patch, state, changes, [], binaries))
        else:
            steps.append(StepResult(patch, state, {}, failed))
    return steps
