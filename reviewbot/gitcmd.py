"""The one way reviewbot runs git: argv lists (never a shell), a fixed environment, and no program
named by anyone's configuration ever started.

reviewbot reads trees it did not make (a colleague's clone, a tarball import, a CI checkout), and a
repository's ``.git/config`` (or the user's ``~/.gitconfig``) can name programs git starts on its
own: ``core.fsmonitor`` on any index refresh, clean/smudge ``filter`` drivers when a worktree file is
hashed, ``diff.external`` and ``textconv`` drivers on diffs, ``gpg.program`` when ``log`` shows
signatures, pagers, hooks, credential helpers and transports. Every call here:

- drops every ``GIT_*`` variable of the caller (a pre-push hook runs us with ``GIT_DIR``,
  ``GIT_INDEX_FILE`` and ``GIT_CONFIG_PARAMETERS`` of *its* repository), and sets ``LC_ALL=C``
  (messages we parse), ``GIT_TERMINAL_PROMPT=0``, ``GIT_OPTIONAL_LOCKS=0`` (a read never rewrites
  the user's index), ``GIT_NO_LAZY_FETCH=1`` (a partial clone never fetches);
- passes ``--no-pager`` and, through ``GIT_CONFIG_COUNT`` (no ``-c key=value`` parsing ambiguity
  for odd driver names), config that switches the program-running options off: see ``_FIXED``;
- switches off each clean/smudge/process filter *by name*: a driver is ``filter.<name>.*``, so the
  names are read once per repository with ``git config --list --name-only`` (reading config runs
  nothing) and each gets empty commands, which git treats as "no filter";
- adds ``--no-ext-diff --no-textconv`` to the commands that diff, because an empty
  ``diff.external`` is not "none" for git (it tries to run "") and textconv drivers are per name.

System and global config are still read (``safe.directory``, ``core.quotePath`` and the like are
the user's to set); only what can start a program is overridden, whatever scope set it.
"""
from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from reviewbot.errors import GitError

# key, value: every option here names a program git may start (or a way to reach one)
_FIXED: tuple[tuple[str, str], ...] = (
    ("core.fsmonitor", "false"),            # a hook run on every index refresh
    ("core.hooksPath", os.devnull),         # hooks (none of our commands should fire one; belt and braces)
    ("core.pager", "cat"),
    ("core.editor", "false"), ("sequence.editor", "false"),
    ("core.askPass", ""), ("credential.helper", ""),  # an empty helper resets the list
    ("core.sshCommand", "false"), ("core.gitProxy", ""),
    ("protocol.allow", "never"),            # no transport at all: we only read local objects
    ("log.showSignature", "false"),         # `git log` would run gpg.program
    ("gpg.program", "false"), ("gpg.openpgp.program", "false"),
    ("gpg.x509.program", "false"), ("gpg.ssh.program", "false"),
    ("gc.auto", "0"), ("maintenance.auto", "false"),
    ("core.attributesFile", os.devnull),    # user-wide attributes cannot select drivers either
)

# commands that may run an external diff or textconv driver unless told not to
_DIFFING = frozenset({"diff", "diff-tree", "diff-index", "diff-files", "log", "show", "format-patch"})
_TEXTCONV_ONLY = frozenset({"grep"})

_FILTER_KEY = re.compile(r"^filter\.(.+)\.(clean|smudge|process|required)$", re.IGNORECASE)
_CREDENTIAL_HELPER = re.compile(r"^credential\..+\.helper$", re.IGNORECASE)

_per_repo: dict[str, tuple[tuple[str, str], ...]] = {}


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(LC_ALL="C", LANGUAGE="C", GIT_TERMINAL_PROMPT="0", GIT_OPTIONAL_LOCKS="0",
               GIT_NO_LAZY_FETCH="1", GIT_PAGER="cat", GIT_EDITOR="false", GIT_SEQUENCE_EDITOR="false",
               GIT_ATTR_NOSYSTEM="1")
    return env


