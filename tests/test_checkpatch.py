"""checkpatch.pl's remarks read into Findings, de-duplicated against reviewbot's own rules."""
from __future__ import annotations

from reviewbot.checks.checkpatch import COMMIT_MESSAGE, dedupe, parse_output, run
from reviewbot.model import Finding, Severity
from tests.conftest import FIXTURES, LINUX


def test_remarks_become_findings_with_type_as_rule():
    text = (FIXTURES / "checkpatch/mkwrite-bug-on.out").read_text()
    got = [(f.file, f.line, f.rule, f.severity) for f in parse_output(text, 1)]
    assert got == [
        (COMMIT_MESSAGE, 9, "checkpatch:COMMIT_LOG_LONG_LINE", Severity.WARNING),
        (COMMIT_MESSAGE, 0, "checkpatch:MISSING_SIGN_OFF", Severity.ERROR),
        ("mm/memory.c", 1603, "checkpatch:AVOID_BUG", Severity.WARNING),
        ("mm/memory.c", 1612, "checkpatch:PARENTHESIS_ALIGNMENT", Severity.INFO),
    ]
    assert parse_output(text, 1)[2].message.startswith("Do not crash the kernel unless")


def test_checkpatch_remark_duplicating_an_own_rule_is_dropped():
    cp = parse_output((FIXTURES / "checkpatch/mkwrite-bug-on.out").read_text(), 1)
    own = [Finding("mm/memory.c", 1603, "RB0001", Severity.WARNING, "BUG_ON() added", patch=1)]
    kept = [f.rule for f in dedupe(own, cp)]
    assert "checkpatch:AVOID_BUG" not in kept
    assert "checkpatch:PARENTHESIS_ALIGNMENT" in kept
    other_patch = [Finding("mm/memory.c", 1603, "RB0001", Severity.WARNING, "BUG_ON() added", patch=2)]
    assert "checkpatch:AVOID_BUG" in [f.rule for f in dedupe(other_patch, cp)]


def test_tree_without_checkpatch_is_skipped_not_failed(tmp_path):
    result = run(tmp_path, "diff --git a/x b/x\n", 3)
    assert result.findings == []
    (skip,) = result.skipped
    assert skip.patch == 3 and "no scripts/checkpatch.pl" in skip.reason


def test_git_that_checkpatch_runs_starts_no_program_the_tree_config_names(tmp_path):
    """checkpatch.pl runs git in the tree (git ls-files, git log of commit ids); a tree whose config
    names an fsmonitor hook must not get it run, as no git of reviewbot's own does."""
    import shutil
    import subprocess

    import pytest

    if shutil.which("perl") is None:
        pytest.skip("perl is not installed")
    tree = tmp_path / "linux"
    (tree / "scripts").mkdir(parents=True)
    marker = tmp_path / "hook-ran"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    hook.chmod(0o755)
    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    subprocess.run(["git", "-C", str(tree), "config", "core.fsmonitor", str(hook)], check=True)
    # a stand-in for checkpatch.pl: does what the real one does with git (a status-refreshing
    # command runs the fsmonitor hook), then reports nothing
    (tree / "scripts/checkpatch.pl").write_text('system("git", "status", "--porcelain"); exit 0;\n')
    subprocess.run(["git", "-C", str(tree), "status", "--porcelain"], capture_output=True)
    assert marker.exists(), "the hook runs for a plain git: the test would prove nothing"
    marker.unlink()
    result = run(tree, "diff --git a/x b/x\n", 1)
    assert result.findings == [] and result.skipped == []
    assert not marker.exists()


@__import__("pytest").mark.skipif(not (LINUX / "scripts/checkpatch.pl").is_file(),
                                  reason="Linux 6.1 tree not set up (bench/linux_tree.py)")
def test_real_checkpatch_in_the_same_report_without_duplicates():
    """On 6.1, checkpatch's AVOID_BUG and MISSING_SIGN_OFF say what RB0001 and RB0101 say: kept once,
    at the line where the hunk really landed (the bundled patches apply to 6.1 with an offset)."""
    from reviewbot.pipeline import ReviewOptions, review_input

    (review,) = review_input(str(FIXTURES / "series/insert-pfn-mkwrite"), str(LINUX),
                             ReviewOptions(base="base", checkpatch=True, use_cache=False))
    bug = [(f.rule, f.line) for f in review.findings if f.file == "mm/memory.c"]
    assert bug == [("RB0001", 2368)]
    (review,) = review_input(str(FIXTURES / "RB0101/bad-no-signoff.patch"), str(LINUX),
                             ReviewOptions(base="base", checkpatch=True, use_cache=False))
    assert sorted(f.rule for f in review.findings) == ["RB0101", "checkpatch:COMMIT_MESSAGE"]
