"""Git ranges (``A..B``) and single commits of a local tree, as the same Series/Patch objects mail gives.

Read only: revisions are resolved and diffs computed from the object database; nothing is
checked out, and the user's index, refs, worktree and stash are never touched.
"""
from __future__ import annotations

from pathlib import Path

from reviewbot.errors import GitError
from reviewbot.ingest.trailers import parse_trailers
from reviewbot.model import Patch, Series, Skipped, TrailerOrigin

# Options that keep user configuration (external diff drivers, textconv, colours) out of our diffs.
_DIFF_OPTS = ("-p", "-M", "--no-color", "--no-ext-diff", "--no-textconv")


def open_repo(path: str | Path):
    """A GitPython Repo for ``path``, or GitError with one line."""
    import git

    try:
        return git.Repo(str(path), search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path}: not a git repository") from None


def is_range(expr: str) -> bool:
    return ".." in expr


def resolve(repo, rev: str) -> str:
    """Full commit id of ``rev``; GitError when git does not know it."""
    import git

    try:
        return repo.git.rev_parse("--verify", "--end-of-options", f"{rev}^{{commit}}")
    except git.GitCommandError:
        raise GitError(f"unknown revision {rev!r} in {repo.working_dir or repo.git_dir}") from None


def commits_in(repo, expr: str) -> list[str]:
    """Commit ids of a range (oldest first, as they would be applied) or of a single revision."""
    import git

    if not is_range(expr):
        return [resolve(repo, expr)]
    left, _, right = expr.partition("...") if "..." in expr else expr.partition("..")
    for side in (left, right):
        if side:
            resolve(repo, side)
    try:
        out = repo.git.rev_list("--reverse", "--topo-order", "--end-of-options", expr)
    except git.GitCommandError as exc:
        raise GitError(f"cannot list {expr!r}: {exc.stderr.strip() or exc}") from None
    return [line for line in out.splitlines() if line]


def series_from_git(repo_path: str | Path, expr: str, skipped: list[Skipped] | None = None) -> Series:
    """The commits of ``expr`` as a Series; merge commits are left out and reported in ``skipped``."""
    repo = open_repo(repo_path)
    shas = commits_in(repo, expr)
    if not shas:
        raise GitError(f"{expr}: no commits in that range")
    commits = []
    for sha in shas:
        commit = repo.commit(sha)
        if len(commit.parents) > 1:
            if skipped is not None:
                skipped.append(Skipped(sha[:12], "merge commit: not reviewed as a patch"))
            continue
        commits.append(commit)
    total = len(commits)
    patches = [_patch(repo, c, n, total) for n, c in enumerate(commits, 1)]
    subject = patches[0].subject if total == 1 else f"{expr} ({total} commits)"
    return Series(subject=subject, patches=patches, expected_total=total, source=f"{repo_path} {expr}")


def _patch(repo, commit, index: int, total: int) -> Patch:
    message = commit.message if isinstance(commit.message, str) else commit.message.decode("utf-8", "replace")
    subject, _, body = message.partition("\n")
    body = body.lstrip("\n")
    parent = commit.parents[0].hexsha if commit.parents else None
    args = [*_DIFF_OPTS, parent, commit.hexsha] if parent else ["--root", *_DIFF_OPTS, commit.hexsha]
    diff = repo.git.diff_tree(*args, "--", stdout_as_string=False).decode("utf-8", "surrogateescape")
    if diff and not parent:
        diff = diff.split("\n", 1)[1] if not diff.startswith("diff ") else diff  # --root prints the id first
    return Patch(
        index=index,
        total=total,
        subject=subject.strip(),
        author=f"{commit.author.name} <{commit.author.email}>",
        commit_message=body,
        diff_text=diff if diff.endswith("\n") or not diff else diff + "\n",
        trailers=parse_trailers(body, TrailerOrigin.PATCH),
        commit=commit.hexsha,
        date=commit.authored_datetime,
    )
