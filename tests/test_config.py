"""reviewbot.toml: disabled rules, severities, ignored paths, and clear errors for bad files."""
from __future__ import annotations

import pytest

from reviewbot.config import load_config
from reviewbot.errors import InputError
from reviewbot.model import Finding, Severity


def _findings() -> list[Finding]:
    return [
        Finding("mm/memory.c", 1603, "RB0001", Severity.WARNING, "BUG_ON() added", patch=1),
        Finding("drivers/staging/foo/foo.c", 10, "RB0001", Severity.WARNING, "BUG_ON() added", patch=2),
        Finding("fs/dax.c", 880, "checkpatch:LONG_LINE", Severity.WARNING, "line length of 101", patch=2),
        Finding("fs/dax.c", 900, "RB-API-CALLER", Severity.ERROR, "insert_pfn() called with 4 arguments", patch=2),
    ]


def test_tree_config_disables_ignores_and_reweights(tmp_path):
    (tmp_path / "reviewbot.toml").write_text(
        'disable = ["checkpatch:*"]\nignore_paths = ["drivers/staging/"]\nfail_on = "error"\n'
        '[severity]\nRB0001 = "error"\n')
    config = load_config(tmp_path, user_file=tmp_path / "absent.toml")
    got = [(f.file, f.rule, f.severity) for f in config.apply(_findings())]
    assert got == [("mm/memory.c", "RB0001", Severity.ERROR), ("fs/dax.c", "RB-API-CALLER", Severity.ERROR)]
    assert config.fail_on is Severity.ERROR


def test_user_config_then_tree_pyproject_then_tree_file(tmp_path):
    user = tmp_path / "user.toml"
    user.write_text('disable = ["RB0001", "RB-API-CALLER"]\n')
    tree = tmp_path / "linux"
    tree.mkdir()
    (tree / "pyproject.toml").write_text('[tool.reviewbot]\nenable = ["RB0001"]\n')
    (tree / ".reviewbot.toml").write_text('ignore_paths = ["fs/*"]\n')
    config = load_config(tree, user_file=user)
    assert [(f.file, f.rule) for f in config.apply(_findings())] == [
        ("mm/memory.c", "RB0001"), ("drivers/staging/foo/foo.c", "RB0001")]


@pytest.mark.parametrize("text,message", [
    ("disable = RB0001\n", "not valid TOML"),
    ('disabel = ["RB0001"]\n', "unknown setting"),
    ('fail_on = "fatal"\n', "severity must be"),
    ('disable = "RB0001"\n', "must be a list"),
])
def test_bad_config_is_a_one_line_input_error(tmp_path, text, message):
    (tmp_path / "reviewbot.toml").write_text(text)
    with pytest.raises(InputError, match=message):
        load_config(tmp_path, user_file=tmp_path / "absent.toml")
