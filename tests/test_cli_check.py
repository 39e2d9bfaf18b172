"""`reviewbot check` inside an author's kernel checkout: exit 0 clean, 1 findings, 2 errors; read-only."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES

SERIES = FIXTURES / "series/insert-pfn-mkwrite"
MINI = FIXTURES / "trees/mini-linux"
ENV = {"GIT_AUTHOR_NAME": "Ross Zwisler", "GIT_AUTHOR_EMAIL": "ross.zwisler@linux.intel.com",
       "GIT_COMMITTER_NAME": "Ross Zwisler", "GIT_COMMITTER_EMAIL": "ross.zwisler@linux.intel.com",
       "PATH": os.environ["PATH"]}


@pytest.fixture
def checkout(tmp_path):
    repo = tmp_path / "linux"
    subprocess.run(["cp", "-r", str(MINI), str(repo)], check=True)
    env = dict(ENV, HOME=str(tmp_path))
    for args in (["init", "-q", "-b", "master"], ["add", "."], ["commit", "-qm", "v6.1 excerpt"],
                 ["checkout", "-q", "-b", "dax-zero-page", "--track", "master"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)
    return repo


def _check(repo, *args):
    return subprocess.run([sys.executable, "-m", "reviewbot", "check", *args], cwd=repo, capture_output=True,
                          text=True, timeout=120, env=dict(os.environ, NO_COLOR="1", HOME=str(repo.parent)))


def _state(repo):
    return [subprocess.run(["git", "-C", str(repo), *a], capture_output=True, text=True).stdout
            for a in (["status", "--porcelain"], ["rev-parse", "HEAD"], ["stash", "list"])]


def test_clean_branch_exits_0(checkout):
    proc = _check(checkout)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "nothing to check: @{upstream}..HEAD has no commits"


def test_commits_with_findings_exit_1_and_leave_the_checkout_alone(checkout):
    env = dict(ENV, HOME=str(checkout.parent))
    for patch in sorted(SERIES.glob("v2-000[12]-*.patch")):
        subprocess.run(["git", "-C", str(checkout), "am", "-q", str(patch)], check=True, env=env,
                       capture_output=True)
    (checkout / "fs/dax.c").write_text("work in progress\n")
    before = _state(checkout)
    proc = _check(checkout)
    assert proc.returncode == 1, proc.stderr
    assert "fs/cramfs/inode.c:425: error [RB-API-CALLER]" in proc.stdout
    assert _state(checkout) == before
    assert _check(checkout, "--fail-on", "error").returncode == 1
    (checkout / "reviewbot.toml").write_text('disable = ["RB-API-CALLER", "RB0001"]\n')
    assert _check(checkout).returncode == 0


def test_outside_a_checkout_is_exit_2(tmp_path):
    proc = _check(tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "reviewbot: error: reviewbot check runs inside a git checkout of the kernel"
