"""`reviewbot rules` lists every rule; `rules show ID` prints its documentation."""
from __future__ import annotations

from typer.testing import CliRunner

from reviewbot.cli import app
from reviewbot.rules.engine import load_rules, rule_docs

runner = CliRunner()


def test_rules_lists_every_rule_with_one_line():
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == [r.id for r in load_rules()]
    assert "RB0001  warning  added-lines     New code calls BUG() or BUG_ON()." in lines


def test_rules_show_prints_the_documentation():
    result = runner.invoke(app, ["rules", "show", "RB0102"])
    assert result.exit_code == 0
    assert result.output.startswith("RB0102 fixes-tag (warning, commit-message)")
    assert "## Use instead" in result.output
    assert 'Fixes: b2770da64254 ("mm: add vm_insert_mixed_mkwrite()")' in result.output


def test_rule_docs_feed_other_reports():
    docs = rule_docs()
    assert docs["RB0002"][0] == "A plain EXPORT_SYMBOL() where the file uses EXPORT_SYMBOL_GPL()."
