"""Every rule of rules/ against its own fixtures: exactly the findings the fixtures state, no more."""
from __future__ import annotations

import re

import pytest

from reviewbot.c.apply import apply_series
from reviewbot.c.tree import DirTree
from reviewbot.ingest.load import load_mail
from reviewbot.rules.engine import RuleContext, load_rules, run_rules
from tests.conftest import FIXTURES

RULES = load_rules()
MINI = FIXTURES / "trees/mini-linux"


def _cases(rule_id: str):
    return sorted((FIXTURES / rule_id).glob("*.patch"))


def _expected(text: str, patch, rule_id: str) -> set[tuple[str, int]]:
    expected = set()
    header = re.search(r"^X-Reviewbot-Expect: (.+)$", text, re.MULTILINE)
    if header and header.group(1).strip() != "none":
        for item in header.group(1).split(","):
            rid, _, line = item.strip().partition(":")
            if rid == rule_id:
                expected.add(("(commit message)", int(line)))
    for pf in patch.patchset if patch.has_diff else []:
        for hunk in pf:
            for line in hunk:
                if line.is_added and f"ruleid: {rule_id}" in line.value:
                    expected.add((pf.path, line.target_line_no))
    return expected


def _stated_log(text: str):
    """The history a fixture states (``X-Reviewbot-Log: <subject>`` headers, newest first) as the
    git log of the touched files; None (no history) when it states none."""
    subjects = re.findall(r"^X-Reviewbot-Log: (.+)$", text.split("\n\n", 1)[0], re.MULTILINE)
    return (lambda _paths: subjects) if subjects else None


def test_every_rule_has_a_bad_and_a_good_fixture():
    assert RULES
    for rule in RULES:
        cases = _cases(rule.id)
        assert cases, f"{rule.id} has no fixtures/{rule.id}/*.patch"
        kinds = set()
        for case in cases:
            (group,) = load_mail(case).groups
            kinds.add(bool(_expected(case.read_text(), group.newest.patches[0], rule.id)))
        assert kinds == {True, False}, f"{rule.id} needs a case with findings and one without"


@pytest.mark.parametrize("rule", RULES, ids=[r.id for r in RULES])
def test_rule_finds_exactly_what_its_fixtures_state(rule):
    for case in _cases(rule.id):
        (group,) = load_mail(case).groups
        (patch,) = group.newest.patches
        log = _stated_log(case.read_text())
        context = RuleContext(path_log=log)
        if patch.has_diff and rule.scope != "commit-message":
            (step,) = apply_series(DirTree(MINI), [patch])
            assert step.applied, f"{case.name} does not apply to fixtures/trees/mini-linux"
            context = RuleContext(read_after=step.tree_after.read, path_log=log)
        got = {(f.file, f.line) for f in run_rules([rule], patch, context)}
        assert got == _expected(case.read_text(), patch, rule.id), case.name
