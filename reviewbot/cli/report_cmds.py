"""`reviewbot summary`: the state of a review thread, for maintainers (wiring only)."""
from __future__ import annotations

from enum import Enum

import typer

from reviewbot.cli.app import app
from reviewbot.cli.progress import stderr_progress


class SummaryFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"


@app.command()
def summary(
    mbox: str = typer.Argument(..., help="mbox, maildir, .eml, patch directory, .gz, or - for stdin"),
    format: SummaryFormat = typer.Option(SummaryFormat.text, "--format", "-f"),
) -> None:
    """Per series and version: patches, trailers per patch (cover letter ones for all), replies and their
    authors, reviewers' questions still unanswered by the author, and changes between versions."""
    from reviewbot.ingest.load import load_mail
    from reviewbot.report import summary as report

    with stderr_progress("reading mail") as update:
        data = load_mail(mbox, update)
    result = report.summarize(data.groups, data.threads)
    if format is SummaryFormat.json:
        typer.echo(report.render_json(result), nl=False)
    else:
        typer.echo(report.render_text(result, markdown=format is SummaryFormat.markdown), nl=False)
