"""Every git call goes through reviewbot/gitcmd.py, and nothing a repository's config names is run."""
from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from reviewbot.errors import GitError
from reviewbot.gitcmd import git_env, popen_git, run_git
from tests.conftest import FIXTURES, REPO

SERIES = FIXTURES / "series/insert-pfn-mkwrite"
MINI = FIXTURES / "trees/mini-linux"
ENV = {"GIT_AUTHOR_NAME": "Ross Zwisler", "GIT_AUTHOR_EMAIL": "ross.zwisler@linux.intel.com",
       "GIT_COMMITTER_NAME": "Ross Zwisler", "GIT_COMMITTER_EMAIL": "ross.zwisler@linux.intel.com",
       "PATH": os.environ["PATH"]}


def _git(repo, *args, env=None):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True,
                          env=env or dict(ENV, HOME=str(repo.parent)), text=True).stdout


@pytest.fixture
def booby_trapped(tmp_path):
    """The mini kernel as a checkout of a topic branch whose .git/config names a marker-writing
    script for every option that makes git start a program, with stat-dirty files (so an index
    refresh would hash them through the clean filter)."""
    marker = tmp_path / "MARKER"
    trap = tmp_path / "trap.sh"
    trap.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    trap.chmod(0o755)
    hooks = tmp_path / "hooks"
    hooks.mkdir()
    for hook in ("pre-commit", "post-checkout", "reference-transaction", "pre-auto-gc", "post-index-change"):
        (hooks / hook).write_text(trap.read_text())
        (hooks / hook).chmod(0o755)
    repo = tmp_path / "linux"
    subprocess.run(["cp", "-r", str(MINI), str(repo)], check=True)
    (repo / ".gitattributes").write_text("*.c filter=evil diff=evil\n*.h filter=evil diff=evil\n")
    _git(repo, "init", "-q", "-b", "master")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "v6.1 excerpt")
    _git(repo, "checkout", "-q", "-b", "dax-zero-page", "--track", "master")
    for patch in sorted(SERIES.glob("v2-000[12]-*.patch")):
        _git(repo, "am", "-q", str(patch))
    for key, value in (("core.fsmonitor", trap), ("core.hooksPath", hooks), ("diff.external", trap),
                       ("diff.evil.textconv", trap), ("diff.evil.command", trap), ("filter.evil.clean", trap),
                       ("filter.evil.smudge", trap), ("filter.evil.process", trap), ("filter.evil.required", "true"),
                       ("core.pager", trap), ("pager.log", trap), ("log.showSignature", "true"),
                       ("gpg.program", trap), ("core.sshCommand", trap), ("credential.helper", trap),
                       ("core.editor", trap), ("sequence.editor", trap)):
        _git(repo, "config", key, str(value))
    for path in repo.rglob("*.[ch]"):
        os.utime(path, (1_000_000_000, 1_000_000_000))
    return repo, marker


