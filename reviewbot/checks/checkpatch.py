"""checkpatch.pl in the same report: run the tree's own script on a patch and read its remarks.

checkpatch prints, with ``--show-types``::

    WARNING:LONG_LINE: line length of 101 exceeds 100 columns
    #31: FILE: mm/memory.c:1603:
    +	return insert_pfn(vma, addr, pfn, pgprot, false, and some more text to make it long);

Each remark becomes a Finding whose rule id is ``checkpatch:<TYPE>``; remarks without a FILE line
(commit-message checks) point at the commit message. The script is only run when the tree has
it and perl is installed; otherwise the caller reports checkpatch as skipped.
"""
from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.gitcmd import git_env
from reviewbot.model import Finding, Severity, Skipped

COMMIT_MESSAGE = "(commit message)"
_REMARK = re.compile(r"^(ERROR|WARNING|CHECK):(?:([A-Z0-9_]+):)?\s*(.*)$")
_LOCATION = re.compile(r"^#(\d+): FILE: (.+?):(\d+):\s*$")
_SEVERITY = {"ERROR": Severity.ERROR, "WARNING": Severity.WARNING, "CHECK": Severity.INFO}
# checkpatch.pl takes under a second per patch (bench/review.py: 0.84 s for three); two minutes means it is stuck on
# some input, and the review goes on without it (a skipped entry says so).
TIMEOUT_SECONDS = 120

# checkpatch types that say the same thing as one of reviewbot's own rules: when both fire on
# the same place, reviewbot's finding stays (it says why and how to fix) and checkpatch's goes.
SAME_AS = {
    "AVOID_BUG": {"RB0001"},
    "MISSING_SIGN_OFF": {"RB0101"},
    "NO_AUTHOR_SIGN_OFF": {"RB0101"},
    "GIT_COMMIT_ID": {"RB0102"},
    "BAD_FIXES_TAG": {"RB0102"},
}


@dataclass
class CheckpatchResult:
    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def parse_output(text: str, patch_index: int | None) -> list[Finding]:
    """Findings from checkpatch's ``--show-types`` output (the summary lines are ignored)."""
    findings: list[Finding] = []
    lines = text.splitlines()
    for n, line in enumerate(lines):
        m = _REMARK.match(line)
        if not m:
            continue
        level, kind, message = m.groups()
        file, lineno = COMMIT_MESSAGE, 0
        if n + 1 < len(lines):
            loc = _LOCATION.match(lines[n + 1])
            if loc:
                file, lineno = loc.group(2), int(loc.group(3))
            elif lines[n + 1].startswith("#"):
                lineno = int(re.match(r"#(\d+)", lines[n + 1]).group(1)) if re.match(r"#\d+", lines[n + 1]) else 0
        findings.append(Finding(file=file, line=lineno, rule=f"checkpatch:{kind or level}",
                                severity=_SEVERITY[level], message=message.strip(), patch=patch_index))
    return findings


def find_script(tree_dir: str | Path) -> Path | None:
    script = Path(tree_dir) / "scripts" / "checkpatch.pl"
    return script if script.is_file() else None


def run(tree_dir: str | Path, patch_text: str, patch_index: int | None) -> CheckpatchResult:
    """Run the tree's checkpatch.pl on one patch (given on stdin; nothing is written anywhere)."""
    what = f"checkpatch on patch {patch_index}" if patch_index else "checkpatch"
    script = find_script(tree_dir)
    perl = shutil.which("perl")
    if script is None:
        return CheckpatchResult(skipped=[Skipped(what, f"{tree_dir} has no scripts/checkpatch.pl", patch_index)])
    if perl is None:
        return CheckpatchResult(skipped=[Skipped(what, "perl is not installed", patch_index)])
    argv = [perl, str(script), "--show-types", "--no-summary", "--color=never", "--root", str(Path(tree_dir)), "-"]
    try:
        # checkpatch.pl runs git in the tree (commit ids, file lists): with the environment of
        # gitcmd, so no config of the tree or the user starts a program on the way
        proc = subprocess.run(argv, input=patch_text, capture_output=True, text=True, timeout=TIMEOUT_SECONDS,
                              cwd=str(tree_dir), errors="replace", env=git_env(tree_dir))
    except subprocess.TimeoutExpired:
        return CheckpatchResult(skipped=[Skipped(what, f"timed out after {TIMEOUT_SECONDS}s", patch_index)])
    except OSError as exc:
        return CheckpatchResult(skipped=[Skipped(what, f"could not run: {exc}", patch_index)])
    findings = parse_output(proc.stdout, patch_index)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and not findings):
        reason = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return CheckpatchResult(findings, [Skipped(what, f"checkpatch failed: {reason}", patch_index)])
    return CheckpatchResult(findings)


def dedupe(own: list[Finding], checkpatch: list[Finding]) -> list[Finding]:
    """checkpatch findings that reviewbot's own rules do not already make at the same place."""
    taken = {(f.patch, f.file, f.line, f.rule) for f in own}
    kept = []
    for f in checkpatch:
        kind = f.rule.split(":", 1)[1]
        same = SAME_AS.get(kind, set())
        if any((f.patch, f.file, f.line, rule) in taken for rule in same):
            continue
        if f.file == COMMIT_MESSAGE and any(o.patch == f.patch and o.rule in same for o in own):
            continue
        kept.append(f)
    return kept
