"""`reviewbot review`, `reviewbot callers`: the C engine's commands (wiring only)."""
from __future__ import annotations

import contextlib
import re
import sys
from enum import Enum
from pathlib import Path

import typer

from reviewbot.cli.app import app
from reviewbot.cli.progress import stderr_progress
from reviewbot.model import Severity


class ReviewFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"
    sarif = "sarif"
    email = "email"


@contextlib.contextmanager
def _status():
    """A status line on stderr while a review runs (only on a terminal: pipes and CI stay clean)."""
    if not sys.stderr.isatty():
        yield lambda _message: None
        return
    from rich.console import Console

    with Console(stderr=True).status("reviewing") as status:
        yield lambda message: status.update(message)


def output_target(output: str | None, format: ReviewFormat, inputs: list[str], tree: Path | None = None):
    """``-o`` checked before the review runs, so a bad target costs no work."""
    from reviewbot.errors import InputError
    from reviewbot.report.output import STDOUT, check_target

    if format is ReviewFormat.email and output in (None, STDOUT):
        raise InputError("--format email needs -o FILE (an mbox) or -o DIR (a maildir: new with a final '/', "
                         "empty, or an existing maildir)")
    return check_target(output, inputs, maildir_ok=format is ReviewFormat.email, tree=tree)


def render(reviews, format: ReviewFormat, target, rule_set) -> None:
    """Write the reviews in the chosen form (the report layer renders, report.output writes);
    ``rule_set``: the rules the reviews ran, whose documentation SARIF carries."""
    from reviewbot.report import email_reply, json_report, markdown, sarif, text
    from reviewbot.report.output import write_replies, write_text

    if format is ReviewFormat.json:
        write_text(json_report.render(reviews), target)
    elif format is ReviewFormat.markdown:
        write_text(markdown.render(reviews), target)
    elif format is ReviewFormat.sarif:
        from reviewbot.registry import entries

        write_text(sarif.render(reviews, entries(rule_set.all_rules)), target)
    elif format is ReviewFormat.email:
        replies = [m for r in reviews for m in email_reply.build_replies(r)]
        write_replies(replies, target)
        print(f"{len(replies)} repl{'y' if len(replies) == 1 else 'ies'} written to {target.shown} (nothing sent)",
              file=sys.stderr)
    else:
        write_text(text.render(reviews, color=target.path is None and text.use_color(sys.stdout)), target)


@app.command()
def review(
    input: str = typer.Argument(..., help="mailbox, patch file or directory, - for stdin, or a git range A..B"),
    tree: Path = typer.Option(..., "--tree", "-t", help="kernel tree: a git repository or a plain directory"),
    base: str = typer.Option(None, "--base", help="commit the series applies to (default: base-commit:, "
                                                   "blob ids of the diffs, then HEAD)"),
    format: ReviewFormat = typer.Option(ReviewFormat.text, "--format", "-f"),
    output: str = typer.Option(None, "--output", "-o", help="write the report to this file (replaced, never "
                               "appended to); with --format email an mbox, or a maildir for DIR/ or an empty "
                               "or maildir directory"),
    checkpatch: bool = typer.Option(False, "--checkpatch", help="also run the tree's scripts/checkpatch.pl"),
    no_cache: bool = typer.Option(False, "--no-cache", help="do not read or write the parse cache"),
    fail_on: Severity = typer.Option(None, "--fail-on", help="exit 1 at findings of this severity or worse "
                                                              "(default: fail_on from reviewbot.toml, else warning)"),
) -> None:
    """Apply a series to its tree in memory and review it: every call site of every changed API after
    every patch, then the rules. The tree is only read. Exit 0 clean, 1 findings at or above
    --fail-on, 2 for usage or input errors, 3 when an analysis crashed and nothing was found."""
    from reviewbot.config import load_config
    from reviewbot.pipeline import ReviewOptions, review_input
    from reviewbot.rules.ruleset import build_rule_set

    target = output_target(output, format, [input], tree)
    config = load_config(tree)
    rule_set = build_rule_set(tree, config)
    with _status() as say:
        reviews = review_input(input, str(tree), ReviewOptions(base=base, checkpatch=checkpatch, config=config,
                                                               use_cache=not no_cache, progress=say,
                                                               rule_set=rule_set))
    render(reviews, format, target, rule_set)
    _exit_for(reviews, fail_on or config.fail_on)


@app.command()
def callers(
    symbol: str = typer.Argument(..., help="function name"),
    tree: Path = typer.Option(..., "--tree", "-t", help="kernel tree: a git repository or a plain directory"),
    rev: str = typer.Option(None, "--rev", help="revision of a git tree (default HEAD)"),
    format: ReviewFormat = typer.Option(ReviewFormat.text, "--format", "-f"),
) -> None:
    """Every call site of SYMBOL with its enclosing function, its definitions and prototypes, and the
    places that store it as a value (ops tables)."""
    from reviewbot.c.cache import FactsCache
    from reviewbot.c.callers import callers_report
    from reviewbot.c.tree import open_tree
    from reviewbot.errors import InputError

    if not symbol.isidentifier():
        raise InputError(f"{symbol!r} is not a C identifier")
    source = open_tree(tree, rev)
    cache = FactsCache()
    try:
        report = callers_report(symbol, source, cache)
    finally:
        cache.close()
    from reviewbot.report.tree_reports import render_callers_json, render_callers_text

    if format is ReviewFormat.json:
        typer.echo(render_callers_json(symbol, source.label, report), nl=False)
    else:
        typer.echo(render_callers_text(symbol, report), nl=False)


