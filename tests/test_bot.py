"""The bot on the fixture series and real mail: when it reviews, what it sends, what it holds back."""
from __future__ import annotations

import json
import sqlite3
from email import message_from_bytes
from email.policy import default as default_policy
from email.utils import getaddresses

import pytest

from reviewbot.bot.outbox import MaildirOutbox, outbox_name
from reviewbot.bot.policy import load_policy
from reviewbot.bot.replies import reply_msgid
from reviewbot.bot.runner import Bot
from reviewbot.bot.state import SCHEMA_VERSION, State
from reviewbot.errors import InputError
from reviewbot.ingest.inbox import open_inbox
from reviewbot.ingest.mailread import parse_message
from reviewbot.ingest.series import patch_from_message
from tests.bot_util import (
    MINI,
    V2,
    V3,
    V3_PATCH1,
    bot_cli,
    outbox_mails,
    policy_file,
    series_mails,
    write_maildir,
)
from tests.conftest import needs_corpus


class Clock:
    def __init__(self, now: float = 1_800_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def make_bot(tmp, text: str = "", clock=None) -> Bot:
    state = State(tmp / "state.sqlite3")
    return Bot(state, load_policy(policy_file(tmp, text)), str(MINI), MaildirOutbox(tmp / "out"), tmp / "quarantine",
               clock=clock or Clock(), use_cache=False)


def parsed(raw: bytes):
    return message_from_bytes(raw, policy=default_policy)


def test_complete_series_gets_one_threaded_reply_per_patch_with_findings_and_never_twice(tmp_path):
    write_maildir(tmp_path / "inbox", series_mails(V3))
    inbox = open_inbox(f"maildir:{tmp_path / 'inbox'}")
    bot = make_bot(tmp_path)
    bot.run_once(inbox)
    mails = outbox_mails(tmp_path / "out")
    assert len(mails) == 1  # 3 findings, all on patch 1 (2 missed callers, 1 BUG_ON)
    reply = parsed(mails[0])
    patch1 = parse_message(series_mails(V3)[1])
    assert reply["In-Reply-To"] == f"<{V3_PATCH1}>"
    assert reply["References"] == f"<cover.1795560350.git.ross.zwisler@linux.intel.com> <{V3_PATCH1}>"
    assert reply["Subject"] == "Re: [PATCH v3 1/3] mm: add a mkwrite parameter to vmf_insert_mixed()"
    assert getaddresses([reply["To"]]) == [("Ross Zwisler", "ross.zwisler@linux.intel.com")]
    assert reply["From"] == "reviewbot <bot@example.org>"
    assert reply["Auto-Submitted"] == "auto-generated"
    expected_id = reply_msgid(V3_PATCH1, patch_from_message(patch1).patch_id, "bot@example.org", bot.rule_set.version)
    assert reply["Message-ID"] == f"<{expected_id}>"
    body = reply.get_content()
    assert "drivers/dax/device.c" in body and "fs/cramfs/inode.c" in body and "BUG_ON" in body
    for tag in ("Reviewed-by:", "Acked-by:", "Tested-by:"):
        assert tag not in body
    status = bot.state.status()
    assert status["series"] == {"pending": 0, "reviewed": 1, "replied": 1, "failed": 0, "skipped": 0,
                                "superseded": 0}
    assert status["replies"]["written"] == 1
    # a second run, and a new bot on the same state, find nothing to do
    bot.run_once(inbox)
    make_bot(tmp_path).run_once(inbox)
    assert len(outbox_mails(tmp_path / "out")) == 1


def test_the_trees_own_reviewbot_toml_counts_for_the_bot_and_its_review_table_on_top(tmp_path):
    """The maintainers disable RB0001 in the tree's reviewbot.toml: the bot's reply leaves the BUG_ON
    out, as `review` does; the bot's [review] table can still raise a rule of its own."""
    import shutil

    tree = tmp_path / "linux"
    shutil.copytree(MINI, tree)
    (tree / "reviewbot.toml").write_text('disable = ["RB0001"]\n')
    write_maildir(tmp_path / "inbox", series_mails(V3))
    bot = Bot(State(tmp_path / "state.sqlite3"), load_policy(policy_file(tmp_path), tree), str(tree),
              MaildirOutbox(tmp_path / "out"), tmp_path / "quarantine", clock=Clock(), use_cache=False)
    bot.run_once(open_inbox(f"maildir:{tmp_path / 'inbox'}"))
    (mail,) = outbox_mails(tmp_path / "out")
    body = parsed(mail).get_content()
    assert "drivers/dax/device.c" in body and "BUG_ON" not in body
    policy = load_policy(policy_file(tmp_path, '[review]\nenable = ["RB0001"]\n'), tree)
    assert "RB0001" not in policy.review.disabled


def test_a_version_waits_for_its_missing_patch_then_is_reviewed_once(tmp_path):
    mails = series_mails(V3)
    write_maildir(tmp_path / "inbox", mails[:3])  # cover, 1/3, 2/3
    inbox = open_inbox(f"maildir:{tmp_path / 'inbox'}")
    clock = Clock()
    bot = make_bot(tmp_path, "wait_minutes = 30\n", clock)
    bot.run_once(inbox)
    assert bot.state.status()["series"]["pending"] == 1
    assert outbox_mails(tmp_path / "out") == []
    write_maildir(tmp_path / "inbox", mails[3:], start=3)
    bot.run_once(inbox)
    assert bot.state.status()["series"]["reviewed"] == 1
    assert len(outbox_mails(tmp_path / "out")) == 1


def test_after_the_wait_an_incomplete_version_is_reviewed_saying_what_is_missing(tmp_path):
    mails = series_mails(V3)
    write_maildir(tmp_path / "inbox", mails[:3])
    inbox = open_inbox(f"maildir:{tmp_path / 'inbox'}")
    clock = Clock()
    bot = make_bot(tmp_path, "wait_minutes = 30\n", clock)
    bot.run_once(inbox)
    clock.now += 29 * 60
    bot.run_once(inbox)
    assert bot.state.status()["series"]["pending"] == 1
    clock.now += 2 * 60
    bot.run_once(inbox)
    row = bot.state.db.execute("SELECT status, reason FROM series").fetchone()
    assert row == ("reviewed", "reviewed without patch 3/3")
    (reply,) = outbox_mails(tmp_path / "out")
    assert "Patch 3/3 of this series had not arrived" in parsed(reply).get_content()
    write_maildir(tmp_path / "inbox", mails[3:], start=3)  # it comes late: the version is not reviewed again
    bot.run_once(inbox)
    assert len(outbox_mails(tmp_path / "out")) == 1


def test_a_newer_version_supersedes_an_older_one_still_pending(tmp_path):
    v2 = series_mails(V2)
    write_maildir(tmp_path / "inbox", v2[:2])  # v2 without its patch 2/2: pending
    inbox = open_inbox(f"maildir:{tmp_path / 'inbox'}")
    bot = make_bot(tmp_path, "wait_minutes = 30\n")
    bot.run_once(inbox)
    write_maildir(tmp_path / "inbox", series_mails(V3), start=10)
    bot.run_once(inbox)
    rows = bot.state.db.execute("SELECT version, status, reason FROM series ORDER BY version").fetchall()
    assert rows == [(2, "superseded", "superseded by v3 (series 2)"), (3, "reviewed", None)]
    assert [parsed(m)["Subject"] for m in outbox_mails(tmp_path / "out")] == [
        "Re: [PATCH v3 1/3] mm: add a mkwrite parameter to vmf_insert_mixed()"]


def test_only_remarks_get_no_mail_at_the_default_threshold(tmp_path):
    write_maildir(tmp_path / "inbox", series_mails(V3))
    bot = make_bot(tmp_path, '[review.severity]\nRB-API-CALLER = "info"\nRB0001 = "info"\n')
    bot.run_once(open_inbox(f"maildir:{tmp_path / 'inbox'}"))
    assert bot.state.db.execute("SELECT status, findings FROM series").fetchone() == ("reviewed", 3)
    assert outbox_mails(tmp_path / "out") == []


@pytest.mark.parametrize("setting, reason", [
    ("quiet = true\n", "quiet mode"),
    ('opt_out = ["Ross.Zwisler@linux.intel.com"]\n', "opted out: ross.zwisler@linux.intel.com"),
    ("rate_per_author = 1\n", "rate limit: 1 replies a day to ross.zwisler@linux.intel.com"),
])
def test_quiet_opt_out_and_rate_limit_hold_replies_back_with_the_reason(tmp_path, setting, reason):
    write_maildir(tmp_path / "inbox", series_mails(V3))
    bot = make_bot(tmp_path, setting)
    if setting.startswith("rate"):  # one reply already went to this author today
        bot.state.db.execute("INSERT INTO series(id, ident, thread, have, subjects, msgids, status) "
                             "VALUES(99, 'x', 'x', '[]', '[]', '[]', 'reviewed')")
        bot.state.plan_reply(msgid="earlier@x", series_id=99, version=1, patch=1, patch_msgid="p@x", list_id=None,
                             author="ross.zwisler@linux.intel.com", raw=b"x", status="sent")
    bot.run_once(open_inbox(f"maildir:{tmp_path / 'inbox'}"))
    assert outbox_mails(tmp_path / "out") == []
    rows = bot.state.db.execute("SELECT status, reason FROM replies WHERE series_id<>99").fetchall()
    assert rows == [("suppressed", reason)]


@needs_corpus
def test_unreadable_mail_is_quarantined_with_its_reason_and_the_bot_goes_on(corpus, tmp_path):
    box = tmp_path / "inbox"
    write_maildir(box, series_mails(V3))
    (box / "new" / "1600000000.Mbin.test").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (box / "new" / "1600000001.Mjunk.test").write_bytes(b"\x00\x00\x00\x00")
    real = sorted((corpus / "notmuch/corpora/lkml/cur").iterdir())[:20]
    write_maildir(box, [f.read_bytes() for f in real], start=100)
    bot = make_bot(tmp_path)
    bot.run_once(open_inbox(f"maildir:{box}"))
    status = bot.state.status()
    assert status["quarantined"] == 2
    reasons = sorted(q["reason"] for q in status["quarantine"])
    assert reasons == ["binary data, not mail", "binary data, not mail"]
    kept = sorted((tmp_path / "quarantine/new").iterdir())
    assert len(kept) == 2
    assert all(f.read_bytes().startswith(b"X-Reviewbot-Quarantine: binary data, not mail\n") for f in kept)
    assert status["messages"] == 4 + 20 - _duplicates(real)
    assert status["series"]["reviewed"] >= 1 and len(outbox_mails(tmp_path / "out")) == 1


def _duplicates(files) -> int:
    ids = [parse_message(f.read_bytes()).msgid for f in files]
    return len(ids) - len(set(ids))


def test_a_series_that_cannot_be_tested_is_recorded_and_answered_only_when_policy_says(tmp_path):
    # v3 against a tree without its files: nothing applies
    tree = tmp_path / "empty-tree"
    (tree / "mm").mkdir(parents=True)
    (tree / "mm/other.c").write_text("int x;\n")
    write_maildir(tmp_path / "inbox", series_mails(V3))
    bot = make_bot(tmp_path)
    bot.tree = str(tree)
    bot.run_once(open_inbox(f"maildir:{tmp_path / 'inbox'}"))
    status = bot.state.status()
    assert status["series"]["failed"] == 1
    assert status["failed_series"][0]["reason"] == f"does not apply to directory base {tree}"
    assert outbox_mails(tmp_path / "out") == []  # off by default
    other = tmp_path / "second"
    other.mkdir()
    bot = make_bot(other, "could_not_test = true\n")
    bot.tree = str(tree)
    write_maildir(other / "inbox", series_mails(V3))
    bot.run_once(open_inbox(f"maildir:{other / 'inbox'}"))
    (note,) = outbox_mails(other / "out")
    mail = parsed(note)
    assert mail["In-Reply-To"] == "<cover.1795560350.git.ross.zwisler@linux.intel.com>"
    assert f"Reason: does not apply to directory base {tree}" in mail.get_content()


def test_paths_and_lists_not_watched_are_skipped_with_the_reason(tmp_path):
    write_maildir(tmp_path / "inbox", series_mails(V3))
    bot = make_bot(tmp_path, 'paths = ["net/"]\n')
    bot.run_once(open_inbox(f"maildir:{tmp_path / 'inbox'}"))
    assert bot.state.db.execute("SELECT status, reason FROM series").fetchone() == ("skipped",
                                                                                     "touches no watched path")
    other = tmp_path / "lists"
    other.mkdir()
    write_maildir(other / "inbox", series_mails(V3))
    bot = make_bot(other, 'lists = ["netdev.vger.kernel.org"]\n')
    bot.run_once(open_inbox(f"maildir:{other / 'inbox'}"))
    assert bot.state.db.execute("SELECT status, reason FROM series").fetchone() == (
        "skipped", "list (no List-Id) is not watched")


def test_state_schema_is_versioned_and_a_newer_one_is_refused(tmp_path):
    path = tmp_path / "s.sqlite3"
    state = State(path)
    assert state.schema_version() == SCHEMA_VERSION
    assert state.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    state.close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(InputError, match="written by a newer reviewbot"):
        State(path)
    (tmp_path / "junk").write_bytes(b"not a database at all, just text" * 100)
    with pytest.raises(InputError, match="not a reviewbot state database"):
        State(tmp_path / "junk")


def test_outbox_finds_a_reply_written_before_a_crash_instead_of_writing_it_again(tmp_path):
    box = MaildirOutbox(tmp_path / "out")
    assert box.deliver("a@b", b"From: x\n\nhello\n") == "written"
    name = outbox_name("a@b")
    (tmp_path / "out/new" / name).rename(tmp_path / "out/cur" / f"{name}:2,S")  # a reader took it
    assert box.deliver("a@b", b"From: x\n\nhello\n") == "found in the outbox"
    assert len(outbox_mails(tmp_path / "out")) == 1


def test_cli_run_status_and_replay(tmp_path):
    write_maildir(tmp_path / "inbox", series_mails(V2) + series_mails(V3))
    config = policy_file(tmp_path, f"wait_minutes = 0\nreports = \"{tmp_path / 'reports'}\"\n")
    state = tmp_path / "state.sqlite3"
    run = bot_cli(tmp_path, "run", "--inbox", f"maildir:{tmp_path / 'inbox'}", "--tree", str(MINI), "--state",
                  str(state), "--outbox", str(tmp_path / "out"), "--config", str(config), "--once")
    assert run.returncode == 0, run.stderr
    assert run.stderr.decode().strip() == ("reviewbot bot: 7 new messages (0 duplicates, 0 quarantined), "
                                           "1 series reviewed, 0 could not be, 1 replies delivered")
    (report,) = sorted((tmp_path / "reports").iterdir())  # v2 was superseded before review: no report
    data = json.loads(report.read_text())
    assert report.name == "series-2-v3.json"
    assert data["bot"]["message_ids"] == ["cover.1795560350.git.ross.zwisler@linux.intel.com", V3_PATCH1,
                                          "db0c9f449b3a6f88c6680c141df1d5758e44e1a8.1795560350.git.ross.zwisler"
                                          "@linux.intel.com",
                                          "c188c5188f22223213ba62f9ec2b1b69069ba101.1795560350.git.ross.zwisler"
                                          "@linux.intel.com"]
    assert [f["rule"] for f in data["findings"]] == ["RB-API-CALLER", "RB-API-CALLER", "RB0001"]
    status = bot_cli(tmp_path, "status", "--state", str(state), "--format", "json")
    data = json.loads(status.stdout)
    assert data["messages"] == 7 and data["series"]["superseded"] == 1 and data["replies"]["written"] == 1
    assert data["inboxes"][0]["inbox"] == f"maildir:{tmp_path / 'inbox'}"
    text = bot_cli(tmp_path, "status", "--state", str(state)).stdout.decode()
    assert "series:       0 pending, 1 reviewed (1 replied), 0 failed, 0 skipped, 1 superseded" in text
    # (SQLite's -shm is its readers' shared lock memory, touched by any reader; the data files are not)
    files = lambda: {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in tmp_path.rglob("*")  # noqa: E731
                     if p.is_file() and "rb-cache" not in str(p) and not p.name.endswith("-shm")}
    before = files()
    replay = bot_cli(tmp_path, "replay", f"<{V3_PATCH1}>", "--state", str(state))
    assert replay.returncode == 0, replay.stderr
    out = replay.stdout.decode()
    (written,) = outbox_mails(tmp_path / "out")
    written_text = written.decode()
    assert out.startswith("series 2 v3: dax: use common 4k zero page for dax mmap reads\nrecorded: reviewed\n")
    # the same mail as the one written, but for its Date
    body = lambda t: [ln for ln in t[t.index("From: reviewbot"):].splitlines() if not ln.startswith("Date:")]  # noqa
    assert body(out) == body(written_text)
    assert files() == before
    bad = bot_cli(tmp_path, "replay", "nosuch@x", "--state", str(state))
    assert bad.returncode == 2 and bad.stderr.decode().startswith("reviewbot: error: <nosuch@x>: no series")


def test_cli_refuses_what_it_cannot_do_in_one_line(tmp_path):
    proc = bot_cli(tmp_path, "run", "--inbox", "imap:x", "--tree", str(MINI), "--outbox", str(tmp_path / "o"),
                   "--state", str(tmp_path / "s.sqlite3"))
    assert proc.returncode == 2
    assert proc.stderr.decode() == ("reviewbot: error: imap:x: unknown inbox kind 'imap' "
                                    "(maildir, public-inbox, mbox, or - for stdin)\n")
    proc = bot_cli(tmp_path, "run", "--inbox", "-", "--tree", str(MINI), "--state", str(tmp_path / "s.sqlite3"))
    assert proc.returncode == 2 and "give --outbox DIR or --send" in proc.stderr.decode()
    bad = tmp_path / "bad.toml"
    bad.write_text("[bot]\nreply_treshold = 'error'\n")
    proc = bot_cli(tmp_path, "run", "--inbox", "-", "--tree", str(MINI), "--outbox", str(tmp_path / "o"),
                   "--config", str(bad), "--state", str(tmp_path / "s.sqlite3"))
    assert proc.returncode == 2 and "unknown setting(s) reply_treshold" in proc.stderr.decode()


def test_stdin_delivery_one_message_per_run(tmp_path):
    state = tmp_path / "state.sqlite3"
    args = ("run", "--inbox", "-", "--tree", str(MINI), "--state", str(state), "--outbox", str(tmp_path / "out"),
            "--config", str(policy_file(tmp_path)))
    for raw in series_mails(V3) + series_mails(V3)[1:2]:  # the last one again: a duplicate
        proc = bot_cli(tmp_path, *args, stdin=raw)
        assert proc.returncode == 0, proc.stderr
    data = json.loads(bot_cli(tmp_path, "status", "--state", str(state), "--format", "json").stdout)
    assert data["messages"] == 4 and data["inboxes"][0]["duplicates"] == 1
    assert len(outbox_mails(tmp_path / "out")) == 1


def test_a_state_of_schema_1_is_migrated_and_its_unassembled_threads_get_their_series(tmp_path):
    from reviewbot.bot import state as state_module

    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)
    old.executescript(state_module.MIGRATIONS[0] + "PRAGMA user_version=1;")
    import zlib

    for seq, raw in enumerate(series_mails(V3), 1):  # what a schema-1 bot had stored, series not yet made
        msg = parse_message(raw)
        old.execute("INSERT INTO messages(seq, msgid, thread, kind, raw) VALUES(?,?,?,?,?)",
                    (seq, msg.msgid, "cover.1795560350.git.ross.zwisler@linux.intel.com",
                     "cover" if seq == 1 else "patch", zlib.compress(raw)))
    old.commit()
    old.close()
    bot = make_bot(tmp_path)
    bot.state.close()
    bot.state = State(path)
    assert bot.state.schema_version() == SCHEMA_VERSION == 2
    assert bot.state.dirty_threads() == ["cover.1795560350.git.ross.zwisler@linux.intel.com"]
    (tmp_path / "empty").mkdir()
    write_maildir(tmp_path / "empty", [])
    bot.run_once(open_inbox(f"maildir:{tmp_path / 'empty'}"))
    assert bot.state.status()["series"]["reviewed"] == 1 and len(outbox_mails(tmp_path / "out")) == 1


