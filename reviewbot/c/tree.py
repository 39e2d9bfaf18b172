"""Read-only views of a kernel tree: a git revision, a plain directory, or either with a series applied.

Nothing here writes: git trees are read from the object database (``git cat-file --batch``,
``git grep REV``), so a 1.2 GB kernel never needs a checkout, and the user's worktree, index,
refs and stash are never touched. Paths from patches go through ``safe_relpath`` first.
"""
from __future__ import annotations

import fnmatch
import hashlib
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from typing import Protocol

from reviewbot.errors import GitError, UnsafePathError
from reviewbot.gitcmd import popen_git, run_git

C_PATHSPECS = ("*.c", "*.h")
# Past this many paths differing between the checkout and a revision, searching the revision
# itself is as quick as correcting a search of the checkout.
MAX_CHECKOUT_DELTA = 2000
DELTA_SECONDS = 300.0
DELTAS_KEPT = 16
_DELTAS: dict[tuple[str, str], tuple[tuple, frozenset[str] | bool, float]] = {}
# `git hash-object -t tree /dev/null` in SHA-1 and SHA-256 repositories
EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
EMPTY_TREE_SHA256 = "6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321"


def safe_relpath(path: str) -> str:
    """A tree-relative POSIX path, or UnsafePathError for absolute paths, '..', NUL or empty paths."""
    if not path or "\x00" in path or "\\" in path:
        raise UnsafePathError(f"unsafe path in patch: {path!r}")
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or path.startswith("~"):
        raise UnsafePathError(f"path leaves the tree: {path!r}")
    normal = str(pure)
    if normal in (".", "") or normal.startswith(".git/") or normal == ".git":
        raise UnsafePathError(f"path not allowed: {path!r}")
    return normal


class TreeSource(Protocol):
    label: str

    def read(self, path: str) -> bytes | None: ...

    def blob_id(self, path: str) -> str | None: ...

    def files(self) -> Iterator[str]: ...

    def grep_word(self, word: str, pathspecs: Iterable[str] = C_PATHSPECS, limit: int | None = None) -> list[str]:
        """Files naming ``word``; with ``limit``, at most limit + 1 of them (more: the search stopped)."""
        ...


def word_pattern(word: str) -> re.Pattern:
    """``word`` as git grep -w finds it: not inside a longer C identifier (ASCII word characters)."""
    return re.compile(rb"(?<![A-Za-z0-9_])" + re.escape(word.encode()) + rb"(?![A-Za-z0-9_])")


def git_blob_id(data: bytes) -> str:
    """The id git gives a blob with this content (so plain directories share the parse cache)."""
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


