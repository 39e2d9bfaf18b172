"""Crash safety: the bot killed with SIGKILL at random points while it works through a backlog of real
mail, restarted each time, ends exactly where a run that was never killed ends."""
from __future__ import annotations

import random
import re
import signal
import sqlite3
import subprocess
import sys
import time
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

from tests.bot_util import MINI, V2, V3, cli_env, corpus_backlog, mbox_of, outbox_mails, policy_file, series_mails
from tests.conftest import needs_corpus

KILLS = 30
SEED = 1301
_DATE = re.compile(rb"^Date: .*\n", re.M)


def _argv(work: Path, mbox: Path, config: Path) -> list[str]:
    return [sys.executable, "-m", "reviewbot", "bot", "run", "--inbox", f"mbox:{mbox}", "--tree", str(MINI),
            "--state", str(work / "state.sqlite3"), "--outbox", str(work / "out"), "--quarantine",
            str(work / "quarantine"), "--config", str(config), "--once", "--no-cache"]


def _snapshot(db_path: Path) -> dict:
    """Everything the bot decided, without the clock's readings (Date headers, times)."""
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        q = lambda sql: db.execute(sql).fetchall()  # noqa: E731
        return {
            "messages": q("SELECT seq, msgid, thread, kind, list_id, subject, from_email, date, inbox, origin, raw "
                          "FROM messages ORDER BY seq"),
            "inboxes": q("SELECT spec, position, messages, duplicates FROM inboxes"),
            "series": q("SELECT id, ident, thread, subject, sender, version, total, have, subjects, msgids, cover, "
                        "cover_expected, list_id, status, reason, findings FROM series ORDER BY id"),
            "replies": [(*row[:-1], _DATE.sub(b"", row[-1])) for row in q(
                "SELECT msgid, series_id, version, patch, patch_msgid, list_id, author, status, reason, raw "
                "FROM replies ORDER BY msgid")],
            "quarantine": q("SELECT file, inbox, origin, reason FROM quarantine ORDER BY file"),
            "meta": q("SELECT key, value FROM meta WHERE key <> 'last_error' ORDER BY key"),
        }
    finally:
        db.close()


def _outbox(work: Path) -> dict[str, bytes]:
    files = {}
    for sub in ("new", "cur"):
        for f in (work / "out" / sub).iterdir():
            assert f.name not in files, f"{f.name} twice in the outbox"
            files[f.name] = _DATE.sub(b"", f.read_bytes())
    return files


@needs_corpus
def test_sigkill_at_random_points_loses_and_doubles_nothing(corpus, tmp_path):
    backlog = series_mails(V2) + corpus_backlog(corpus)
    backlog[250:250] = series_mails(V3)  # the re-roll arrives in the middle of the list's traffic
    mbox = tmp_path / "list.mbox"
    mbox.write_bytes(mbox_of(backlog))
    # every series is reviewed; those that do not apply to mini-linux get a "could not test" note, so
    # there are many replies to write and a kill lands in every phase
    config = policy_file(tmp_path, "wait_minutes = 0\ncould_not_test = true\n")
    env = cli_env(tmp_path)

    reference = tmp_path / "reference"
    reference.mkdir()
    started = time.monotonic()
    proc = subprocess.run(_argv(reference, mbox, config), env=env, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    # kill points scale with this machine's speed: about 60 of them over the whole work
    longest = (time.monotonic() - started) / 30
    all_messages = _progress(reference / "state.sqlite3")[0]

    killed = tmp_path / "killed"
    killed.mkdir()
    rng = random.Random(SEED)
    kills = runs = 0
    progress = []  # what the state held after each kill: (messages, series decided, replies delivered)
    db = killed / "state.sqlite3"
    while True:
        runs += 1
        assert runs < 300, "the bot never finished"
        before = _progress(db)
        proc = subprocess.Popen(_argv(killed, mbox, config), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        # wait until it is at work (the state moves), so the kill does not just cut its start-up short
        deadline = time.monotonic() + 5
        while proc.poll() is None and _progress(db) == before and time.monotonic() < deadline:
            time.sleep(0.01)
        try:
            # review and delivery are the shorter phases: kills come thicker there, so each gets some
            limit = longest if _progress(db)[0] < all_messages else longest / 3
            _, err = proc.communicate(timeout=rng.uniform(0.0, limit))
            assert proc.returncode == 0, err  # it finished before the kill: cleanly
            if _progress(db) == before:
                break  # nothing left to do
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.communicate()
            kills += 1
            progress.append(_progress(db))
    assert kills >= KILLS, f"the work was done after {kills} kills: {progress}"
    proc = subprocess.run(_argv(killed, mbox, config), env=env, capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr

    # the kills fell while work was being done, in each phase: ingest, review, delivery
    total = _progress(killed / "state.sqlite3")
    moved = [b for a, b in zip([(0, 0, 0)] + progress, progress) if a != b]
    assert len(moved) >= 10, progress
    assert any(0 < m < total[0] for m, _, _ in progress), progress
    assert any(m == total[0] and 0 < s < total[1] for m, s, _ in progress), progress
    assert any(0 < d < total[2] for _, _, d in progress), progress

    want, got = _snapshot(reference / "state.sqlite3"), _snapshot(killed / "state.sqlite3")
    # every message of the mbox is in the state exactly once (Message-IDs are unique in the table)
    (spec, position, messages, duplicates), = got["inboxes"]
    assert position == str(mbox.stat().st_size)
    assert messages == len(got["messages"]) and len(got["messages"]) > 250
    assert messages + duplicates + len(got["quarantine"]) == len(mbox_spans_of(mbox))
    assert got == want
    # every expected reply exactly once, complete, and the one the state names
    outbox = _outbox(killed)
    assert outbox == _outbox(reference)
    assert not list((killed / "out/tmp").iterdir())
    replies = [r for r in got["replies"] if r[7] == "written"]
    assert len(replies) == len(outbox) >= 1
    recorded = {r[0]: r[-1] for r in replies}
    for mail in outbox_mails(killed / "out"):
        parsed = message_from_bytes(mail, policy=default_policy)
        msgid = parsed["Message-ID"].strip("<>")
        assert _DATE.sub(b"", mail) == recorded.pop(msgid)  # whole: byte for byte what was planned
        assert parsed["In-Reply-To"] and parsed["References"] and parsed.get_content().strip()
    assert recorded == {}


def _progress(db_path: Path) -> tuple[int, int, int]:
    if not db_path.exists():
        return (0, 0, 0)
    db = sqlite3.connect(db_path)
    try:
        if not db.execute("SELECT 1 FROM sqlite_master WHERE name='replies'").fetchone():
            return (0, 0, 0)
        one = lambda sql: db.execute(sql).fetchone()[0]  # noqa: E731
        return (one("SELECT COUNT(*) FROM messages"), one("SELECT COUNT(*) FROM series WHERE status<>'pending'"),
                one("SELECT COUNT(*) FROM replies WHERE status='written'"))
    finally:
        db.close()


def mbox_spans_of(mbox: Path) -> list:
    from reviewbot.ingest.mailread import mbox_spans

    return mbox_spans(mbox.read_bytes())
