"""Command-line entry point. Each area's commands live in their own module under reviewbot/cli/.

Exit codes, for every command: 0 clean, 1 findings (only where a command says so: `check`, `review
--fail-on`), 2 bad input or environment (one line on stderr), 3 internal error (one line naming where it
crashed and the log file holding the traceback). A crash never exits 1: a pre-push hook must not read a
bug as a verdict. Nothing prints a traceback on the terminal.
"""
from __future__ import annotations

import errno
import importlib
import io
import os
import sys

import typer

from reviewbot.cli.app import app
from reviewbot.errors import ReviewbotError

# Modules that register commands on ``app``; a module not written yet is simply absent.
COMMAND_MODULES = ("mail_cmds", "review_cmds", "rules_cmds", "report_cmds", "archive_cmds", "bot_cmds")

for _name in COMMAND_MODULES:
    try:
        importlib.import_module(f"reviewbot.cli.{_name}")
    except ModuleNotFoundError as exc:  # pragma: no cover - only while a module does not exist
        if exc.name != f"reviewbot.cli.{_name}":
            raise

EXIT_CLEAN, EXIT_FINDINGS, EXIT_INPUT, EXIT_CRASH = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # the shell's 128 + SIGINT
BROKEN_PIPE = "the output was closed before everything was written (broken pipe)"


def _say(line: str) -> None:
    if sys.stderr is not None:  # started with stderr closed: the exit code is all that is left
        try:
            print(line, file=sys.stderr, flush=True)
        except OSError:
            pass


def _error(message: str) -> int:
    _say(f"reviewbot: error: {' '.join(str(message).split())}")
    return EXIT_INPUT


def _silence_stdout() -> None:
    """After the reader of stdout went away: point fd 1 at /dev/null so the interpreter's final flush
    does not fail again on the way out."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, AttributeError, ValueError):
        pass


class _ClosedStdout(io.TextIOBase):
    """Stands for a stdout the process was started without (`>&-`): click's echo would drop the output
    silently and exit 0; a write here is an error instead (exit 2), and a command that writes nothing
    to stdout (`review -o FILE`) is not disturbed."""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "stdout is closed: nothing can be written; redirect it or use -o")


def _crash(exc: BaseException, argv: list[str]) -> int:
    from reviewbot import crashlog

    command = next((a for a in argv if not a.startswith("-")), "")
    log = crashlog.record(exc, f"crash in 'reviewbot {command}'")
    where = f"the traceback is in {log}" if log else "no log file could be written"
    _say(f"reviewbot: internal error (a bug, not a review verdict) in {crashlog.origin(exc)}: "
         f"{crashlog.one_line(exc)}; {where}")
    return EXIT_CRASH


def _invoke(argv: list[str]) -> int:
    command = typer.main.get_command(app)
    try:
        with command.make_context("reviewbot", list(argv)) as ctx:
            command.invoke(ctx)
    except typer.Exit as exc:  # --help, `raise typer.Exit(1)` for findings
        return exc.exit_code
    return EXIT_CLEAN


def run(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code. Click's standalone mode is not used: it turns an
    EOFError from anywhere into 'Aborted!' and exit 1, and a broken pipe into exit 1."""
    from typer._click.exceptions import NoArgsIsHelpError, UsageError

    argv = list(sys.argv[1:] if argv is None else argv)
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    try:
        code = _invoke(argv)
        sys.stdout.flush()  # a full disk or a closed pipe behind stdout shows here, not at exit
        return code
    except NoArgsIsHelpError as exc:
        exc.show()
        return EXIT_INPUT
    except UsageError as exc:
        hint = f"; see '{exc.ctx.command_path} --help'" if exc.ctx is not None else ""
        return _error(f"{exc.format_message()}{hint}")
    except typer.TyperException as exc:  # click's other errors (a file option it could not open)
        return _error(exc.format_message())
    except (KeyboardInterrupt, typer.Abort):
        return EXIT_INTERRUPTED
    except ReviewbotError as exc:
        return _error(str(exc))
    except BrokenPipeError:
        _silence_stdout()
        return _error(BROKEN_PIPE)
    except SystemExit as exc:
        if isinstance(exc.__context__, BrokenPipeError):  # rich's console exits 1 on a broken pipe
            return _error(BROKEN_PIPE)
        raise
    except OSError as exc:  # the environment: permissions, a full disk, a vanished file
        writing = exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT, errno.EIO)
        where = f"{exc.filename}: " if exc.filename else "writing the output: " if writing else ""
        return _error(f"{where}{exc.strerror or exc}")
    except Exception as exc:
        return _crash(exc, argv)


def main() -> None:
    sys.exit(run())
