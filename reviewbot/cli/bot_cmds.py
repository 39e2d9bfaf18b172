"""`reviewbot bot run|status|replay`: the unattended bot (wiring only; the work is in reviewbot/bot/)."""
from __future__ import annotations

import json
import signal
import sys
import time
from enum import Enum
from pathlib import Path

import typer

from reviewbot.cli.app import app, fail

bot_app = typer.Typer(help="Answer incoming patch mail unattended: run, status, replay.", no_args_is_help=True)
app.add_typer(bot_app, name="bot")


class StatusFormat(str, Enum):
    text = "text"
    json = "json"


def default_state() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("reviewbot")) / "bot.sqlite3"


STATE_HELP = "state database (default: the user data dir's reviewbot/bot.sqlite3)"


def _logging(state: Path) -> Path:
    import logging

    path = state.with_suffix(".log")
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    logger = logging.getLogger("reviewbot.bot")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return path


@bot_app.command()
def run(
    inbox: str = typer.Option(..., "--inbox", help="maildir:PATH, public-inbox:PATH (v2), mbox:PATH, or - for "
                                                   "one message on stdin"),
    tree: Path = typer.Option(..., "--tree", "-t", help="kernel tree to review against"),
    state: Path = typer.Option(None, "--state", help=STATE_HELP),
    outbox: Path = typer.Option(None, "--outbox", help="maildir the replies are written to (tmp/ then new/)"),
    send: str = typer.Option(None, "--send", help="send replies through smtp://HOST:PORT"),
    config: Path = typer.Option(None, "--config", help="bot policy (TOML: [bot] and [review] tables)"),
    quarantine: Path = typer.Option(None, "--quarantine", help="maildir for unreadable mail "
                                                             "(default: quarantine/ beside the state)"),
    once: bool = typer.Option(False, "--once", help="work through what is there, then exit (the default)"),
    follow: bool = typer.Option(False, "--follow", help="keep watching the inbox (poll_seconds in the config); "
                                                        "SIGTERM or SIGINT stops after the message in hand"),
    no_cache: bool = typer.Option(False, "--no-cache", help="do not read or write the parse cache"),
) -> None:
    """Read new mail, review each complete series once, and deliver the replies."""
    from reviewbot.bot.outbox import MaildirOutbox, SmtpOutbox
    from reviewbot.bot.policy import load_policy
    from reviewbot.bot.runner import Bot
    from reviewbot.bot.state import State
    from reviewbot.ingest.inbox import open_inbox

    if once and follow:
        fail("--once and --follow exclude each other")
    if outbox and send:
        fail("--outbox and --send exclude each other")
    if not tree.exists():
        fail(f"--tree {tree}: no such directory")
    policy = load_policy(config, tree)
    if not (outbox or send or policy.quiet):
        fail("give --outbox DIR or --send smtp://HOST:PORT (or quiet = true in the config)")
    source = open_inbox(inbox)
    if follow and source.kind == "stdin":
        fail("--follow reads a maildir, public-inbox or mbox; stdin is one message per run")
    state_path = state or default_state()
    log_path = _logging(state_path)
    db = State(state_path)
    sink = SmtpOutbox(send) if send else MaildirOutbox(outbox) if outbox else None
    bot = Bot(db, policy, str(tree), sink, quarantine or state_path.parent / "quarantine", use_cache=not no_cache)

    def stop(_signum, _frame) -> None:
        bot.stop = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        with db.transaction():
            db.set_meta("tree", str(tree.resolve()))
            db.set_meta("config", str(config.resolve()) if config else None)
        bot.rule_set  # noqa: B018  (built now: a broken rule or pack stops the run in one line, before any mail)
        while True:
            bot.run_once(source)
            if not follow or bot.stop:
                break
            deadline = time.monotonic() + policy.poll_seconds
            while not bot.stop and time.monotonic() < deadline:
                time.sleep(min(0.2, max(0.0, deadline - time.monotonic())))
            if bot.stop:
                break
    except Exception as exc:  # a bug: one line here, the traceback in the log
        from reviewbot.errors import ReviewbotError

        if isinstance(exc, ReviewbotError):
            raise
        import logging
        import traceback

        logging.getLogger("reviewbot.bot").error("internal error:\n%s", traceback.format_exc())
        print(f"reviewbot: internal error: {type(exc).__name__}: {exc} (traceback in {log_path})", file=sys.stderr)
        raise typer.Exit(3) from None
    finally:
        if sink is not None:
            sink.close()
        db.close()
    print(f"reviewbot bot: {bot.stats.line()}{' (stopped)' if bot.stop else ''}", file=sys.stderr)


@bot_app.command()
def status(
    state: Path = typer.Option(None, "--state", help=STATE_HELP),
    format: StatusFormat = typer.Option(StatusFormat.text, "--format", "-f", help="text or json"),
) -> None:
    """What the bot has seen and done: messages, series by state, replies, quarantine, last error,
    and the position reached in each inbox."""
    from reviewbot.bot.state import State

    db = State(state or default_state(), readonly=True)
    try:
        report = db.status()
    finally:
        db.close()
    if format is StatusFormat.json:
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    s, r = report["series"], report["replies"]
    lines = [
        f"messages:     {report['messages']} (last message dated {report['last_message_time'] or '-'})",
        f"series:       {s['pending']} pending, {s['reviewed']} reviewed ({s['replied']} replied), "
        f"{s['failed']} failed, {s['skipped']} skipped, {s['superseded']} superseded",
        f"replies:      {r['written']} written, {r['sent']} sent, {r['planned']} waiting, "
        f"{r['suppressed']} held back (quiet, opt-out, rate limit)",
        f"quarantined:  {report['quarantined']}",
        f"last error:   {report['last_error'] or '-'}",
    ]
    for inbox in report["inboxes"]:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(inbox["updated"])) if inbox["updated"] else "-"
        lines.append(f"inbox:        {inbox['inbox']} at {inbox['position'] or '-'} "
                     f"({inbox['messages']} messages, {inbox['duplicates']} duplicates; {when})")
    for f in report["failed_series"]:
        lines.append(f"failed:       series {f['id']} v{f['version']} {f['subject']!r}: {f['reason']}")
    for q in report["quarantine"]:
        lines.append(f"quarantined:  {q['file']} ({q['origin']}): {q['reason']}")
    typer.echo("\n".join(lines))


@bot_app.command()
def replay(
    series: str = typer.Argument(..., help="series id (from status or a report) or any Message-ID of the series"),
    state: Path = typer.Option(None, "--state", help=STATE_HELP),
    tree: Path = typer.Option(None, "--tree", "-t", help="kernel tree (default: the one the bot ran with)"),
    config: Path = typer.Option(None, "--config", help="bot policy (TOML; default: the one the bot ran with)"),
) -> None:
    """Review one stored series again and print the replies it would send. Nothing is written."""
    from reviewbot.bot.policy import load_policy
    from reviewbot.bot.replay import replay_series
    from reviewbot.bot.state import State

    db = State(state or default_state(), readonly=True)
    try:
        tree_path = str(tree) if tree else db.get_meta("tree")
        if not tree_path or not Path(tree_path).exists():
            fail("give --tree PATH (the state does not name an existing tree)")
        config = config or (Path(db.get_meta("config")) if db.get_meta("config") else None)
        text = replay_series(db, load_policy(config, tree_path), tree_path, series)
    finally:
        db.close()
    sys.stdout.write(text)
