"""The bot's memory: messages seen, series found, replies planned and delivered, inbox positions.

SQLite through the stdlib, WAL mode, ``PRAGMA user_version`` as the schema version with one
migration per version (a database from any earlier release is brought forward on open; one from a
newer release is refused). Every message is taken in one transaction together with the inbox
position after it, so a crash re-reads exactly the messages whose transaction did not commit.

synchronous=NORMAL: in WAL mode a commit survives the process being killed at any point; a power
loss can lose the last commits, never corrupt the file, and what is lost is read again from the
inbox (the position is in the same transaction) or found written in the outbox.
"""
from __future__ import annotations

import json
import sqlite3
import time
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from reviewbot.errors import InputError

# Index i holds the statements that take a database from version i to i + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE inboxes (spec TEXT PRIMARY KEY, position TEXT, messages INTEGER NOT NULL DEFAULT 0,
                          duplicates INTEGER NOT NULL DEFAULT 0, updated REAL);
    CREATE TABLE messages (
        seq INTEGER PRIMARY KEY,            -- arrival order
        msgid TEXT NOT NULL UNIQUE,
        thread TEXT NOT NULL,               -- the thread's root Message-ID as the mails name it
        kind TEXT NOT NULL,                 -- patch, cover, pull, comment
        list_id TEXT, subject TEXT, from_email TEXT, date TEXT,
        inbox TEXT, origin TEXT, received REAL,
        raw BLOB NOT NULL                   -- zlib of the message as delivered
    );
    CREATE INDEX messages_thread ON messages(thread);
    CREATE TABLE series (
        id INTEGER PRIMARY KEY,
        ident TEXT NOT NULL UNIQUE,         -- thread | version | total | sender
        thread TEXT NOT NULL, subject TEXT, sender TEXT, version INTEGER, total INTEGER,
        have TEXT NOT NULL,                 -- JSON: patch indices present
        subjects TEXT NOT NULL,             -- JSON: lower-cased patch subjects, to link versions
        msgids TEXT NOT NULL,               -- JSON: cover and patch Message-IDs
        cover INTEGER NOT NULL DEFAULT 0,   -- the cover letter has arrived
        cover_expected INTEGER NOT NULL DEFAULT 0,
        list_id TEXT,
        first_seen REAL, last_seen REAL,
        status TEXT NOT NULL,               -- pending, reviewed, failed, skipped, superseded
        reason TEXT, findings INTEGER, reviewed_at REAL
    );
    CREATE INDEX series_status ON series(status);
    CREATE TABLE replies (
        msgid TEXT PRIMARY KEY,             -- derived from (patch Message-ID, patch-id, rule-set version)
        series_id INTEGER NOT NULL REFERENCES series(id),
        version INTEGER NOT NULL,
        patch INTEGER NOT NULL,             -- 0: a note on the whole series (could not test)
        patch_msgid TEXT, list_id TEXT, author TEXT,
        raw BLOB NOT NULL,
        status TEXT NOT NULL,               -- planned, written, sent, suppressed
        reason TEXT, delivered_at REAL,
        UNIQUE (series_id, version, patch)
    );
    CREATE TABLE quarantine (
        file TEXT PRIMARY KEY, inbox TEXT, origin TEXT, reason TEXT NOT NULL, at REAL
    );
    """,
    # 2: series detection runs once per thread per batch of arrivals, not once per patch (a 20-patch
    # series was assembled 20 times); the threads waiting for it are kept with the messages
    """
    CREATE TABLE dirty_threads (thread TEXT PRIMARY KEY);
    INSERT OR IGNORE INTO dirty_threads(thread) SELECT DISTINCT thread FROM messages
        WHERE kind IN ('patch', 'cover') AND thread NOT IN (SELECT thread FROM series);
    """,
]
THREAD_LOOKUP_CHUNK = 500  # SQLite allows 32,766 variables per statement (999 before 3.32)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class StoredMessage:
    seq: int
    msgid: str
    thread: str
    kind: str
    raw: bytes


class State:
    """One bot state database. ``path`` ":memory:" is for tests of the schema only."""

    def __init__(self, path: str | Path, readonly: bool = False):
        self.path = str(path)
        try:
            if readonly:
                if not Path(path).is_file():
                    raise InputError(f"{path}: no bot state here (run 'reviewbot bot run' first)")
                self.db = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, isolation_level=None)
            else:
                if self.path != ":memory:":
                    Path(path).parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
                self.db.execute("PRAGMA journal_mode=WAL")
                self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if not readonly:
                self._migrate()
            elif self.schema_version() != SCHEMA_VERSION:
                raise InputError(f"{path}: bot state of schema version {self.schema_version()}, this reviewbot reads "
                                 f"{SCHEMA_VERSION} (run 'reviewbot bot run' once to migrate it)")
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{path}: not a reviewbot state database ({exc})") from None

    def close(self) -> None:
        self.db.close()

    def schema_version(self) -> int:
        return self.db.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            raise InputError(f"{self.path}: written by a newer reviewbot (schema {version}, this one knows "
                             f"{SCHEMA_VERSION}); refusing to touch it")
        for target in range(version, SCHEMA_VERSION):
            with self.transaction():
                for statement in MIGRATIONS[target].split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version={target + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # -- meta and inboxes ---------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        self.db.execute("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                        (key, value))

    def position(self, spec: str) -> str | None:
        row = self.db.execute("SELECT position FROM inboxes WHERE spec=?", (spec,)).fetchone()
        return row[0] if row else None

    def advance(self, spec: str, position: str | None, new_message: bool, duplicate: bool = False) -> None:
        self.db.execute(
            "INSERT INTO inboxes(spec, position, messages, duplicates, updated) VALUES(?, ?, ?, ?, ?) "
            "ON CONFLICT(spec) DO UPDATE SET position=COALESCE(excluded.position, position), "
            "messages=messages+excluded.messages, duplicates=duplicates+excluded.duplicates, updated=excluded.updated",
            (spec, position, int(new_message), int(duplicate), time.time()))

    # -- messages ------------------------------------------------------------------------------
    def has_message(self, msgid: str) -> bool:
        return self.db.execute("SELECT 1 FROM messages WHERE msgid=?", (msgid,)).fetchone() is not None

    def thread_of(self, msgids: list[str]) -> str | None:
        """The thread of the first of ``msgids`` that is known (nearest parent first)."""
        # in chunks, nearest first: a stranger's References may hold more ids than SQLite takes at once
        for start in range(0, len(msgids), THREAD_LOOKUP_CHUNK):
            chunk = msgids[start:start + THREAD_LOOKUP_CHUNK]
            found = dict(self.db.execute(f"SELECT msgid, thread FROM messages WHERE msgid IN "
                                         f"({','.join('?' * len(chunk))})", chunk).fetchall())
            hit = next((found[m] for m in chunk if m in found), None)
            if hit is not None:
                return hit
        return None

    def add_message(self, *, msgid: str, thread: str, kind: str, list_id: str | None, subject: str,
                    from_email: str, date: str | None, inbox: str, origin: str, raw: bytes) -> bool:
        """False when a message of that Message-ID is already there (nothing is changed then)."""
        cur = self.db.execute(
            "INSERT OR IGNORE INTO messages(msgid, thread, kind, list_id, subject, from_email, date, inbox, origin,"
            " received, raw) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
            (msgid, thread, kind, list_id, subject, from_email, date, inbox, origin, time.time(),
             zlib.compress(raw, 1)))
        return cur.rowcount == 1

    def mark_dirty(self, thread: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO dirty_threads(thread) VALUES(?)", (thread,))

    def dirty_threads(self) -> list[str]:
        return [t for (t,) in self.db.execute("SELECT thread FROM dirty_threads ORDER BY rowid")]

    def clean(self, thread: str) -> None:
        self.db.execute("DELETE FROM dirty_threads WHERE thread=?", (thread,))

    def thread_messages(self, thread: str) -> list[StoredMessage]:
        rows = self.db.execute("SELECT seq, msgid, thread, kind, raw FROM messages WHERE thread=? ORDER BY seq",
                               (thread,))
        return [StoredMessage(seq, msgid, th, kind, zlib.decompress(raw)) for seq, msgid, th, kind, raw in rows]

    def message_thread(self, msgid: str) -> str | None:
        row = self.db.execute("SELECT thread FROM messages WHERE msgid=?", (msgid,)).fetchone()
        return row[0] if row else None

    def quarantined(self, file: str) -> bool:
        return self.db.execute("SELECT 1 FROM quarantine WHERE file=?", (file,)).fetchone() is not None

    def add_quarantine(self, file: str, inbox: str, origin: str, reason: str) -> None:
        self.db.execute("INSERT OR IGNORE INTO quarantine(file, inbox, origin, reason, at) VALUES(?,?,?,?,?)",
                        (file, inbox, origin, reason, time.time()))

    # -- series ---------------------------------------------------------------------------------
    def series_row(self, ident: str) -> sqlite3.Row | None:
        cur = self.db.execute("SELECT * FROM series WHERE ident=?", (ident,))
        cur.row_factory = sqlite3.Row
        return cur.fetchone()

    def series_by_id(self, series_id: int) -> sqlite3.Row | None:
        cur = self.db.execute("SELECT * FROM series WHERE id=?", (series_id,))
        cur.row_factory = sqlite3.Row
        return cur.fetchone()

    def series_with_message(self, msgid: str) -> sqlite3.Row | None:
        """The series whose cover or patches include ``msgid`` (a JSON array holds it quoted)."""
        cur = self.db.execute("SELECT * FROM series WHERE msgids LIKE ? ESCAPE '\\' ORDER BY id DESC",
                              ("%" + json.dumps(msgid).replace("\\", "\\\\").replace("%", "\\%")
                               .replace("_", "\\_") + "%",))
        cur.row_factory = sqlite3.Row
        return cur.fetchone()

    def upsert_series(self, *, ident: str, thread: str, subject: str, sender: str, version: int, total: int,
                      have: list[int], subjects: list[str], msgids: list[str], cover: bool, cover_expected: bool,
                      list_id: str | None, now: float) -> tuple[int, bool]:
        """(id, created). A series already decided keeps its status: a version is reviewed once."""
        row = self.db.execute("SELECT id FROM series WHERE ident=?", (ident,)).fetchone()
        values = (subject, sender, version, total, json.dumps(have), json.dumps(subjects), json.dumps(msgids),
                  int(cover), int(cover_expected), list_id)
        if row:
            self.db.execute("UPDATE series SET subject=?, sender=?, version=?, total=?, have=?, subjects=?, msgids=?, "
                            "cover=?, cover_expected=?, list_id=COALESCE(list_id, ?), last_seen=? WHERE id=?",
                            (*values, now, row[0]))
            return row[0], False
        cur = self.db.execute(
            "INSERT INTO series(ident, thread, subject, sender, version, total, have, subjects, msgids, cover, "
            "cover_expected, list_id, first_seen, last_seen, status) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?, 'pending')",
            (ident, thread, *values, now, now))
        return cur.lastrowid, True

    def pending_series(self) -> list[sqlite3.Row]:
        cur = self.db.execute("SELECT * FROM series WHERE status='pending' ORDER BY id")
        cur.row_factory = sqlite3.Row
        return cur.fetchall()

    def other_versions(self, sender: str, series_id: int) -> list[sqlite3.Row]:
        cur = self.db.execute("SELECT * FROM series WHERE sender=? AND id<>?", (sender, series_id))
        cur.row_factory = sqlite3.Row
        return cur.fetchall()

    def decide(self, series_id: int, status: str, reason: str | None, findings: int | None = None) -> None:
        self.db.execute("UPDATE series SET status=?, reason=?, findings=?, reviewed_at=? WHERE id=?",
                        (status, reason, findings, time.time(), series_id))

    # -- replies ----------------------------------------------------------------------------------
    def plan_reply(self, *, msgid: str, series_id: int, version: int, patch: int, patch_msgid: str | None,
                   list_id: str | None, author: str, raw: bytes, status: str = "planned",
                   reason: str | None = None) -> bool:
        cur = self.db.execute(
            "INSERT OR IGNORE INTO replies(msgid, series_id, version, patch, patch_msgid, list_id, author, raw, status,"
            " reason) VALUES(?,?,?,?,?,?,?,?,?,?)",
            (msgid, series_id, version, patch, patch_msgid, list_id, author, raw, status, reason))
        return cur.rowcount == 1

    def planned_replies(self) -> list[tuple[str, bytes]]:
        return list(self.db.execute("SELECT msgid, raw FROM replies WHERE status='planned' ORDER BY series_id, patch"))

    def delivered(self, msgid: str, status: str, reason: str | None = None) -> None:
        self.db.execute("UPDATE replies SET status=?, reason=COALESCE(?, reason), delivered_at=? WHERE msgid=?",
                        (status, reason, time.time(), msgid))

    def replies_since(self, since: float, *, list_id: str | None = None, author: str | None = None) -> int:
        """Replies delivered or planned since ``since`` to a list or an author (for the rate limits)."""
        where, args = ["status IN ('planned', 'written', 'sent')", "(delivered_at IS NULL OR delivered_at>=?)"], [since]
        if list_id is not None:
            where.append("list_id=?")
            args.append(list_id)
        if author is not None:
            where.append("author=?")
            args.append(author)
        return self.db.execute(f"SELECT COUNT(*) FROM replies WHERE {' AND '.join(where)}", args).fetchone()[0]

    def reply_raw(self, msgid: str) -> bytes | None:
        row = self.db.execute("SELECT raw FROM replies WHERE msgid=?", (msgid,)).fetchone()
        return row[0] if row else None

    # -- status -----------------------------------------------------------------------------------
    def status(self) -> dict:
        one = lambda sql, *a: self.db.execute(sql, a).fetchone()[0]  # noqa: E731
        series = dict(self.db.execute("SELECT status, COUNT(*) FROM series GROUP BY status").fetchall())
        replied = one("SELECT COUNT(DISTINCT series_id) FROM replies WHERE status IN ('written', 'sent')")
        replies = dict(self.db.execute("SELECT status, COUNT(*) FROM replies GROUP BY status").fetchall())
        failed = [{"id": i, "subject": s, "version": v, "reason": r} for i, s, v, r in self.db.execute(
            "SELECT id, subject, version, reason FROM series WHERE status='failed' ORDER BY id DESC LIMIT 20")]
        quarantine = [{"file": f, "origin": o, "reason": r} for f, o, r in self.db.execute(
            "SELECT file, origin, reason FROM quarantine ORDER BY at DESC LIMIT 20")]
        inboxes = [{"inbox": s, "position": p, "messages": m, "duplicates": d, "updated": u}
                   for s, p, m, d, u in self.db.execute("SELECT spec, position, messages, duplicates, updated "
                                                        "FROM inboxes ORDER BY spec")]
        return {
            "schema_version": self.schema_version(),
            "messages": one("SELECT COUNT(*) FROM messages"),
            "series": {"pending": series.get("pending", 0), "reviewed": series.get("reviewed", 0),
                       "replied": replied, "failed": series.get("failed", 0),
                       "skipped": series.get("skipped", 0), "superseded": series.get("superseded", 0)},
            "replies": {"written": replies.get("written", 0), "sent": replies.get("sent", 0),
                        "planned": replies.get("planned", 0), "suppressed": replies.get("suppressed", 0)},
            "quarantined": one("SELECT COUNT(*) FROM quarantine"),
            "last_error": self.get_meta("last_error"),
            "last_message_time": (self.db.execute("SELECT date FROM messages ORDER BY seq DESC LIMIT 1").fetchone()
                                  or [None])[0],
            "inboxes": inboxes,
            "failed_series": failed,
            "quarantine": quarantine,
        }
