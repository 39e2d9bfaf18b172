"""The tests' own environment (tests/conftest.py): a developer's ~/.config/reviewbot and git config
never change a result, in the test process or in the CLI and git processes a test starts."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from reviewbot.config import load_config, user_config_path
from tests.conftest import REPO

# Disables the findings the bundled series gives and reweights the rest: a result it reached would differ.
POISON = 'disable = ["RB-API-CALLER"]\n[severity]\nRB0001 = "info"\n'


def _victim_home(tmp_path: Path) -> Path:
    """A developer's home as the tests may meet it: a reviewbot config and a git config of their own."""
    home = tmp_path / "victim"
    (home / ".config/reviewbot").mkdir(parents=True)
    (home / ".config/reviewbot/reviewbot.toml").write_text(POISON)
    (home / ".gitconfig").write_text("[user]\n\tname = Victim\n\temail = victim@example.org\n")
    return home


def _developer_env(home: Path) -> dict[str, str]:
    """os.environ as a developer's shell has it: their HOME, no XDG or git overrides."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "GIT_", "REVIEWBOT_"))}
    env["HOME"] = str(home)
    return env


def test_each_test_has_an_empty_home_and_no_global_git_config(own_home):
    assert Path.home() == own_home
    assert user_config_path().is_relative_to(own_home)
    assert load_config(None) == load_config(None, user_file=own_home / "absent.toml")
    listed = subprocess.run(["git", "config", "--global", "--list"], capture_output=True, text=True)
    assert listed.stdout == ""


def test_a_poisoned_user_config_does_not_change_a_result(tmp_path):
    home = _victim_home(tmp_path)
    env = _developer_env(home)
    # outside the tests' environment the poison works: the CLI drops the RB-API-CALLER findings
    review = subprocess.run([sys.executable, "-m", "reviewbot", "review", "fixtures/series/insert-pfn-mkwrite",
                             "--tree", "fixtures/trees/mini-linux", "--format", "json", "--no-cache"],
                            cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    rules = [(f["rule"], f["severity"]) for f in json.loads(review.stdout)["findings"]]
    assert rules == [("RB0001", "info")], review.stderr
    # the same developer running the tests: the golden review (two RB-API-CALLER errors, an RB0001
    # warning), in the test process and through the CLI, is unchanged
    inner = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                            "tests/test_report_forms.py::test_json_validates_against_the_documented_schema",
                            "tests/test_cli_review.py::test_review_json_shape_and_fail_on"],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert inner.returncode == 0, inner.stdout[-3000:]
    assert (home / ".config/reviewbot/reviewbot.toml").read_text() == POISON
