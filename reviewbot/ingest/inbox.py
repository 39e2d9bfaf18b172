"""Inboxes a long-running reader follows: read what arrived since the last position it kept.

    inbox = open_inbox("public-inbox:/srv/lore/linux-mm")   # or maildir:PATH, mbox:PATH, -
    for item in inbox.read_since(saved_position):           # saved_position None: from the start
        handle(item.raw)                                    # the message's bytes, as delivered
        saved_position = item.position                      # an opaque string: store it as it is

Positions are strings so a caller can keep them in a database; each kind reads its own:

- ``public-inbox:PATH``: a public-inbox v2 inbox (``PATH/git/N.git`` epochs, as lore mirrors made
  by grokmirror or ``lei`` are laid out). Every commit of an epoch's master adds one message as the
  blob ``m``; a commit that removes one (``d``, public-inbox-learn rm/spam) brings nothing new.
  Position ``"EPOCH:COMMIT"``: the commits after it in that epoch, then every later epoch.
  If the commit is no longer in the epoch's history (the mirror was rewritten), the epoch is read
  again from its start and the caller's Message-ID check drops what it already has.
- ``mbox:PATH``: an append-only mbox, read from the byte offset after the last message seen
  (position ``"OFFSET"``). A file that shrank, or whose offset no longer starts a message, was
  rotated or rewritten: it is read from the start again.
- ``maildir:PATH``: the files of ``new/`` and ``cur/``. A maildir has no order a position can keep
  exactly (a delivery is renamed into new/ after it was written, so its time can be older than a
  file already seen), so the position is the newest modification time seen (``"MTIME_NS"``) and
  files modified up to ``MAILDIR_GRACE_NS`` before it are offered again: a maildir reader may
  yield a message twice, and its caller keeps messages by Message-ID.
- ``-``: the one message on standard input (procmail / public-inbox-watch style delivery, one
  message per run); position None.

Git is only read: ``rev-list`` and ``cat-file --batch`` on the epoch's bare repository, with the
hooks, pager and program-running settings of the user's git config neutralised.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from reviewbot.errors import InputError
from reviewbot.gitcmd import popen_git, run_git
from reviewbot.ingest.mailread import MAX_INPUT_BYTES, mbox_message, mbox_spans

# Deliveries are renamed into new/ after they were written: a file written this long before the
# newest one already seen can still be new to us.
MAILDIR_GRACE_NS = 300 * 1_000_000_000
_EPOCH = re.compile(r"^(\d+)\.git$")
_SHA = re.compile(r"^[0-9a-f]{40}(?:[0-9a-f]{24})?$")


class InboxItem(NamedTuple):
    position: str | None  # read_since(position) goes on after this message
    raw: bytes  # the message as delivered (mbox: without its "From " line, mboxrd escaping undone)
    origin: str  # where it is, for messages to a person: "PATH/new/NAME", "PATH@OFFSET", "git/0.git COMMIT"
    error: str | None = None  # set when the message is there but could not be read (raw is then empty)


class Inbox:
    """A source of raw messages in arrival order. ``spec`` is what the user named."""

    spec: str
    kind: str

    def read_since(self, position: str | None) -> Iterator[InboxItem]:  # pragma: no cover - interface
        raise NotImplementedError


def open_inbox(spec: str) -> Inbox:
    """``maildir:PATH``, ``public-inbox:PATH``, ``mbox:PATH`` or ``-``; InputError for anything else."""
    if spec == "-":
        return StdinInbox()
    kind, sep, path = spec.partition(":")
    if not sep or not path:
        raise InputError(f"{spec}: an inbox is maildir:PATH, public-inbox:PATH, mbox:PATH or -")
    opener = {"maildir": MaildirInbox, "public-inbox": PublicInbox, "mbox": MboxInbox}.get(kind)
    if opener is None:
        raise InputError(f"{spec}: unknown inbox kind {kind!r} (maildir, public-inbox, mbox, or - for stdin)")
    return opener(Path(path).expanduser())


@dataclass
class StdinInbox(Inbox):
    spec: str = "-"
    kind: str = "stdin"

    def read_since(self, position: str | None) -> Iterator[InboxItem]:
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"stdin: more than {MAX_INPUT_BYTES} bytes, more than reviewbot reads")
        if data.strip():
            yield InboxItem(None, data, "<stdin>")


class MboxInbox(Inbox):
    kind = "mbox"

    def __init__(self, path: Path):
        if not path.is_file():
            raise InputError(f"mbox:{path}: no such file")
        self.path = path
        self.spec = f"mbox:{path}"

    def read_since(self, position: str | None) -> Iterator[InboxItem]:
        offset = int(position) if position and position.isdigit() else 0
        try:
            with self.path.open("rb") as fh:
                size = os.fstat(fh.fileno()).st_size
                if offset > size:
                    offset = 0  # rotated or truncated: the Message-ID check drops what was seen
                fh.seek(offset)
                data = fh.read(MAX_INPUT_BYTES)
        except OSError as exc:
            raise InputError(f"{self.spec}: {exc.strerror or exc}") from None
        if offset and data and not data.startswith(b"From "):
            yield from self.read_since(None)  # rewritten under us: offsets mean nothing any more
            return
        # A message still being appended has no line end yet; it is read on the next pass.
        complete = data if data.endswith(b"\n") else data[:data.rfind(b"\n") + 1]
        spans = mbox_spans(complete)
        if spans and len(complete) < len(data):
            spans = spans[:-1]
        for start, end in spans:
            yield InboxItem(str(offset + end), mbox_message(complete, start, end), f"{self.path}@{offset + start}")


class MaildirInbox(Inbox):
    kind = "maildir"

    def __init__(self, path: Path):
        if not any((path / sub).is_dir() for sub in ("new", "cur")):
            raise InputError(f"maildir:{path}: not a maildir (no new/ or cur/)")
        self.path = path
        self.spec = f"maildir:{path}"

    def read_since(self, position: str | None) -> Iterator[InboxItem]:
        since = int(position) - MAILDIR_GRACE_NS if position and position.isdigit() else None
        found = []
        for sub in ("new", "cur"):
            try:
                entries = list(os.scandir(self.path / sub))
            except FileNotFoundError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                    continue
                try:
                    mtime = entry.stat(follow_symlinks=False).st_mtime_ns
                except FileNotFoundError:  # moved from new/ to cur/ while we listed
                    continue
                if since is None or mtime >= since:
                    # the unique name without its ":2,FLAGS" info, so a move to cur/ keeps its place
                    found.append((mtime, entry.name.split(":", 1)[0], entry.path))
        newest = int(position) if position and position.isdigit() else 0
        for mtime, _key, path in sorted(found):
            try:
                with open(path, "rb") as fh:
                    raw = fh.read(MAX_INPUT_BYTES + 1)
            except FileNotFoundError:
                continue  # moved to cur/ meanwhile: found there on the next pass
            except OSError as exc:  # offered with the reason, so the caller can quarantine it
                newest = max(newest, mtime)
                yield InboxItem(str(newest), b"", path, f"cannot read: {exc.strerror or exc}")
                continue
            newest = max(newest, mtime)
            yield InboxItem(str(newest), raw, path)


class PublicInbox(Inbox):
    kind = "public-inbox"

    def __init__(self, path: Path):
        if not (path / "git").is_dir():
            if (path / "objects").is_dir() and (path / "HEAD").is_file():
                raise InputError(f"public-inbox:{path}: a v1 inbox (one git repository); only v2 inboxes "
                                 "(PATH/git/N.git) are read")
            raise InputError(f"public-inbox:{path}: not a public-inbox v2 inbox (no git/ epochs)")
        self.path = path
        self.spec = f"public-inbox:{path}"

    def epochs(self) -> list[int]:
        found = [int(m.group(1)) for e in (self.path / "git").iterdir() if (m := _EPOCH.match(e.name))]
        return sorted(found)

    def read_since(self, position: str | None) -> Iterator[InboxItem]:
        start_epoch, last = -1, None
        if position:
            epoch_text, _, commit = position.partition(":")
            if epoch_text.isdigit() and _SHA.match(commit):
                start_epoch, last = int(epoch_text), commit
        for epoch in self.epochs():
            if epoch < start_epoch:
                continue
            repo = self.path / "git" / f"{epoch}.git"
            since = last if epoch == start_epoch else None
            yield from self._epoch_since(epoch, repo, since)

    def _epoch_since(self, epoch: int, repo: Path, since: str | None) -> Iterator[InboxItem]:
        commits = _rev_list(repo, since)
        if commits is None:  # the commit kept is gone (history rewritten): read the epoch again
            commits = _rev_list(repo, None) or []
        if not commits:
            return
        with _BlobReader(repo) as reader:
            for commit in commits:
                raw = reader.read(f"{commit}:m")
                if raw is not None:  # a removal ("d") or a commit without a message brings nothing
                    yield InboxItem(f"{epoch}:{commit}", raw, f"{repo.name} {commit}")


def _rev_list(repo: Path, since: str | None) -> list[str] | None:
    """Commits of the epoch's master after ``since``, oldest first; None when ``since`` is unknown."""
    head = "refs/heads/master"
    spec = [f"^{since}", head] if since else [head]
    proc = run_git(repo, "rev-list", "--reverse", revs=spec, paths=[], check=False)
    if proc.returncode != 0:
        if since is not None:
            return None
        # an epoch made but not written to yet has no master
        empty = run_git(repo, "rev-parse", "--verify", "-q", head, check=False)
        if empty.returncode != 0:
            return []
        raise InputError(f"{repo}: git rev-list failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout.decode().split()


class _BlobReader:
    """``git cat-file --batch``: one process for an epoch's blobs, read in order."""

    def __init__(self, repo: Path):
        self.proc = popen_git(repo, "cat-file", "--batch", stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)

    def __enter__(self) -> _BlobReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, name: str) -> bytes | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(name.encode() + b"\n")
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().split()
        if len(header) != 3:  # "<name> missing"
            return None
        size = int(header[2])
        data = self.proc.stdout.read(size)
        self.proc.stdout.read(1)  # the newline after the object
        return data if header[1] == b"blob" else None

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc.wait()
