"""One declaration per built-in check: every id the code can emit is declared, documented under the
fixed headings, in SARIF's rule metadata and in the README's table."""
from __future__ import annotations

import io
import json
import tokenize

import pytest

from reviewbot.ingest.load import load_mail
from reviewbot.model import Finding, Review, Series
from reviewbot.pipeline import ReviewOptions, review_series
from reviewbot.registry import HEADINGS, declared, entries
from reviewbot.report import sarif
from reviewbot.rules.engine import RULES_DIR, load_rules
from reviewbot.rules.packs import shipped_rules
from reviewbot.tools import readme
from tests.conftest import FIXTURES, REPO

MINI = FIXTURES / "trees/mini-linux"
CHECKS = declared()
DECLARED = {c.id for c in CHECKS} | {r.id for r in load_rules()} | {r.id for r in shipped_rules(RULES_DIR)}


def _fixture_inputs():
    """Every patch and series of fixtures/: the rules', the checks', the apply cases, the series."""
    patches = sorted(p for p in FIXTURES.rglob("*.patch") if "trees" not in p.parts)
    return patches + sorted(p for p in (FIXTURES / "series").iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def emitted() -> dict[str, set[str]]:
    """id -> the fixtures it was emitted on, reviewing every fixture with everything reviewbot runs."""
    found: dict[str, set[str]] = {}
    for path in _fixture_inputs():
        for group in load_mail(path).groups:
            review = review_series(group.newest, str(MINI), ReviewOptions(use_cache=False))
            for f in review.findings:
                found.setdefault(f.rule, set()).add(str(path.relative_to(FIXTURES)))
    return found


def test_every_id_emitted_on_the_whole_fixture_set_is_declared(emitted):
    undeclared = {rule: sorted(where) for rule, where in emitted.items() if rule not in DECLARED}
    assert undeclared == {}
    # the run reaches most checks: a fixture set that stopped producing them would hide undeclared ids
    assert {c.id for c in CHECKS} - set(emitted) <= {"RB-API-UNCHECKED"}


def test_every_id_written_in_the_code_is_declared():
    """Ids built as string literals anywhere in reviewbot/ (a path the fixtures do not reach)."""
    written = set()
    for path in (REPO / "reviewbot").rglob("*.py"):
        for token in tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline):
            if token.type == tokenize.STRING and token.string[1:4] == "RB-" and token.string[1:-1].replace(
                    "-", "").isalnum() and token.string[1:-1].isupper():
                written.add(token.string[1:-1])
    assert written and written <= DECLARED, written - DECLARED


def test_each_check_is_documented_under_the_fixed_headings_and_names_fixtures_that_exist():
    assert len(CHECKS) == 12
    for check in CHECKS:
        headings = [line[3:] for line in check.doc.splitlines() if line.startswith("## ")]
        assert headings == list(HEADINGS), check.id
        sections = check.doc.split("## ")[1:]
        assert all(s.split("\n", 1)[1].strip() for s in sections), check.id
        assert check.title.endswith(".") and "\n" not in check.title, check.id
        for where in check.fixtures:
            assert (FIXTURES / where).exists(), f"{check.id}: fixtures/{where} does not exist"


def test_ids_are_unique_across_checks_and_rules():
    ids = [e.id for e in entries()]
    assert len(ids) == len(set(ids))


def test_sarif_rule_metadata_of_every_check_comes_from_its_declaration():
    findings = [Finding("mm/memory.c", 1, c.id, c.severity, "x", 1) for c in CHECKS]
    data = json.loads(sarif.render([Review(series=Series(subject="s"), findings=findings)], entries()))
    rules = {r["id"]: r for r in data["runs"][0]["tool"]["driver"]["rules"]}
    assert set(rules) == {c.id for c in CHECKS}
    for check in CHECKS:
        rule = rules[check.id]
        assert rule["shortDescription"]["text"] == check.title
        assert rule["help"]["markdown"] == check.doc
        assert rule["defaultConfiguration"]["level"] == {"error": "error", "warning": "warning",
                                                          "info": "note"}[check.severity.value]
        # the first paragraph of "What it does", never the heading line
        assert rule["fullDescription"]["text"] == " ".join(check.doc.split("\n\n")[0].splitlines()[1:])


def test_readme_table_is_the_generated_one():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme.current(text) == readme.table(), "run python -m reviewbot.tools.readme"


def test_readme_table_names_every_check():
    table = readme.table()
    for check in CHECKS:
        assert f"| `{check.id}` | {check.severity.value} |" in table
