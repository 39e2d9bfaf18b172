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
    from reviewbot.report.rules_doc import render_list, render_show
    from reviewbot.rules.packs import maintainers_of
    from reviewbot.rules.ruleset import build_rule_set

    rule_set = build_rule_set(tree, load_config(tree))  # what a review of the tree runs
    loaded, packs = rule_set.rules, rule_set.packs
    known = entries(rule_set.all_rules)
    if action is None:
        if for_path is None:
            typer.echo(render_list(known), nl=False)
        else:
            _rules_for(for_path.removeprefix("./"), known, loaded, packs, maintainers_of(_reader(tree)))
        return
    if action != "show" or not rule_id:
        raise InputError("usage: reviewbot rules [show ID] [--for PATH]")
    entry = next((e for e in known if e.id.lower() == rule_id.lower()), None)
    if entry is None:
        raise InputError(f"no check or rule {rule_id}; 'reviewbot rules' lists them")
    typer.echo(render_show(entry), nl=False)


def _reader(tree: str):
    from pathlib import Path

    def read(path: str) -> bytes | None:
        try:
            return (Path(tree) / path).read_bytes()
        except OSError:
            return None
    return read


def _rules_for(path: str, known: list, loaded: list, packs: list, maintainers) -> None:
    """The built-in checks, the rules whose files match PATH, then each pack that covers it."""
    import fnmatch

    from reviewbot.report.rules_doc import render_list

    def applies(rule) -> bool:
        return rule.scope == "commit-message" or any(fnmatch.fnmatch(path, pat) for pat in rule.files)
    by_id = {e.id: e for e in known}
    general = [e for e in known if e.id not in {r.id for r in loaded} | {r.id for p in packs for r in p.rules}]
    general += [by_id[r.id] for r in loaded if applies(r)]
    typer.echo(render_list(general), nl=False)
    for pack in packs:
        if not pack.covers(path, maintainers):
            continue
        typer.echo(f"pack {pack.name}: {pack.title} ({pack.scope_text()}; from {pack.folder})")
        mine = [by_id[r.id] for r in pack.rules if applies(r)]
        for line in render_list(mine).splitlines():
            typer.echo(f"  {line}")
        for check in pack.checks:
            typer.echo(f"  {check}  findings here carry the pack's name")
        for rule_id, level in sorted(pack.severity.items()):
            typer.echo(f"  {rule_id}  severity {level.value} here")
