"""Where tracebacks go: a log file per run, never the terminal.

A crash (exit 3) and an analysis that raised on one patch (a skipped entry; the review goes on)
both leave their traceback here, and the one line the user sees names the file. The directory is
$REVIEWBOT_LOG_DIR, else the user's state directory (platformdirs: ~/.local/state/reviewbot/log on
Linux), else the temp directory when neither can be written.
"""
from __future__ import annotations

import datetime
import os
import sys
import tempfile
import traceback
from pathlib import Path

_run_log: Path | None = None


def log_dir() -> Path:
    if os.environ.get("REVIEWBOT_LOG_DIR"):
        return Path(os.environ["REVIEWBOT_LOG_DIR"])
    from platformdirs import user_log_dir

    return Path(user_log_dir("reviewbot"))


def _open_run_log():
    """This run's log file, created on first use: reviewbot-<UTC time>-<pid>.log."""
    global _run_log
    if _run_log is not None:
        return _run_log.open("a", encoding="utf-8", errors="backslashreplace")
    name = f"reviewbot-{datetime.datetime.now(datetime.timezone.utc):%Y%m%dT%H%M%SZ}-{os.getpid()}.log"
    last_error: OSError | None = None
    for directory in (log_dir(), Path(tempfile.gettempdir())):
        try:
            directory.mkdir(parents=True, exist_ok=True)
            path = directory / name
            fh = path.open("x", encoding="utf-8", errors="backslashreplace")
        except OSError as exc:
            last_error = exc
            continue
        _run_log = path
        fh.write(f"reviewbot run of {datetime.datetime.now().astimezone().isoformat(timespec='seconds')}\n"
                 f"argv: {sys.argv!r}\n")
        return fh
    raise last_error or OSError("no log directory")


def record(exc: BaseException, what: str) -> Path | None:
    """Append ``what`` and the traceback of ``exc`` to this run's log; the log's path, or None when no
    directory could take it (the caller still prints its one line)."""
    try:
        with _open_run_log() as fh:
            fh.write(f"\n== {what}\n")
            fh.write("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
    except OSError:
        return None
    return _run_log


def origin(exc: BaseException) -> str:
    """Where in reviewbot ``exc`` was raised (the innermost frame of our own code): ``c/apply.py:120 in
    apply_hunk``; a frame in a library below names the call of ours that led there."""
    package = Path(__file__).resolve().parent
    ours = None
    for frame in traceback.extract_tb(exc.__traceback__):
        path = Path(os.path.realpath(frame.filename))
        if path.is_relative_to(package):
            ours = f"{path.relative_to(package).as_posix()}:{frame.lineno} in {frame.name}"
    return ours or "reviewbot"


def one_line(exc: BaseException, limit: int = 300) -> str:
    """``ValueError: message`` on one line, cut at ``limit`` characters."""
    text = " ".join(str(exc).split())
    text = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