def _reviewbot(cwd, *args, home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    # what a caller (a git hook, a CI job) may leave in the environment must not reach our git either
    trap = str(home / "trap.sh")
    env.update(NO_COLOR="1", HOME=str(home), XDG_CACHE_HOME=str(home / "cache"), GIT_EXTERNAL_DIFF=trap,
               GIT_PAGER=trap, GIT_CONFIG_PARAMETERS=f"'core.fsmonitor={trap}'")
    return subprocess.run([sys.executable, "-m", "reviewbot", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env=env)


def test_configured_programs_never_run(booby_trapped):
    repo, marker = booby_trapped
    home = repo.parent
    # the trap works: plain git runs it
    subprocess.run(["git", "-C", str(repo), "diff-index", "--quiet", "HEAD"], capture_output=True,
                   env=dict(ENV, HOME=str(home)))
    assert marker.exists()
    marker.unlink()

    runs = {
        "review": _reviewbot(home, "review", str(SERIES), "--tree", str(repo), "--base", "master", home=home),
        "review-range": _reviewbot(home, "review", "master..dax-zero-page", "--tree", str(repo), home=home),
        "callers": _reviewbot(home, "callers", "vmf_insert_mixed", "--tree", str(repo), home=home),
        "check": _reviewbot(repo, "check", home=home),
        "index": _reviewbot(home, "index", "--tree", str(repo), "-j", "1", home=home),
    }
    assert not marker.exists(), marker.read_text()
    for name, proc in runs.items():
        assert proc.returncode in (0, 1), (name, proc.stderr)
    assert "fs/cramfs/inode.c:425: error [RB-API-CALLER]" in runs["check"].stdout
    assert "fs/cramfs/inode.c:425" in runs["review"].stdout
    assert "fs/cramfs/inode.c" in runs["callers"].stdout


def test_caller_git_environment_is_dropped(booby_trapped, tmp_path, monkeypatch):
    repo, _ = booby_trapped
    other = tmp_path / "other"
    other.mkdir()
    _git(other, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(other / ".git"))
    monkeypatch.setenv("GIT_INDEX_FILE", str(other / "index"))
    env = git_env(repo)
    assert "GIT_DIR" not in env and "GIT_INDEX_FILE" not in env
    assert env["LC_ALL"] == "C" and env["GIT_TERMINAL_PROMPT"] == "0"
    head = run_git(repo, "rev-parse", "--verify", revs=["HEAD^{commit}"], text=True).stdout.strip()
    assert head == _git(repo, "rev-parse", "HEAD").strip()


def test_filter_drivers_are_switched_off_by_name(booby_trapped):
    repo, marker = booby_trapped
    keys = dict(zip(*[iter([git_env(repo)[f"GIT_CONFIG_{kind}_{i}"]
                            for i in range(int(git_env(repo)["GIT_CONFIG_COUNT"])) for kind in ("KEY", "VALUE")])] * 2))
    assert keys["filter.evil.clean"] == "" and keys["filter.evil.process"] == ""
    assert keys["filter.evil.required"] == "false" and keys["core.fsmonitor"] == "false"
    # hashing a worktree file is where git runs the clean filter
    run_git(repo, "hash-object", "fs/dax.c")
    assert not marker.exists()


def test_revisions_never_become_options(booby_trapped, tmp_path):
    repo, _ = booby_trapped
    with pytest.raises(GitError, match="failed in"):
        run_git(repo, "rev-parse", "--verify", revs=[f"--output={tmp_path / 'x'}"])
    assert not (tmp_path / "x").exists()


def test_popen_refuses_a_shell_or_its_own_environment(booby_trapped):
    repo, _ = booby_trapped
    with pytest.raises(TypeError):
        popen_git(repo, "status", shell=True)
    with pytest.raises(TypeError):
        popen_git(repo, "status", env={})


def test_missing_directory_is_one_line_git_error(tmp_path):
    with pytest.raises(GitError, match="^git rev-parse failed in .*: "):
        run_git(tmp_path / "nope", "rev-parse", "HEAD")


_GIT_CALL = re.compile(r"""subprocess\.(run|Popen|call|check_call|check_output)\(\s*\[\s*["']git["']"""
                       r"""|\bimport git\b|\bfrom git import\b|os\.system|os\.popen|shell\s*=\s*True""")


def test_no_git_call_outside_gitcmd():
    offenders = []
    for path in sorted((REPO / "reviewbot").rglob("*.py")):
        if path.name == "gitcmd.py" and path.parent.name == "reviewbot":
            continue
        text = path.read_text()
        for match in _GIT_CALL.finditer(text):
            offenders.append(f"{path.relative_to(REPO)}:{text.count(chr(10), 0, match.start()) + 1}")
        # an argv list starting with "git" handed to anything at all
        for match in re.finditer(r"""\[\s*["']git["']\s*,""", text):
            offenders.append(f"{path.relative_to(REPO)}:{text.count(chr(10), 0, match.start()) + 1}")
    assert offenders == []


def test_work_parallel_across_reviews_runs_git_on_one_thread(tmp_path):
    """archive's reviews (sequential or on Dask workers) run git with grep.threads=1; other commands
    leave git its own threads."""
    from reviewbot.gitcmd import one_thread_each

    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)

    def threads() -> str:
        return run_git(tmp_path, "config", "--get", "grep.threads", check=False, text=True).stdout.strip()
    assert threads() == ""
    with one_thread_each():
        assert threads() == "1"
    assert threads() == ""
