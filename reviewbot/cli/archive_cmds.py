"""`reviewbot archive`: every series of an archive or history reviewed, locally or on Dask (wiring only)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from reviewbot.cli.app import app


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def need_dask() -> None:
    """One line and exit 2 when Dask is not installed, saying how to install it."""
    from reviewbot.errors import InputError

    try:
        import distributed  # noqa: F401
    except ImportError:
        raise InputError("--dask and --scheduler need Dask: pip install 'reviewbot[dask]' "
                         "(dask and distributed)") from None


def write_report(out_dir: Path, tree: str, source: str) -> dict:
    """DIR/report.json, report.md and findings-per-month.svg, from every line of results.jsonl."""
    from reviewbot.archive.aggregate import aggregate
    from reviewbot.archive.store import RESULTS, read_results
    from reviewbot.ingest.maintainers import Maintainers
    from reviewbot.report.archive_report import render_markdown, render_svg
    from reviewbot.report.output import Target, write_text

    agg = aggregate(list(read_results(out_dir / RESULTS)), Maintainers.from_tree(tree))
    # replaced whole (report.output): a reader never sees half a report, a failed write keeps the last one
    for name, text in (("report.json", json.dumps({"source": source, **agg}, indent=2, ensure_ascii=False) + "\n"),
                       ("findings-per-month.svg", render_svg(agg)), ("report.md", render_markdown(agg, source))):
        write_text(text, Target(out_dir / name, shown=str(out_dir / name)))
    return agg


@app.command()
def archive(
    src: str = typer.Argument(..., metavar="SRC", help="git:A..B (topic merges of a history), maildir:PATH, "
                              "public-inbox:PATH, mbox:PATH, or a mailbox path"),
    tree: Path = typer.Option(..., "--tree", "-t", help="kernel tree the series are reviewed against"),
    output: Path = typer.Option(..., "--output", "-o", help="directory for results.jsonl and the report "
                                "(a rerun over it skips what is done)"),
    since: str = typer.Option(None, "--since", help="only series dated on or after YYYY-MM-DD"),
    until: str = typer.Option(None, "--until", help="only series dated before YYYY-MM-DD"),
    base: str = typer.Option(None, "--base", help="mail series: the commit they apply to (default: base-commit:, "
                             "blob ids of the diffs, then HEAD, per series)"),
    all_versions: bool = typer.Option(False, "--all-versions", help="review every version, not only the newest"),
    dask: bool = typer.Option(False, "--dask", help="run on a local Dask cluster of --workers processes"),
    scheduler: str = typer.Option(None, "--scheduler", help="run on an existing Dask cluster (tcp://HOST:8786)"),
    workers: int = typer.Option(2, "--workers", "-w", min=1, help="worker processes of the local cluster"),
    cache_dir: Path = typer.Option(None, "--cache-dir", help="where the per-worker parse caches live "
                                   "(default DIR/cache; on --scheduler each worker's local directory)"),
    no_cache: bool = typer.Option(False, "--no-cache", help="no parse cache at all"),
) -> None:
    """Review every series of SRC, one task each (sequentially, or on Dask with --dask / --scheduler),
    streaming one line per series to DIR/results.jsonl, then write the aggregate report in DIR
    (report.md, report.json, findings-per-month.svg). Exit 1 when there are findings."""
    from reviewbot.archive.runner import run_archive
    from reviewbot.archive.sources import load_items
    from reviewbot.archive.task import build_context
    from reviewbot.cli.progress import stderr_progress
    from reviewbot.errors import InputError

    if dask or scheduler:
        need_dask()
    if not tree.is_dir():
        raise InputError(f"--tree {tree}: no such directory")
    with stderr_progress("reading") as update:
        items = load_items(src, str(tree), since, until, all_versions, update)
    ctx = build_context(str(tree), use_cache=not no_cache, base=base)
    stats = run_archive(items, ctx, output, use_dask=dask, scheduler=scheduler, workers=workers,
                        cache_dir=cache_dir, say=_say)
    agg = write_report(output, str(tree), src)
    typer.echo(f"{stats.total} series: {stats.reviewed} reviewed now, {stats.already} done before; "
               f"{agg['findings']} findings in {agg['series']} series; {stats.seconds:.1f}s; "
               f"report in {output / 'report.md'}")
    if stats.lost:
        _say(f"reviewbot: error: {len(stats.lost)} series not reviewed (workers died on them; rerun to retry): "
             + "; ".join(stats.lost[:3]))
        raise typer.Exit(3)
    if agg["findings"]:
        raise typer.Exit(1)
