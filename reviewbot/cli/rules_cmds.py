"""`reviewbot rules`, `reviewbot rules show ID`, `reviewbot version`."""
from __future__ import annotations

import typer

from reviewbot import __version__
from reviewbot.cli.app import app
from reviewbot.errors import InputError


@app.command()
def version() -> None:
    """Print reviewbot's version."""
    typer.echo(f"reviewbot {__version__}")


@app.command()
def rules(
    action: str = typer.Argument(None, help="'show' to print one rule's documentation"),
    rule_id: str = typer.Argument(None, metavar="ID"),
) -> None:
    """List every check and rule (id, default severity, what it looks at, one line), or `rules show ID`
    for its documentation."""
    from reviewbot.registry import entries
    from reviewbot.report.rules_doc import render_list, render_show

    known = entries()
    if action is None:
        typer.echo(render_list(known), nl=False)
        return
    if action != "show" or not rule_id:
        raise InputError("usage: reviewbot rules [show ID]")
    entry = next((e for e in known if e.id.lower() == rule_id.lower()), None)
    if entry is None:
        raise InputError(f"no check or rule {rule_id}; 'reviewbot rules' lists them")
    typer.echo(render_show(entry), nl=False)
