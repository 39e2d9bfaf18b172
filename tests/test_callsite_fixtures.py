"""The call-site check on kernel-shaped cases, each a mailbox in fixtures/checks/callsites/ whose
first mail states the findings it must get: ``X-Reviewbot-Expect: RB-API-CALLER file:line@patch, ...``
(or ``none``). Errors and warnings count; RB-API-UNCHECKED remarks (info) are not asserted here."""
from __future__ import annotations

import mailbox

import pytest

from reviewbot.model import Severity
from reviewbot.pipeline import ReviewOptions, review_input
from tests.conftest import FIXTURES

CASES = sorted((FIXTURES / "checks/callsites").glob("*.mbox"))
MINI = FIXTURES / "trees/mini-linux"


def _expected(path) -> set[str]:
    first = next(iter(mailbox.mbox(str(path))))
    stated = first["X-Reviewbot-Expect"]
    assert stated, f"{path.name} states no X-Reviewbot-Expect"
    return set() if stated.strip() == "none" else {s.strip() for s in " ".join(stated.split()).split(",")}


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_callsite_fixture(case):
    (review,) = review_input(str(case), str(MINI), ReviewOptions(use_cache=False))
    assert [f for f in review.findings if f.rule == "RB-APPLY"] == [], "every fixture patch must apply"
    assert review.skipped == []
    got = {f"{f.rule} {f.file}:{f.line}@{f.patch}" for f in review.findings
           if f.rule.startswith("RB-API") and f.severity is not Severity.INFO}
    assert got == _expected(case), [f.message for f in review.findings if f.rule.startswith("RB-API")]


def test_there_are_cases_with_and_without_findings():
    assert any(_expected(c) for c in CASES) and any(not _expected(c) for c in CASES)
