"""One declaration per built-in check: the single source for `reviewbot rules`, SARIF's rule metadata
and the README's table of what a review looks at.

A check that is code (an analysis of reviewbot/checks/, the call-site verification, the apply step)
declares itself next to its code, the way pylint checkers declare their ``msgs``::

    CHECK = Check(
        id="RB-KDOC-PARAMS", title="...", severity=Severity.WARNING, scope="changed functions",
        what="...", why="...", example="...", instead="...", fixtures=("checks/kernel-doc",))

and makes its findings with ``CHECK.finding(...)``. The declarative rules of rules/ declare the same
things in their YAML; ``entries()`` lists both alike. This module imports nothing of the analyses
at import time, so any layer may declare a check.
"""
from __future__ import annotations

import importlib
import textwrap
from dataclasses import dataclass
from types import ModuleType

from reviewbot.model import Finding, Severity

# The four headings every check's documentation has, the YAML rules' ones (after ruff's rule docs).
HEADINGS = ("What it does", "Why is this bad?", "Example", "Use instead")

# Modules that declare checks: the analyses (reviewbot.checks lists its own in ANALYSES), the
# call-site verification and the apply step. A module added here is all `rules`, SARIF and the
# README need.
DECLARING_MODULES = ("reviewbot.c.callsites", "reviewbot.pipeline")


@dataclass(frozen=True)
class Check:
    """A built-in check: its permanent id, what it finds, and where its fixtures are."""

    id: str
    title: str  # one line: what a finding of this check says is wrong
    severity: Severity  # default; a finding may be milder or stronger when the check knows better
    scope: str  # what it looks at, for `reviewbot rules` ("changed functions", "tree-wide", ...)
    what: str
    why: str
    example: str  # code or text, shown indented
    instead: str
    fixtures: tuple[str, ...] = ()  # paths under fixtures/ holding its cases

    @property
    def doc(self) -> str:
        """The documentation in markdown, under the fixed headings."""
        parts = []
        for heading, text, code in zip(HEADINGS, (self.what, self.why, self.example, self.instead),
                                       (False, False, True, True)):
            body = textwrap.indent(textwrap.dedent(text).strip("\n"), "    ") if code else _para(text)
            parts.append(f"## {heading}\n{body}")
        return "\n\n".join(parts)

    def finding(self, file: str, line: int, message: str, patch: int | None, hint: str | None = None,
                severity: Severity | None = None) -> Finding:
        return Finding(file, line, self.id, severity or self.severity, message, patch, hint)


def _para(text: str) -> str:
    return " ".join(textwrap.dedent(text).split())


@dataclass(frozen=True)
class Entry:
    """One line of `reviewbot rules`: a built-in check or a rule of rules/, alike."""

    id: str
    name: str  # the rule's slug, or "analysis" for built-in checks
    severity: Severity
    scope: str
    summary: str
    doc: str
    fixtures: tuple[str, ...]  # paths under fixtures/
    pack: str | None = None  # the rule pack the rule belongs to (reviewbot.rules.packs)


def checks_of(module: ModuleType) -> list[Check]:
    """The checks a module declares (every module-level Check), in the order written."""
    return [value for value in vars(module).values() if isinstance(value, Check)]


def declared() -> list[Check]:
    """Every built-in check, by id. Two declarations of one id are a bug, reported here."""
    from reviewbot.checks import ANALYSES

    modules = [importlib.import_module(name) for name in DECLARING_MODULES] + list(ANALYSES)
    found: dict[str, Check] = {}
    for module in modules:
        for check in checks_of(module):
            if check.id in found and found[check.id] is not check:
                raise RuntimeError(f"check id {check.id} declared twice ({module.__name__})")
            found[check.id] = check
    return sorted(found.values(), key=lambda c: c.id)


def entries(rules: list | None = None) -> list[Entry]:
    """Built-in checks, then the rules of rules/ and of the packs it ships (``rules``: already loaded ones)."""
    if rules is None:
        from reviewbot.rules.engine import RULES_DIR, load_rules
        from reviewbot.rules.packs import shipped_rules

        rules = load_rules() + shipped_rules(RULES_DIR)
    out = [Entry(c.id, "analysis", c.severity, c.scope, c.title, c.doc, c.fixtures) for c in declared()]
    out += [Entry(r.id, r.name, r.severity, r.scope, r.summary, r.doc, (r.id,), r.pack) for r in rules]
    return out

