"""`reviewbot series` and `reviewbot trailers`: what a mailbox holds, and the trailers each patch would carry."""
from __future__ import annotations

import sys
from enum import Enum

import typer

from reviewbot.cli.app import app
from reviewbot.cli.progress import stderr_progress


class MailFormat(str, Enum):
    text = "text"
    json = "json"


def _skipped_note(data) -> None:
    for s in data.skipped:
        print(f"reviewbot: skipped {s.what}: {s.reason}", file=sys.stderr)


@app.command()
def trailers(
    mbox: str = typer.Argument(..., help="mbox, maildir, .eml, patch file or directory, .gz, or - for stdin"),
    format: MailFormat = typer.Option(MailFormat.text, "--format", "-f", help="text or json"),
    ignore_from: list[str] = typer.Option(
        [], "--ignore-from", help="address whose replies give no trailers (bots, CI; repeatable or comma-separated); "
        "added to trailers_ignore_from of the user configuration"),
) -> None:
    """Per patch of the newest version of each series, the trailers it would carry (b4's rules).

    Trailers given in replies are listed after the patch's own; trailers given on the cover letter
    apply to every patch. A trailer that names someone other than the reply's sender is not applied
    and is listed as a mismatch. reviewbot never adds trailers itself: people decide.
    """
    from reviewbot.config import load_config
    from reviewbot.ingest.load import load_mail
    from reviewbot.report.mail_lists import render_trailers_json, render_trailers_text, trailer_lists

    with stderr_progress("reading mail") as update:
        data = load_mail(mbox, update)
    _skipped_note(data)
    ignored = load_config().trailers_ignore_from + [a for v in ignore_from for a in v.split(",")]
    senders = {m.msgid: m.from_email for m in data.messages}
    out = trailer_lists(data.groups, senders, ignored)
    typer.echo(render_trailers_json(out) if format is MailFormat.json else render_trailers_text(out), nl=False)


@app.command()
def series(
    mbox: str = typer.Argument(..., help="mbox, maildir, .eml, patch file or directory, .gz, or - for stdin"),
    format: MailFormat = typer.Option(MailFormat.text, "--format", "-f", help="text or json"),
) -> None:
    """The series found in a mailbox: version, patches present, missing ones, cover, trailers."""
    from reviewbot.ingest.load import load_mail
    from reviewbot.report.mail_lists import render_series_json, render_series_text, series_rows

    with stderr_progress("reading mail") as update:
        data = load_mail(mbox, update)
    _skipped_note(data)
    rows = series_rows(data.groups, data.threads)
    if format is MailFormat.json:
        typer.echo(render_series_json(rows, len(data.messages), data.skipped), nl=False)
    else:
        typer.echo(render_series_text(rows, len(data.messages)), nl=False)
