"""`bot replay`: review one stored series again and show the mails the bot would send, writing nothing."""
from __future__ import annotations

import tempfile

from reviewbot.bot.policy import Policy
from reviewbot.bot.replies import could_not_test_note, review_replies
from reviewbot.bot.runner import Bot, _missing_note
from reviewbot.bot.state import State
from reviewbot.errors import InputError


def find_series(state: State, key: str):
    """A series by its id, or by any Message-ID of its cover, patches or of a reply in its thread."""
    if key.isdigit():
        row = state.series_by_id(int(key))
        if row is None:
            raise InputError(f"no series {key} in {state.path}")
        return row
    msgid = key.strip().strip("<>")
    row = state.series_with_message(msgid)
    if row is None:
        thread = state.message_thread(msgid)
        rows = [r for r in state.db.execute("SELECT id FROM series WHERE thread=? ORDER BY id DESC", (thread,))]
        row = state.series_by_id(rows[0][0]) if thread and rows else None
    if row is None:
        raise InputError(f"<{msgid}>: no series in {state.path} has this message")
    return row


def replay_series(state: State, policy: Policy, tree: str, key: str) -> str:
    row = find_series(state, key)
    with tempfile.TemporaryDirectory(prefix="reviewbot-replay-") as scratch:
        bot = Bot(state, policy, tree, None, scratch, use_cache=False)
        series = bot.rebuild(row)
        head = (f"series {row['id']} v{row['version']}: {row['subject']}\n"
                f"recorded: {row['status']}{' (' + row['reason'] + ')' if row['reason'] else ''}\n")
        if series is None:
            return head + "now: its mails can no longer be assembled into the series\n"
        status, reason, review = bot._review(series, row["list_id"])
    out = [head, f"now: {status}{' (' + reason + ')' if reason else ''}\n"]
    replies = []
    if review is not None and status == "reviewed":
        replies = review_replies(review, policy, bot.rule_set.version, _missing_note(series))
        out.append(f"{len(review.findings)} findings; {len(replies)} repl{'y' if len(replies) == 1 else 'ies'} "
                   f"for the patches with findings at or above {policy.reply_threshold.value}\n")
    elif status == "failed" and policy.could_not_test:
        note = could_not_test_note(series, reason or "", policy, bot.rule_set.version)
        replies = [note] if note else []
    for reply in replies:
        out.append("\n" + reply.raw.decode("utf-8", "replace"))
    if not replies:
        out.append("no reply would be sent\n")
    return "".join(out)