@app.command()
def check(
    range_: str = typer.Argument("@{upstream}..HEAD", metavar="[RANGE]",
                                 help="commits to check (default: not yet upstream), or a format-patch dir"),
    fail_on: Severity = typer.Option(None, "--fail-on", help="exit 1 at findings of this severity or worse "
                                                              "(default: fail_on from reviewbot.toml, else warning)"),
    format: ReviewFormat = typer.Option(ReviewFormat.text, "--format", "-f"),
    checkpatch: bool = typer.Option(False, "--checkpatch", help="also run scripts/checkpatch.pl"),
) -> None:
    """Pre-submit check, run inside your kernel checkout: review your commits (or format-patch output)
    against the tree they belong to. Exit 0 when clean, 1 when there are findings at or above
    --fail-on, 2 for usage or input errors, 3 when an analysis crashed and nothing was found.
    Nothing in the checkout is changed."""
    from reviewbot.config import load_config
    from reviewbot.errors import GitError
    from reviewbot.gitcmd import run_git
    from reviewbot.pipeline import ReviewOptions, review_input
    from reviewbot.rules.ruleset import build_rule_set

    top = run_git(None, "rev-parse", "--show-toplevel", check=False, text=True)
    if top.returncode != 0:
        raise GitError("reviewbot check runs inside a git checkout of the kernel")
    tree = top.stdout.strip()
    config = load_config(tree)
    if range_ == "@{upstream}..HEAD":
        upstream = run_git(tree, "rev-parse", "--verify", "-q", "@{upstream}", check=False, text=True)
        if upstream.returncode != 0:
            raise GitError("this branch has no upstream: name a range, e.g. reviewbot check origin/master..HEAD")
    if ".." in range_ and not Path(range_).exists():
        ahead = run_git(tree, "rev-list", "--count", revs=[range_], check=False, text=True)
        if ahead.returncode == 0 and ahead.stdout.strip() == "0":
            typer.echo(f"nothing to check: {range_} has no commits")
            return
    target = output_target(None, format, [])
    rule_set = build_rule_set(tree, config)
    with _status() as say:
        reviews = review_input(range_, tree, ReviewOptions(checkpatch=checkpatch, config=config, progress=say,
                                                           rule_set=rule_set))
    render(reviews, format, target, rule_set)
    _exit_for(reviews, fail_on or config.fail_on)


@app.command()
def index(
    tree: Path = typer.Option(..., "--tree", "-t", help="kernel tree: a git repository or a plain directory"),
    rev: str = typer.Option(None, "--rev", help="revision of a git tree (default HEAD)"),
    jobs: int = typer.Option(None, "--jobs", "-j", min=1, help="parallel processes (default: all cores)"),
    dask: bool = typer.Option(False, "--dask", help="parse on a local Dask cluster of --workers processes"),
    scheduler: str = typer.Option(None, "--scheduler", help="parse on an existing Dask cluster (tcp://HOST:8786); "
                                  "each worker needs the tree at the same path"),
    workers: int = typer.Option(2, "--workers", "-w", min=1, help="worker processes of the local Dask cluster"),
    fingerprints: bool = typer.Option(False, "--fingerprints/--no-fingerprints",
                                      help="also build the near-copy index tree-wide near-duplicate search "
                                           "reads, now (default: the first review that needs it builds it)"),
) -> None:
    """Parse every .c/.h file of the tree into the parse cache, so later reviews start warm; prints what
    was recovered, the time and the peak memory. With --dask / --scheduler the workers parse and this
    process stores (the default process pool is the faster way on one machine)."""
    from reviewbot.c.cache import FactsCache
    from reviewbot.c.index import index_tree
    from reviewbot.c.tree import open_tree

    source = open_tree(tree, rev)
    client = cluster = None
    if dask or scheduler:
        from reviewbot.cli.archive_cmds import need_dask

        need_dask()
        from reviewbot.cluster import ClientPool, describe, start_client, worker_peak_mb

        client, cluster = start_client(scheduler, workers)
        print(describe(scheduler, workers, client), file=sys.stderr, flush=True)
    cache = FactsCache()
    try:
        with stderr_progress("indexing") as update:
            stats = index_tree(source, cache, jobs, update, pool=ClientPool(client) if client else None,
                               fingerprints=fingerprints)
        worker_peak = worker_peak_mb(client) if client else None
    finally:
        cache.close()
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()
    from reviewbot.report.tree_reports import render_index_stats

    typer.echo(render_index_stats(stats, worker_peak), nl=False)


def _exit_for(reviews, threshold: Severity) -> None:
    """1 for findings at or above the threshold; else 3 when an analysis crashed (the review is
    incomplete: "clean" would be a claim reviewbot cannot make), with one line naming the crashes and
    their log; else 0."""
    if any(f.severity.rank >= threshold.rank for r in reviews for f in r.findings):
        raise typer.Exit(1)
    crashed = [s for r in reviews for s in r.skipped if s.reason.startswith("crashed")]
    if crashed:
        logs = sorted({m.group(1) for s in crashed if (m := re.search(r"\(traceback in (.+)\)$", s.reason))})
        where = f"; the traceback is in {logs[0]}" if len(logs) == 1 else (
            f"; tracebacks in {', '.join(logs)}" if logs else "")
        names = ", ".join(dict.fromkeys(s.what for s in crashed))
        print(f"reviewbot: internal error: {len(crashed)} analys{'is' if len(crashed) == 1 else 'es'} crashed "
              f"({names}): the review is incomplete{where}", file=sys.stderr)
        raise typer.Exit(3)
