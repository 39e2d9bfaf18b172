"""The typer application object and helpers shared by the command modules.

Command modules (one per area) register their commands on ``app``; they parse arguments and
wire layers together, nothing more.
"""
from __future__ import annotations

import sys

import typer

app = typer.Typer(
    name="reviewbot",
    help="Review Linux-kernel patch series the way an experienced maintainer does.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def fail(message: str, code: int = 2) -> None:
    """Print one line on stderr and exit: the only way a command reports bad input."""
    print(f"reviewbot: error: {message}", file=sys.stderr)
    raise typer.Exit(code)


@app.callback()
def _root() -> None:
    """Review Linux-kernel patch series the way an experienced maintainer does."""