def test_follow_picks_up_new_mail_and_stops_cleanly_on_sigterm(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from tests.bot_util import cli_env

    box = tmp_path / "inbox"
    write_maildir(box, series_mails(V2))
    state = tmp_path / "state.sqlite3"
    proc = subprocess.Popen([sys.executable, "-m", "reviewbot", "bot", "run", "--follow", "--inbox", f"maildir:{box}",
                             "--tree", str(MINI), "--state", str(state), "--outbox", str(tmp_path / "out"),
                             "--config", str(policy_file(tmp_path, "poll_seconds = 0.2\n")), "--no-cache"],
                            env=cli_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        def wait_for(count: int) -> None:
            deadline = time.monotonic() + 120
            while len(outbox_mails(tmp_path / "out")) < count:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)

        wait_for(1)  # v2's reply
        write_maildir(box, series_mails(V3), start=10)
        wait_for(2)  # v3's, from the same running bot
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert err.decode().rstrip().endswith("(stopped)")
    check = State(state)
    assert check.db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert check.status()["messages"] == 7 and check.status()["replies"]["written"] == 2


def test_a_reply_carrying_a_review_tag_of_its_own_is_never_delivered(tmp_path):
    from reviewbot.bot.outbox import has_review_tag

    quoted = b"From: bot@example.org\nSubject: Re: x\n\n> Reviewed-by: Jan Kara <jack@suse.cz>\n\nremark\n"
    own = b"From: bot@example.org\nSubject: Re: x\n\nLooks fine.\n\nAcked-by: reviewbot <bot@example.org>\n"
    assert not has_review_tag(quoted) and has_review_tag(own)
    bot = make_bot(tmp_path)
    with bot.state.transaction():
        bot.state.db.execute("INSERT INTO series(id, ident, thread, have, subjects, msgids, status) "
                             "VALUES(1, 'x', 'x', '[]', '[]', '[]', 'reviewed')")
        bot.state.plan_reply(msgid="own@x", series_id=1, version=1, patch=1, patch_msgid="p@x", list_id=None,
                             author="a@b", raw=own)
        bot.state.plan_reply(msgid="quoted@x", series_id=1, version=1, patch=2, patch_msgid="q@x", list_id=None,
                             author="a@b", raw=quoted)
    bot.deliver()
    assert outbox_mails(tmp_path / "out") == [quoted]
    assert sorted(bot.state.db.execute("SELECT msgid, status, reason FROM replies")) == [
        ("own@x", "suppressed", "carries a review tag of its own"), ("quoted@x", "written", None)]


def test_a_quarantined_file_offered_again_by_the_maildir_is_quarantined_once(tmp_path):
    box = tmp_path / "inbox"
    write_maildir(box, series_mails(V3))
    junk = box / "new" / "1600000000.Mbin.test"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    inbox = open_inbox(f"maildir:{box}")
    bot = make_bot(tmp_path)
    bot.run_once(inbox)
    junk.rename(box / "cur" / f"{junk.name}:2,S")  # a mail reader looked at it: within the grace window
    again = make_bot(tmp_path)
    again.run_once(inbox)
    assert (bot.stats.quarantined, again.stats.quarantined) == (1, 0)
    assert again.state.status()["quarantined"] == 1 and len(list((tmp_path / "quarantine/new").iterdir())) == 1


def test_a_reply_with_more_references_than_sqlite_takes_is_threaded_and_the_bot_goes_on(tmp_path):
    """A stranger's References of 300,000 ids (3.4 MB) once stopped the bot for good ("too many SQL
    variables", exit 3 on every restart); the known parent, the cover letter (the References' last
    id, so the nearest), still decides the thread."""
    mails = series_mails(V3)
    cover = parse_message(mails[0])
    bogus = " ".join(f"<bogus.{n}@example.org>" for n in range(300_000))
    reply = (f"From: Someone <someone@example.org>\nSubject: Re: [PATCH v3 0/3] dax\n"
             f"Message-ID: <many-refs@example.org>\nIn-Reply-To: <bogus.0@example.org>\n"
             f"References: {bogus} <{cover.msgid}>\n\nLooks fine.\n").encode()
    write_maildir(tmp_path / "inbox", mails + [reply])
    bot = make_bot(tmp_path)
    bot.run_once(open_inbox(f"maildir:{tmp_path / 'inbox'}"))
    assert bot.stats.messages == len(mails) + 1 and bot.stats.quarantined == 0
    thread = bot.state.db.execute("SELECT thread FROM messages WHERE msgid = ?", ("many-refs@example.org",)).fetchone()
    assert thread[0] == bot.state.thread_of([cover.msgid])


def test_a_name_with_a_comma_stays_one_recipient_in_the_bots_cc(tmp_path):
    """cc = "all": a patch Cc'd to "Doe, John" <john.doe@...>, whom the model keeps unquoted; the
    reply's Cc joined those strings and made "Doe" a recipient of its own."""
    mails = series_mails(V3)
    mails[1] = mails[1].replace(b"Cc: Jan Kara <jack@suse.cz>, linux-mm@kvack.org",
                                b'Cc: Jan Kara <jack@suse.cz>, "Doe, John" <john.doe@example.org>, linux-mm@kvack.org')
    write_maildir(tmp_path / "inbox", mails)
    bot = make_bot(tmp_path, 'cc = "all"\n')
    bot.run_once(open_inbox(f"maildir:{tmp_path / 'inbox'}"))
    (mail,) = outbox_mails(tmp_path / "out")
    reply = parsed(mail)
    assert [(a.display_name, a.addr_spec) for a in reply["Cc"].addresses] == [
        ("Andrew Morton", "akpm@linux-foundation.org"), ("Jan Kara", "jack@suse.cz"),
        ("Doe, John", "john.doe@example.org"), ("", "linux-mm@kvack.org")]
    assert [a.addr_spec for a in reply["To"].addresses] == ["ross.zwisler@linux.intel.com"]
