"""Command-line entry point. Each area's commands live in their own module under reviewbot/cli/."""
from __future__ import annotations

import importlib
import sys

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


def main() -> None:
    """Run the CLI. Usage errors exit 2 (click's convention); input errors print one line, exit 2."""
    try:
        app()
    except ReviewbotError as exc:
        print(f"reviewbot: error: {exc}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
