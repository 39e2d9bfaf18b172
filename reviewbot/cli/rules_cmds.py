"""`reviewbot rules`, `reviewbot rules show ID`, `reviewbot rules --for PATH`, `reviewbot version`."""
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
    for_path: str = typer.Option(None, "--for", metavar="PATH",
                                 help="only what applies to this file of the tree: rules, packs and their settings"),
    tree: str = typer.Option(".", "--tree", help="the tree whose MAINTAINERS, reviewbot.toml and packs count"),
) -> None:
    """List every check and rule (id, default severity, what it looks at, one line), or `rules show ID`
    for its documentation; `rules --for PATH` lists what applies to PATH, rule packs included."""
    from reviewbot.config import load_config
    from reviewbot.registry import entries
    from reviewbot.report.rules_doc import render_for, render_list, render_show
    from reviewbot.rules.ruleset import build_rule_set

    config = load_config(tree)
    rule_set = build_rule_set(tree, config)  # what a review of the tree runs
    known = entries(rule_set.all_rules)
    if action is None:
        if for_path is None:
            typer.echo(render_list(known), nl=False)
        else:
            path = for_path.removeprefix("./")
            from reviewbot.c.tree import DirTree

            # DirTree: the tree's MAINTAINERS, read without following a path out of the tree
            typer.echo(render_for(path, known, rule_set.for_tree(DirTree(tree).read), config), nl=False)
        return
    if action != "show" or not rule_id:
        raise InputError("usage: reviewbot rules [show ID] [--for PATH]")
    entry = next((e for e in known if e.id.lower() == rule_id.lower()), None)
    if entry is None:
        raise InputError(f"no check or rule {rule_id}; 'reviewbot rules' lists them")
    typer.echo(render_show(entry), nl=False)

