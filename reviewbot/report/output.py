"""Where a report goes: stdout, a file, an mbox or a maildir. Every command writes through here.

A file is replaced atomically (a temporary file in the same directory, then os.replace), never
appended to: a rerun gives the same file, and an interrupted or failed write (a full disk) leaves the
old one as it was. Targets that are not regular files (devices such as /dev/full, FIFOs, sockets)
are refused: use stdout for those. A target that is one of the inputs, lies inside an input
directory, or is an existing file of the tree under review is refused: a review never modifies what
it reads. A maildir is a new directory
(`-o DIR/`), an empty one, or an existing maildir (messages are added, as a maildir is meant for);
never a directory holding other files, such as the work tree.
"""
from __future__ import annotations

import mailbox
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from reviewbot.errors import InputError

STDOUT = "-"


@dataclass(frozen=True)
class Target:
    """A checked output: ``path`` None is stdout; ``maildir`` when replies go one file each."""

    path: Path | None
    maildir: bool = False
    shown: str = "stdout"  # as the user wrote it, for messages


def _is_maildir(path: Path) -> bool:
    return all((path / sub).is_dir() for sub in ("cur", "new", "tmp"))


def _inside(path: Path, directory: Path) -> bool:
    return path == directory or path.is_relative_to(directory)


def check_target(output: str | None, inputs: Iterable[str | Path] = (), maildir_ok: bool = False,
                 tree: str | Path | None = None) -> Target:
    """The target ``-o`` names, checked before any work is done; InputError (one line, exit 2) when it
    cannot be written as asked. ``maildir_ok``: a directory means a maildir (reply mails). ``tree``: the
    tree under review, whose existing files are never overwritten (a new file in it is allowed)."""
    if output is None or output == STDOUT:
        return Target(None)
    shown = output
    wants_dir = output.endswith("/")
    path = Path(os.path.realpath(output))  # a symlink's target is what gets replaced
    for given in inputs:
        if given == STDOUT or not Path(given).exists():
            continue
        source = Path(os.path.realpath(given))
        if path == source or (source.is_dir() and _inside(path, source)):
            what = "is the input" if path == source else f"is inside the input directory {given}"
            raise InputError(f"-o {shown}: {what}; write the report somewhere else")
    if tree is not None and path.exists() and Path(tree).is_dir() and _inside(path, Path(os.path.realpath(tree))):
        raise InputError(f"-o {shown}: already in the tree under review ({tree}); reviewbot does not change it")
    if path.exists():
        mode = path.stat().st_mode
        if stat.S_ISDIR(mode):
            if not maildir_ok:
                raise InputError(f"-o {shown}: is a directory; name a file")
            if not _is_maildir(path) and any(path.iterdir()):
                raise InputError(f"-o {shown}: a directory that is neither empty nor a maildir; name a new "
                                 f"directory (-o DIR/), an empty one, an existing maildir, or a file for an mbox")
            return Target(path, maildir=True, shown=shown)
        if not stat.S_ISREG(mode):
            raise InputError(f"-o {shown}: not a regular file (a device, FIFO or socket); leave out -o to write "
                             f"to stdout and redirect that")
        if wants_dir:
            raise InputError(f"-o {shown}: is a file, not a directory")
        return Target(path, shown=shown)
    if wants_dir and not maildir_ok:
        raise InputError(f"-o {shown}: a directory is only for --format email (a maildir)")
    parent = path.parent
    if not parent.is_dir():
        raise InputError(f"-o {shown}: directory {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InputError(f"-o {shown}: directory {parent} is not writable")
    return Target(path, maildir=wants_dir, shown=shown)


def _new_file_mode(existing: Path) -> int:
    """The replaced file keeps its permissions; a new one gets what open() would give it."""
    try:
        return stat.S_IMODE(existing.stat().st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _replace(path: Path, fill: Callable[[str], None]) -> None:
    """Write ``path`` through a temporary file beside it: ``fill(temp_path)`` writes it, os.replace()
    puts it in place. On any failure the temporary file is removed and ``path`` is unchanged."""
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        os.close(fd)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        fill(temp)
        os.chmod(temp, _new_file_mode(path))
        os.replace(temp, path)
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        if os.path.lexists(temp):
            os.unlink(temp)


def write_text(text: str, target: Target) -> None:
    if target.path is None:
        sys.stdout.write(text)
        sys.stdout.flush()  # a full disk or a closed pipe shows here; cli.run makes it one line, exit 2
        return

    def fill(temp: str) -> None:
        with open(temp, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
    _replace(target.path, fill)


def write_replies(replies: list[EmailMessage], target: Target) -> None:
    """Reply mails as an mbox file (replaced whole) or into a maildir (one file each, each placed
    atomically by the maildir protocol)."""
    if target.path is None:
        raise InputError("--format email needs -o FILE (an mbox) or -o DIR (a maildir)")
    if target.maildir:
        try:
            target.path.mkdir(exist_ok=True)
            for sub in ("cur", "new", "tmp"):
                (target.path / sub).mkdir(exist_ok=True)
            box = mailbox.Maildir(str(target.path), create=False)
            for reply in replies:
                box.add(reply)
        except OSError as exc:
            raise InputError(f"cannot write {target.shown}: {exc.strerror or exc}") from None
        return

    def fill(temp: str) -> None:
        # mailbox only ever sees the fresh empty temporary file: pointed at an existing target it would
        # first read it whole (an endless read on /dev/full), and it appends
        box = mailbox.mbox(temp, create=False)
        try:
            for reply in replies:
                box.add(reply)
            box.flush()
        finally:
            box.close()
    _replace(target.path, fill)
