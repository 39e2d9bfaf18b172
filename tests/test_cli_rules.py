"""`reviewbot rules` lists every built-in check and every rule; `rules show ID` prints its documentation."""
from __future__ import annotations

from typer.testing import CliRunner

from reviewbot.cli import app
from reviewbot.registry import declared, entries
from reviewbot.rules.engine import load_rules

runner = CliRunner()


def test_rules_lists_every_check_and_rule_with_one_line():
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    core = [c.id for c in declared()] + [r.id for r in load_rules()]
    assert [line.split()[0] for line in lines][:len(core)] == core
    # then the packs' rules, each naming its pack
    assert [line.split()[-1] for line in lines[len(core):]] == ["drivers-devm]", "mm-fs]", "net]"]
    assert {"RB-DECL-NODEF", "RB-DEF-NODECL", "RB-EXPORT-UNUSED", "RB-APPLY"} <= {line.split()[0] for line in lines}
    rb0001 = next(line for line in lines if line.startswith("RB0001 "))
    assert rb0001.split(None, 3)[1:] == ["warning", "added-lines", "New code calls BUG() or BUG_ON()."]
    kdoc = next(line for line in lines if line.startswith("RB-KDOC-PARAMS "))
    assert kdoc.split()[1] == "warning" and kdoc.index("warning") == rb0001.index("warning")


def test_rules_show_prints_the_documentation():
    result = runner.invoke(app, ["rules", "show", "RB0102"])
    assert result.exit_code == 0
    assert result.output.startswith("RB0102 fixes-tag (warning, commit-message)")
    assert "## Use instead" in result.output
    assert 'Fixes: b2770da64254 ("mm: add vm_insert_mixed_mkwrite()")' in result.output


def test_rules_show_prints_a_built_in_checks_documentation_under_the_fixed_headings():
    result = runner.invoke(app, ["rules", "show", "rb-export-unused"])
    assert result.exit_code == 0
    assert result.output.startswith("RB-EXPORT-UNUSED analysis (warning, added exports, tree-wide)\n\n"
                                    "An EXPORT_SYMBOL of a new function that nothing outside its file uses.\n")
    headings = [line for line in result.output.splitlines() if line.startswith("## ")]
    assert headings == ["## What it does", "## Why is this bad?", "## Example", "## Use instead"]
    assert result.output.endswith("Fixtures: fixtures/checks/unused-export\n")


def test_rules_show_unknown_id_is_bad_input():
    result = runner.invoke(app, ["rules", "show", "RB-NOPE"])
    assert result.exit_code != 0 and "no check or rule RB-NOPE" in str(result.exception)


def test_entries_feed_other_reports():
    found = {e.id: e.summary for e in entries()}
    assert found["RB0002"] == "A plain EXPORT_SYMBOL() where the file uses EXPORT_SYMBOL_GPL()."
    assert found["RB-DEF-NODECL"] == ("A new global function declared in no header, exported nowhere and used "
                                         "only in its file.")
