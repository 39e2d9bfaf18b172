"""Which commit a series applies to: --base, its base-commit: line, its blob ids, or HEAD.

Mail from ``git format-patch`` carries ``index <pre>..<post>`` lines: the pre-image blob ids
of the files it changes. The base is the newest commit (HEAD first, then the recent history of
those files) where every pre-image blob matches, which is how b4 guesses a base too.
"""
from __future__ import annotations

import re
import subprocess

from reviewbot.errors import GitError
from reviewbot.gitcmd import run_git
from reviewbot.model import Series

_INDEX = re.compile(r"^diff --git a/(\S+) b/\S+\n(?:(?!diff --git).*\n)*?index ([0-9a-f]{7,40})\.\.[0-9a-f]{7,40}",
                    re.MULTILINE)
# Commits of HEAD touching the patched files searched for the blobs the diff's index lines name: a bound
# on the search's cost; a base older than that falls back to HEAD, and base_source says so.
HISTORY_DEPTH = 300


def _git(repo: str, *args: str, revs: list[str] | None = None,
         paths: list[str] | None = None) -> subprocess.CompletedProcess:
    return run_git(repo, *args, revs=revs, paths=paths, check=False, text=True)


def _commit(repo: str, rev: str) -> str | None:
    proc = _git(repo, "rev-parse", "--verify", "-q", revs=[f"{rev}^{{commit}}"])
    return proc.stdout.strip() if proc.returncode == 0 else None


def preimage_blobs(series: Series) -> dict[str, str]:
    """path -> abbreviated pre-image blob id, from the first patch that touches each file."""
    blobs: dict[str, str] = {}
    for patch in series.patches:
        for path, blob in _INDEX.findall(patch.diff_text):
            if set(blob) != {"0"} and "\0" not in path:  # git has no such path; the apply reports it
                blobs.setdefault(path, blob)
    return blobs


def _literal(paths) -> list[str]:
    return [f":(literal){p}" for p in paths]  # a path from a patch is never pathspec magic


def _matches(repo: str, commit: str, blobs: dict[str, str]) -> bool:
    proc = _git(repo, "ls-tree", "-r", "--full-tree", revs=[commit], paths=_literal(blobs))
    have = {}
    for line in proc.stdout.splitlines():
        meta, _, path = line.partition("\t")
        have[path] = meta.split()[2]
    return all(have.get(path, "").startswith(blob) for path, blob in blobs.items())


def find_base(repo: str, series: Series, explicit: str | None = None) -> tuple[str, str]:
    """(commit, how it was chosen) for a series to be applied in ``repo``."""
    if explicit:
        commit = _commit(repo, explicit)
        if commit is None:
            raise GitError(f"--base {explicit!r}: unknown revision in {repo}")
        return commit, "--base"
    if series.base_commit:
        commit = _commit(repo, series.base_commit)
        if commit is not None:
            return commit, "base-commit"
    head = _commit(repo, "HEAD")
    if head is None:
        raise GitError(f"{repo}: no commits")
    blobs = preimage_blobs(series)
    if blobs:
        if _matches(repo, head, blobs):
            return head, "blob match (HEAD)"
        log = _git(repo, "log", "--format=%H", f"-n{HISTORY_DEPTH}", revs=["HEAD"], paths=_literal(blobs))
        for commit in log.stdout.split():
            for candidate in (commit, f"{commit}^"):
                resolved = _commit(repo, candidate)
                if resolved and _matches(repo, resolved, blobs):
                    return resolved, "blob match"
    why = "HEAD (base-commit not in this tree)" if series.base_commit else "HEAD"
    return head, why
