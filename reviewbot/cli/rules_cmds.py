"""`reviewbot version` (rules commands arrive with the rules engine)."""
from __future__ import annotations

import typer

from reviewbot import __version__
from reviewbot.cli.app import app


@app.command()
def version() -> None:
    """Print reviewbot's version."""
    typer.echo(f"reviewbot {__version__}")
