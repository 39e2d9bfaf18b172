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
    """List every review rule (id, severity, scope, one line), or `rules show ID` for its documentation."""
    from reviewbot.rules.engine import load_rules

    loaded = load_rules()
    if action is None:
        for r in loaded:
            typer.echo(f"{r.id}  {r.severity.value:<7}  {r.scope:<14}  {r.summary}")
        return
    if action != "show" or not rule_id:
        raise InputError("usage: reviewbot rules [show ID]")
    rule = next((r for r in loaded if r.id.lower() == rule_id.lower()), None)
    if rule is None:
        raise InputError(f"no rule {rule_id}; 'reviewbot rules' lists them")
    typer.echo(f"{rule.id} {rule.name} ({rule.severity.value}, {rule.scope})\n")
    typer.echo(rule.doc)
