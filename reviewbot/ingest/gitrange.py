"""Git ranges (``A..B``) and single commits of a local tree, as the same Series/Patch objects mail gives.

Read only: revisions are resolved and diffs computed from the object database; nothing is
checked out, and the user's index, refs, worktree and stash are never touched.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from reviewbot.errors import GitError
from reviewbot.gitcmd import run_git
from reviewbot.ingest.trailers import parse_trailers
from reviewbot.model import Patch, Series, Skipped, TrailerOrigin

# Options that keep our diffs plain (gitcmd adds --no-ext-diff --no-textconv to every diff).
_DIFF_OPTS = ("-p", "-M", "--no-color")
# author name, email, date, parents, raw message: NUL never occurs in a commit header or message
_COMMIT_FORMAT = "%an%x00%ae%x00%aI%x00%P%x00%B"


def open_repo(path: str | Path) -> str:
    """``path`` when it is a git repository (its top or its git dir), else GitError with one line."""
    if not Path(path).is_dir():
        raise GitError(f"{path}: not a git repository")
    proc = run_git(path, "rev-parse", "--git-dir", check=False, text=True)
    if proc.returncode != 0:
        raise GitError(f"{path}: not a git repository")
    return str(path)


def is_range(expr: str) -> bool:
    return ".." in expr


def resolve(repo: str, rev: str) -> str:
    """Full commit id of ``rev``; GitError when git does not know it."""
    proc = run_git(repo, "rev-parse", "--verify", "-q", revs=[f"{rev}^{{commit}}"], check=False, text=True)
    if proc.returncode != 0:
        raise GitError(f"unknown revision {rev!r} in {repo}")
    return proc.stdout.strip()


def commits_in(repo: str, expr: str) -> list[str]:
    """Commit ids of a range (oldest first, as they would be applied) or of a single revision."""
    if not is_range(expr):
        return [resolve(repo, expr)]
    left, _, right = expr.partition("...") if "..." in expr else expr.partition("..")
    for side in (left, right):
        if side:
            resolve(repo, side)
    proc = run_git(repo, "rev-list", "--reverse", "--topo-order", revs=[expr], check=False, text=True)
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise GitError(f"cannot list {expr!r}: {lines[-1] if lines else proc.returncode}")
    return [line for line in proc.stdout.splitlines() if line]


def parents_of(repo: str, sha: str) -> list[str]:
    return run_git(repo, "rev-list", "--parents", "-n1", revs=[sha], text=True).stdout.split()[1:]


def range_base(repo: str, expr: str) -> str | None:
    """The tree a range (or single commit) applies to: the first commit's parent, or the empty tree
    for a root commit (a root commit creates its files; it is never applied onto HEAD)."""
    first = commits_in(repo, expr)[0]
    parents = parents_of(repo, first)
    if parents:
        return parents[0]
    return empty_tree(repo)


def empty_tree(repo: str) -> str:
    """The id of the empty tree in this repository's hash (git knows it without storing it)."""
    return run_git(repo, "hash-object", "-t", "tree", "--stdin", input=b"", text=False).stdout.decode().strip()


def series_from_git(repo_path: str | Path, expr: str, skipped: list[Skipped] | None = None) -> Series:
    """The commits of ``expr`` as a Series; merge commits are left out and reported in ``skipped``."""
    repo = open_repo(repo_path)
    shas = commits_in(repo, expr)
    if not shas:
        raise GitError(f"{expr}: no commits in that range")
    commits = []
    shallow = _shallow_edges(repo)
    for sha in shas:
        if sha in shallow:
            raise GitError(_shallow_message(repo, sha))
        commit = _commit(repo, sha)
        if len(commit["parents"]) > 1:
            if skipped is not None:
                skipped.append(Skipped(sha[:12], "merge commit: not reviewed as a patch"))
            continue
        commits.append(commit)
    total = len(commits)
    patches = [_patch(repo, c, n, total) for n, c in enumerate(commits, 1)]
    subject = patches[0].subject if total == 1 else f"{expr} ({total} commits)"
    return Series(subject=subject, patches=patches, expected_total=total, source=f"{repo_path} {expr}")


def _shallow_edges(repo: str) -> set[str]:
    """The commits a shallow clone was cut at: git lists them in the shallow file and shows them
    without parents, as if they were root commits (they are not: their parents are absent)."""
    proc = run_git(repo, "rev-parse", "--git-path", "shallow", check=False, text=True)
    if proc.returncode != 0 or not proc.stdout.strip():
        return set()
    try:
        return set((Path(repo) / proc.stdout.strip()).read_text(encoding="ascii").split())
    except (OSError, UnicodeDecodeError):
        return set()


def _shallow_message(repo: str, sha: str) -> str:
    raw = run_git(repo, "cat-file", "commit", sha, check=False, text=True).stdout  # the object keeps its parents
    parents = [line.split()[1] for line in raw.split("\n\n", 1)[0].splitlines() if line.startswith("parent ")]
    missing = f"its parent {parents[0][:12]} is missing" if parents else "its parent is missing"
    return (f"{repo} is a shallow clone that ends at {sha[:12]}: {missing}, so the commit's diff cannot be made; "
            f"fetch it (git fetch --deepen=1) or name a range that starts inside the clone")


def _commit(repo: str, sha: str) -> dict:
    out = run_git(repo, "log", "-1", "--no-walk", f"--format={_COMMIT_FORMAT}", revs=[sha], text=True).stdout
    name, email, date, parents, message = out.split("\x00", 4)
    return {"sha": sha, "name": name, "email": email, "date": datetime.fromisoformat(date),
            "parents": parents.split(), "message": message.removesuffix("\n")}


def _patch(repo: str, commit: dict, index: int, total: int) -> Patch:
    subject, _, body = commit["message"].partition("\n")
    body = body.lstrip("\n")
    parent = commit["parents"][0] if commit["parents"] else None
    sha = commit["sha"]
    args = [*_DIFF_OPTS, parent, sha] if parent else ["--root", *_DIFF_OPTS, sha]
    diff = run_git(repo, "diff-tree", *args, "--").stdout.decode("utf-8", "surrogateescape")
    if diff and not parent:
        diff = diff.split("\n", 1)[1] if not diff.startswith("diff ") else diff  # --root prints the id first
    return Patch(
        index=index,
        total=total,
        subject=subject.strip(),
        author=f"{commit['name']} <{commit['email']}>",
        commit_message=body,
        diff_text=diff if diff.endswith("\n") or not diff else diff + "\n",
        trailers=parse_trailers(body, TrailerOrigin.PATCH),
        commit=sha,
        date=commit["date"],
    )