def _with_config(env: dict[str, str], pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    env = dict(env)
    env["GIT_CONFIG_COUNT"] = str(len(pairs))
    for i, (key, value) in enumerate(pairs):
        env[f"GIT_CONFIG_KEY_{i}"] = key
        env[f"GIT_CONFIG_VALUE_{i}"] = value
    return env


def _argv(repo: str | Path | None, args: Sequence[str]) -> list[str]:
    argv = ["git", "--no-pager"]
    if repo is not None:
        argv += ["-C", str(repo)]
    args = list(args)
    if args and args[0] in _DIFFING:
        args[1:1] = ["--no-ext-diff", "--no-textconv"]
    elif args and args[0] in _TEXTCONV_ONLY:
        args[1:1] = ["--no-textconv"]
    return argv + args


def _driver_overrides(repo: str | Path | None) -> tuple[tuple[str, str], ...]:
    """Config pairs that disable every filter driver and URL-scoped credential helper the
    repository's (or user's) config defines: they are keyed by a name only the config knows."""
    key = os.path.abspath(str(repo)) if repo is not None else os.getcwd()
    if key in _per_repo:
        return _per_repo[key]
    env = _with_config(_base_env(), _FIXED)
    try:
        proc = subprocess.run(_argv(repo, ["config", "--list", "--name-only", "-z"]), capture_output=True,
                              env=env, stdin=subprocess.DEVNULL, timeout=60)
        names = proc.stdout.decode("utf-8", "surrogateescape").split("\x00") if proc.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired):
        names = []
    pairs: list[tuple[str, str]] = []
    for name in dict.fromkeys(n for n in names if n):
        match = _FILTER_KEY.match(name)
        if match:
            pairs.append((name, "false" if match.group(2).lower() == "required" else ""))
        elif _CREDENTIAL_HELPER.match(name):
            pairs.append((name, ""))
    _per_repo[key] = tuple(pairs)
    return _per_repo[key]


_threads: list[tuple[str, str]] = []  # set by one_thread_each(): grep.threads for every git started


@contextmanager
def one_thread_each():
    """Inside, every git runs on one thread (``grep.threads=1``): for work that is parallel across
    reviews (`archive`, sequentially or on Dask workers of one thread each), where git's own threads
    would take the cores of the other workers. A search of the Linux checkout costs about as much
    either way; the throughput of two workers on two cores goes from 1.5x to 1.7x one worker's."""
    _threads.append(("grep.threads", "1"))
    try:
        yield
    finally:
        _threads.pop()


def git_env(repo: str | Path | None) -> dict[str, str]:
    """The environment every git process of reviewbot gets for ``repo``."""
    return _with_config(_base_env(), _FIXED + _driver_overrides(repo) + tuple(_threads[-1:]))


def _full_args(args: Sequence[str], revs: Sequence[str] | None, paths: Sequence[str] | None) -> list[str]:
    out = list(args)
    if revs is not None:
        out += ["--end-of-options", *revs]  # a revision from mail or the command line is never an option
    if paths is not None:
        out += ["--", *paths]
    return out


def run_git(repo: str | Path | None, *args: str, input: bytes | str | None = None, check: bool = True,
            text: bool = False, timeout: float | None = None, revs: Sequence[str] | None = None,
            paths: Sequence[str] | None = None) -> subprocess.CompletedProcess:
    """Run ``git -C repo ARGS [--end-of-options REVS] [-- PATHS]`` and capture its output.

    ``repo`` None runs in the current directory. ``text`` decodes as UTF-8 with surrogateescape (git
    paths and log messages are bytes). ``check`` raises GitError (one line: git's last message) on a
    non-zero exit; GitError too when git cannot be started or runs past ``timeout`` seconds."""
    full = _full_args(args, revs, paths)
    argv = _argv(repo, full)
    try:
        proc = subprocess.run(argv, input=input, capture_output=True, env=git_env(repo), timeout=timeout,
                              stdin=subprocess.DEVNULL if input is None else None,
                              **({"encoding": "utf-8", "errors": "surrogateescape"} if text else {}))
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None
    except subprocess.TimeoutExpired:
        raise GitError(f"git {full[0] if full else ''} timed out after {timeout}s in {repo}") from None
    if check and proc.returncode != 0:
        err = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode("utf-8", "replace")
        lines = err.strip().splitlines()
        raise GitError(f"git {full[0] if full else ''} failed in {repo or os.getcwd()}: "
                       f"{lines[-1] if lines else f'exit {proc.returncode}'}")
    return proc


def popen_git(repo: str | Path | None, *args: str, revs: Sequence[str] | None = None,
              paths: Sequence[str] | None = None, **popen_kw) -> subprocess.Popen:
    """Start ``git -C repo ARGS`` for streaming (``cat-file --batch``, a speculative grep); the same
    argv and environment rules as run_git. GitError when git cannot be started."""
    if "env" in popen_kw or "shell" in popen_kw:
        raise TypeError("popen_git sets the environment itself and never uses a shell")
    popen_kw.setdefault("stdin", subprocess.DEVNULL)
    try:
        return subprocess.Popen(_argv(repo, _full_args(args, revs, paths)), env=git_env(repo), **popen_kw)
    except OSError as exc:
        raise GitError(f"cannot run git: {exc}") from None
