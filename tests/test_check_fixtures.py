"""Every analysis of reviewbot/checks against the fixtures its declaration names, and the bundled
series: exactly the findings of the golden file beside each case, no more, no fewer.

A case is a patch file (or a series directory) applying to fixtures/trees/mini-linux, optionally on
top of a diff named by its ``X-Reviewbot-Base:`` header (beside it). Every analysis runs on every
case, as in a review, so a golden file also states that the other analyses stay quiet there. The
golden file is ``<case>.expected.json`` (the findings as the JSON report writes them); when a change
of output is intended, ``REVIEWBOT_UPDATE_GOLDEN=1 pytest tests/test_check_fixtures.py`` (or
``--update-golden``) rewrites them, and the diff is reviewed like code.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from reviewbot.c.apply import apply_patch, apply_series
from reviewbot.c.cache import FactsCache
from reviewbot.c.tree import DirTree, OverlayTree
from reviewbot.checks import ANALYSES
from reviewbot.ingest.load import load_mail
from reviewbot.pipeline import run_checks
from reviewbot.registry import checks_of
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
ANALYSIS_CHECKS = [c for module in ANALYSES for c in checks_of(module)]


def _cases() -> list[Path]:
    found: set[Path] = set()
    for check in ANALYSIS_CHECKS:
        for where in check.fixtures:
            path = FIXTURES / where
            found |= set(path.glob("*.patch")) if path.is_dir() and not _is_series(path) else {path}
    found |= {p for p in (FIXTURES / "series").iterdir() if p.is_dir()}
    return sorted(found)


def _is_series(path: Path) -> bool:
    return path.parent == FIXTURES / "series"


def _golden(case: Path) -> Path:
    return case.with_name((case.stem if case.suffix == ".patch" else case.name) + ".expected.json")


CASES = _cases()


def _base(case: Path):
    """mini-linux, or mini-linux with the diff the case's X-Reviewbot-Base: header names applied."""
    tree = DirTree(MINI)
    header = re.search(r"^X-Reviewbot-Base: (\S+)$", case.read_text().split("\n\n", 1)[0], re.MULTILINE) \
        if case.is_file() else None
    if header is None:
        return tree
    changes, failed = apply_patch(tree, (case.parent / header.group(1)).read_text())
    assert failed == [], f"{case.name}: its base {header.group(1)} does not apply to mini-linux: {failed}"
    return OverlayTree(tree, {path: change.after for path, change in changes.items()})


def findings_of(case: Path) -> list[dict]:
    """What every analysis finds on the case, as the JSON report writes findings."""
    (group,) = load_mail(case).groups
    steps = apply_series(_base(case), group.newest.patches)
    assert steps, f"{case.name}: no patches read"
    for step in steps:  # a fixture that stops applying must not pass with no findings
        assert step.applied, f"{case.name}: patch {step.patch.index} does not apply: {step.failed}"
    found = run_checks(steps, FactsCache(enabled=False))
    return [f.to_dict() for f in sorted(found, key=lambda f: (f.patch or 0, f.file, f.line, f.rule, f.message))]


@pytest.mark.parametrize("case", CASES, ids=[str(c.relative_to(FIXTURES)) for c in CASES])
def test_analyses_find_exactly_what_the_golden_file_states(case, update_golden):
    got = findings_of(case)
    golden = _golden(case)
    if update_golden:
        golden.write_text(json.dumps(got, indent=2) + "\n", encoding="utf-8")
        return
    assert golden.is_file(), f"{golden.relative_to(FIXTURES)} missing: run REVIEWBOT_UPDATE_GOLDEN=1 pytest {__file__}"
    assert got == json.loads(golden.read_text(encoding="utf-8"))


def test_every_analysis_check_has_a_case_with_its_finding():
    stated = {f["rule"] for case in CASES if _golden(case).is_file()
              for f in json.loads(_golden(case).read_text(encoding="utf-8"))}
    assert {c.id for c in ANALYSIS_CHECKS} <= stated, {c.id for c in ANALYSIS_CHECKS} - stated


def test_every_golden_file_belongs_to_a_case():
    goldens = set(FIXTURES.rglob("*.expected.json"))
    assert goldens and goldens <= {_golden(c) for c in CASES}, goldens - {_golden(c) for c in CASES}
