"""checkpatch.pl's remarks read into Findings, de-duplicated against reviewbot's own rules."""
from __future__ import annotations

from reviewbot.checks.checkpatch import COMMIT_MESSAGE, dedupe, parse_output, run
from reviewbot.model import Finding, Severity
from tests.conftest import FIXTURES


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