class CatFile:
    """Blobs of a repository by id, through one long-running `git cat-file --batch`."""

    def __init__(self, repo_path: str):
        self.repo_path = repo_path
        self._proc: subprocess.Popen | None = None

    def read(self, sha: str) -> bytes:
        if self._proc is None or self._proc.poll() is not None:
            self._proc = popen_git(self.repo_path, "cat-file", "--batch", stdin=subprocess.PIPE,
                                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(sha.encode() + b"\n")
        self._proc.stdin.flush()
        header = self._proc.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            raise GitError(f"cannot read blob {sha} from {self.repo_path}")
        data = self._proc.stdout.read(int(header[2]))
        self._proc.stdout.read(1)  # the newline after the content
        return data

    def close(self) -> None:
        if self._proc is not None:
            self._proc.stdin.close()
            self._proc.wait(timeout=5)
            self._proc = None


class GitTree:
    """A revision of a git repository, read from its object database."""

    def __init__(self, repo_path: str | Path, rev: str = "HEAD"):
        self.repo_path = str(repo_path)
        if rev == EMPTY_TREE or rev == EMPTY_TREE_SHA256:
            self.commit = rev  # the base of a root commit: no files (not a commit, but ls-tree and grep take it)
        else:
            self.commit = self._git("rev-parse", "--verify", "--end-of-options", f"{rev}^{{commit}}").strip()
        self.label = f"{rev} ({self.commit[:12]})"
        self._ids: dict[str, str] | None = None
        self._cat = CatFile(self.repo_path)
        self._grep: dict[tuple, list[str]] = {}  # a revision never changes: grep each word once
        self._grep_partial: dict[tuple, tuple[int, list[str]]] = {}  # searches stopped at N hits
        self._clean: bool | None = None
        self._stamp: tuple[str, int, int] | bool | None = None  # _checkout_stamp: None unknown, False none
        self._delta: frozenset[str] | bool | None = None  # _checkout_delta: None unknown, False unusable
        self._one: dict[str, str | None] = {}

    def _git(self, *args: str, input: bytes | None = None) -> str:
        return run_git(self.repo_path, *args, input=input).stdout.decode("utf-8", "surrogateescape")

    def _blob_ids(self) -> dict[str, str]:
        if self._ids is None:
            out = self._git("ls-tree", "-r", "-z", "--full-tree", self.commit)
            ids = {}
            for entry in out.split("\x00"):
                if not entry:
                    continue
                meta, _, path = entry.partition("\t")
                mode, kind, sha = meta.split()
                if kind == "blob" and mode != "120000":  # symlinks are not followed
                    ids[path] = sha
            self._ids = ids
        return self._ids

    def blob_id(self, path: str) -> str | None:
        if self._ids is not None:
            return self._ids.get(path)
        # a handful of lookups (the files a grep found) is cheaper than listing 75,000 paths
        if path not in self._one:
            out = self._git("ls-tree", "-z", "--full-tree", self.commit, "--", path)
            meta, _, found = out.rstrip("\x00").partition("\t")
            parts = meta.split()
            ok = found == path and len(parts) == 3 and parts[1] == "blob" and parts[0] != "120000"
            self._one[path] = parts[2] if ok else None
        return self._one[path]

    def files(self) -> Iterator[str]:
        return iter(self._blob_ids())

    def read(self, path: str) -> bytes | None:
        sha = self.blob_id(path)
        return self.read_blob(sha) if sha else None

    def read_blob(self, sha: str) -> bytes:
        return self._cat.read(sha)

    def grep_word(self, word: str, pathspecs: Iterable[str] = C_PATHSPECS, limit: int | None = None) -> list[str]:
        """The files naming ``word`` as a whole word. With ``limit``: at most ``limit`` + 1 of them,
        the search stopped there (a caller that gives up on a word found in more files than that
        need not wait for git to read the rest of the tree: on a commit it inflates every blob)."""
        key = (word, tuple(pathspecs))
        if key in self._grep:
            whole = self._grep[key]
            return list(whole if limit is None else whole[:limit + 1])
        if limit is not None:
            most, hits = self._grep_partial.get(key, (0, []))
            if most < limit + 1:
                most, hits = limit + 1, self._git_grep_until(word, key[1], limit + 1)
                if len(hits) < most:  # the search ran to the end: the whole answer
                    self._grep[key] = hits
                    return list(hits)
                self._grep_partial[key] = (most, hits)
            return list(hits[:limit + 1])
        self._grep[key] = self._git_grep(word, key[1])
        return list(self._grep[key])

    def _git_grep_until(self, word: str, pathspecs: tuple[str, ...], most: int) -> list[str]:
        if not self._worktree_matches() and self._checkout_delta() is not None:
            found = self._grep_checkout_corrected(word, pathspecs)  # quick enough to run whole: kept whole
            self._grep[(word, pathspecs)] = found
            return found[:most]
        proc = popen_git(self.repo_path, *self._grep_args(word, pathspecs, self._worktree_matches()),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        prefix = self.commit + ":"
        found: list[str] = []
        try:
            for raw in proc.stdout:
                line = raw.decode("utf-8", "surrogateescape").rstrip("\n")
                found.append(line[len(prefix):] if line.startswith(prefix) else line)
                if len(found) >= most:
                    break
        finally:
            proc.stdout.close()
            if proc.poll() is None:
                proc.kill()
            returncode = proc.wait()
        if len(found) < most and returncode not in (0, 1):
            raise GitError(f"git grep failed for {word!r}")
        self._prefetch_blob_ids(found)
        return found

    def _worktree_matches(self, while_checking: Callable[[], None] | None = None) -> bool:
        """True when the checkout holds exactly this revision: then git grep may read the files
        (several times faster than inflating every blob), still without writing anything.
        ``while_checking`` runs once HEAD is known to be this revision, while the (slower)
        check for local changes runs."""
        if self._clean is None:
            stamp = self._checkout_stamp()
            clean = False
            if stamp is not None and stamp[0] == self.commit:
                check = popen_git(self.repo_path, "diff-index", "--quiet", "HEAD", "--",
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if while_checking is not None:
                    while_checking()
                clean = check.wait() == 0
            self._clean = clean
        return self._clean

    def _checkout_delta(self) -> frozenset[str] | None:
        """The paths where the checkout differs from this revision (local changes included), when
        there is a checkout and they are few enough that searching it and reading those few blobs
        beats searching the revision: git grep on a revision inflates every blob (3 s for Linux),
        on the checkout it reads files the page cache holds. None: search the revision."""
        if self._delta is None:
            self._delta = False
            stamp = self._checkout_stamp()
            if stamp is not None:
                # the reviews of one run share the delta (it stats every file of the checkout); a
                # changed HEAD or index, or a few minutes, and it is computed again
                key = (self.repo_path, self.commit)
                known = _DELTAS.get(key)
                if known is not None and known[0] == stamp and time.monotonic() - known[2] < DELTA_SECONDS:
                    self._delta = known[1]
                else:
                    # plumbing: compares with the index's stat data, never refreshes or writes the index
                    proc = run_git(self.repo_path, "diff-index", "--name-only", "-z", "--no-renames", self.commit,
                                   "--", check=False)
                    names = proc.stdout.decode("utf-8", "surrogateescape").split("\0") \
                        if proc.returncode == 0 else None
                    if names is not None and len(names) <= MAX_CHECKOUT_DELTA:
                        self._delta = frozenset(n for n in names if n)
                    _DELTAS[key] = (stamp, self._delta, time.monotonic())
                    if len(_DELTAS) > DELTAS_KEPT:  # an archive of many bases keeps the latest few
                        _DELTAS.pop(next(iter(_DELTAS)))
        return self._delta if self._delta is not False else None

    def _checkout_stamp(self) -> tuple[str, int, int] | None:
        """What says the checkout is as it was: HEAD and the index file's time and size (None: no
        checkout, or no HEAD). One rev-parse per tree, shared by both uses of the checkout."""
        if self._stamp is None:
            self._stamp = False
            proc = run_git(self.repo_path, "rev-parse", "--is-bare-repository", "--git-path", "index", "HEAD",
                           check=False, text=True)
            lines = proc.stdout.split("\n")
            if proc.returncode == 0 and len(lines) >= 3 and lines[0] == "false":
                index = Path(lines[1]) if Path(lines[1]).is_absolute() else Path(self.repo_path) / lines[1]
                try:
                    st = index.stat()
                    self._stamp = (lines[2], st.st_mtime_ns, st.st_size)
                except OSError:
                    pass
        return self._stamp or None

    def _grep_checkout_corrected(self, word: str, pathspecs: tuple[str, ...]) -> list[str]:
        """What git grep on the revision finds, from a search of the checkout: its hits outside the
        paths that differ, plus those paths searched in the revision's own blobs."""
        delta = self._checkout_delta() or set()
        proc = run_git(self.repo_path, *self._grep_args(word, pathspecs, True), check=False)
        if proc.returncode not in (0, 1):
            raise GitError(f"git grep failed: {proc.stderr.decode('utf-8', 'replace').strip()}")
        found = [p for p in proc.stdout.decode("utf-8", "surrogateescape").splitlines() if p not in delta]
        pattern = word_pattern(word)
        for path in sorted(delta):
            if not any(fnmatch.fnmatchcase(path, spec) for spec in pathspecs):
                continue
            sha = self.blob_id(path)
            if sha is None:
                continue  # not in the revision (added in the checkout), or not a file there
            data = self.read_blob(sha)
            if b"\0" not in data[:8000] and pattern.search(data):  # -I: git's binary test
                found.append(path)
        found.sort()
        self._prefetch_blob_ids(found)
        return found

    def _grep_args(self, word: str, pathspecs: tuple[str, ...], worktree: bool) -> list[str]:
        return ["grep", "-l", "-w", "-F", "-I", "-e", word, *([] if worktree else [self.commit]), "--", *pathspecs]

    def _git_grep(self, word: str, pathspecs: tuple[str, ...]) -> list[str]:
        speculative: list[subprocess.Popen] = []
        try:
            if self._clean is None:
                # the first grep of a run starts on the checkout while its cleanliness is checked
                def start() -> None:
                    speculative.append(popen_git(self.repo_path, *self._grep_args(word, pathspecs, True),
                                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE))
                worktree = self._worktree_matches(while_checking=start)
            else:
                worktree = self._worktree_matches()
            if speculative and worktree:
                out, err = speculative[0].communicate()
                returncode = speculative[0].returncode
            elif not worktree and self._checkout_delta() is not None:
                return self._grep_checkout_corrected(word, pathspecs)
            else:
                proc = run_git(self.repo_path, *self._grep_args(word, pathspecs, worktree), check=False)
                out, err, returncode = proc.stdout, proc.stderr, proc.returncode
        finally:
            for proc in speculative:
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
        if returncode not in (0, 1):
            raise GitError(f"git grep failed: {err.decode('utf-8', 'replace').strip()}")
        prefix = self.commit + ":"
        found = [line[len(prefix):] if line.startswith(prefix) else line
                 for line in out.decode("utf-8", "surrogateescape").splitlines()]
        self._prefetch_blob_ids(found)
        return found

    def _prefetch_blob_ids(self, paths: list[str]) -> None:
        """One ls-tree for the files a grep found (the callers read each of them next)."""
        todo = [p for p in paths if p not in self._one] if self._ids is None else []
        for i in range(0, len(todo), 500):
            chunk = todo[i:i + 500]
            out = self._git("ls-tree", "-z", "--full-tree", self.commit, "--", *[f":(literal){p}" for p in chunk])
            for p in chunk:
                self._one[p] = None
            for entry in out.split("\x00"):
                meta, _, path = entry.partition("\t")
                parts = meta.split()
                if path in self._one and len(parts) == 3 and parts[1] == "blob" and parts[0] != "120000":
                    self._one[path] = parts[2]

    def close(self) -> None:
        self._cat.close()

    def __del__(self):  # pragma: no cover - best effort
        try:
            self.close()
        except Exception:
            pass


class DirTree:
    """A plain directory (an unpacked tarball, a fixture); symlinks leaving it are ignored."""

    def __init__(self, path: str | Path):
        self.root = Path(path).resolve()
        self.label = str(path)

    def _full(self, path: str) -> Path | None:
        full = (self.root / safe_relpath(path)).resolve()
        if not full.is_relative_to(self.root) or not full.is_file():
            return None
        return full

    def read(self, path: str) -> bytes | None:
        full = self._full(path)
        return full.read_bytes() if full else None

    def blob_id(self, path: str) -> str | None:
        data = self.read(path)
        return git_blob_id(data) if data is not None else None

    def files(self) -> Iterator[str]:
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames[:] = sorted(d for d in dirnames if d != ".git")
            for name in sorted(filenames):
                full = Path(dirpath) / name
                if full.is_symlink():
                    continue
                yield full.relative_to(self.root).as_posix()

    def grep_word(self, word: str, pathspecs: Iterable[str] = C_PATHSPECS, limit: int | None = None) -> list[str]:
        pattern = word_pattern(word)
        suffixes = tuple(p.lstrip("*") for p in pathspecs)
        hits = []
        for path in self.files():
            if not path.endswith(suffixes):
                continue
            data = self.read(path)
            if data is not None and pattern.search(data):
                hits.append(path)
                if limit is not None and len(hits) > limit:
                    break
        return hits


class OverlayTree:
    """``base`` with some files replaced, added (bytes) or deleted (None): a tree after some patches."""

    def __init__(self, base: TreeSource, changes: dict[str, bytes | None] | None = None):
        self.base = base
        self.changes: dict[str, bytes | None] = dict(changes or {})
        self.label = f"{base.label} + {len(self.changes)} changed files"

    def read(self, path: str) -> bytes | None:
        if path in self.changes:
            return self.changes[path]
        return self.base.read(path)

    def blob_id(self, path: str) -> str | None:
        if path in self.changes:
            data = self.changes[path]
            return git_blob_id(data) if data is not None else None
        return self.base.blob_id(path)

    def files(self) -> Iterator[str]:
        seen = set()
        for path in self.base.files():
            seen.add(path)
            if self.changes.get(path, b"") is not None:
                yield path
        for path, data in self.changes.items():
            if path not in seen and data is not None:
                yield path

    def grep_word(self, word: str, pathspecs: Iterable[str] = C_PATHSPECS, limit: int | None = None) -> list[str]:
        pattern = word_pattern(word)
        suffixes = tuple(p.lstrip("*") for p in pathspecs)
        # the changed files may drop hits of the base: ask it for as many more as there are changes
        more = None if limit is None else limit + len(self.changes)
        hits = [p for p in self.base.grep_word(word, pathspecs, more) if p not in self.changes]
        for path, data in self.changes.items():
            if data is not None and path.endswith(suffixes) and pattern.search(data):
                hits.append(path)
        hits.sort()
        return hits if limit is None else hits[:limit + 1]

    def with_changes(self, changes: dict[str, bytes | None]) -> OverlayTree:
        return OverlayTree(self.base, {**self.changes, **changes})


def open_tree(path: str | Path, rev: str | None = None) -> TreeSource:
    """A git revision when ``path`` is a repository (default HEAD), else the plain directory."""
    p = Path(path)
    if not p.exists():
        raise GitError(f"{path}: no such tree")
    if (p / ".git").exists() or (p / "HEAD").is_file() and (p / "objects").is_dir():
        return GitTree(p, rev or "HEAD")
    if rev:
        raise GitError(f"{path} is not a git repository: --rev/--base need one")
    if not p.is_dir():
        raise GitError(f"{path}: not a directory")
    return DirTree(p)
