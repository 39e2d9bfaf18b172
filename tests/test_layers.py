"""Data flows one way: diffparse/model <- ingest <- analysis (c, checks, rules, registry, pipeline) <-
report <- cli (and the bot and archive front ends). A module importing a layer above its own fails here,
function-level imports included."""
from __future__ import annotations

import ast

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "reviewbot"
FRONT_ENDS = {"cli", "bot", "archive", "tools"}
ANALYSIS = {"c", "checks", "rules", "registry", "pipeline"}
# what each layer must not import
FORBIDDEN = {
    "model": {"ingest", "report", *ANALYSIS, *FRONT_ENDS},
    "diffparse": {"model", "ingest", "report", *ANALYSIS, *FRONT_ENDS},
    "ingest": {"report", *ANALYSIS, *FRONT_ENDS},
    **{layer: {"report", *FRONT_ENDS} for layer in ANALYSIS},
    "report": FRONT_ENDS,
}


def _imported_layers(path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else \
            [a.name for a in node.names] if isinstance(node, ast.Import) else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "reviewbot" and len(parts) > 1:
                found.add(parts[1])
    return found


def _layer(path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_module_imports_a_layer_above_its_own(layer):
    modules = [p for p in PACKAGE.rglob("*.py") if _layer(p) == layer]
    assert modules
    wrong = {str(p.relative_to(REPO)): sorted(_imported_layers(p) & FORBIDDEN[layer]) for p in modules}
    assert {k: v for k, v in wrong.items() if v} == {}
