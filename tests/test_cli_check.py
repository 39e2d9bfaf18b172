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


def test_a_subject_prefix_the_files_history_does_not_use_is_reported(checkout):
    """mm/memory.c's history says "mm:"; a commit titled "memory: ..." gets RB0104, and the
    history is read from the base, never from the commits under review."""
    env = dict(ENV, HOME=str(checkout.parent))
    memory = checkout / "mm/memory.c"

    def commit(subject: str, marker: str) -> None:
        memory.write_text(memory.read_text() + f"/* {marker} */\n")
        subprocess.run(["git", "-C", str(checkout), "commit", "-qam", subject], check=True, env=env)

    subprocess.run(["git", "-C", str(checkout), "checkout", "-q", "master"], check=True, env=env)
    for n, subject in enumerate(["mm: fix a typo", "mm/memory: tidy up", "mm: add a helper", "mm: drop it",
                                 "mm: use the helper"]):
        commit(subject, f"history {n}")
    subprocess.run(["git", "-C", str(checkout), "checkout", "-q", "dax-zero-page"], check=True, env=env)
    subprocess.run(["git", "-C", str(checkout), "rebase", "-q", "master"], check=True, env=env, capture_output=True)
    commit("memory: note something", "under review")
    proc = _check(checkout, "--format", "json", "--fail-on", "info")
    assert proc.returncode == 1, proc.stderr
    import json

    (finding,) = [f for f in json.loads(proc.stdout)["findings"] if f["rule"] == "RB0104"]
    assert finding["message"] == ('subject prefix "memory:" is not one the history of mm/memory.c uses '
                                  '("mm:" (4), "mm/memory:" (1) in the last 5)')
