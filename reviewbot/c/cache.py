"""Parse cache: extracted facts keyed by git blob id, in SQLite under the user's cache directory.

A second review of the same tree re-parses only the files the series changed. SQLite in WAL mode
with a busy timeout makes concurrent runs safe. A cache only ever costs time, never correctness, so
a damaged one is moved aside (the warning says where) and rebuilt, and a read-only one is read
without storing anything; either is said once on stderr, never silently.
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
import zlib
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path

from reviewbot.c.extract import FileFacts, extract
from reviewbot.c.tree import TreeSource

SCHEMA = 11  # bump when FileFacts, its row form or extraction changes: old rows are ignored
FACTS_TABLE = "facts2"  # rename when the table's columns change (an old database keeps working)
FP_TABLE = "fp1"  # rename when fingerprint.py's signatures change: old tables are ignored
DECODED_KEPT = 128  # decoded FileFacts kept in memory per cache object


def encode(data) -> bytes:
    return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 1)


def fact_counts(facts: FileFacts) -> tuple[int, int, int]:
    return len(facts.functions), len(facts.calls), facts.errors


def _signed(key: int) -> int:
    """SQLite integers are signed 64-bit."""
    return key - (1 << 64) if key >= 1 << 63 else key


def cache_dir() -> Path:
    if os.environ.get("REVIEWBOT_CACHE_DIR"):
        return Path(os.environ["REVIEWBOT_CACHE_DIR"])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reviewbot"))


_said: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _said:
        _said.add(message)
        print(f"reviewbot: warning: {message}", file=sys.stderr)


def _damaged(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "file is encrypted" in text


def _read_only(exc: sqlite3.Error) -> bool:
    return "readonly" in str(exc).lower() or "read-only" in str(exc).lower()


def _move_aside(path: Path) -> Path:
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}")
    path.rename(aside)
    for suffix in ("-wal", "-shm"):  # a WAL of the damaged file must not be replayed into the new one
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.rename(aside.with_name(aside.name + suffix))
    return aside


class FactsCache:
    def __init__(self, path: Path | None = None, enabled: bool = True):
        self.db: sqlite3.Connection | None = None
        self.writable = True  # False when only a read-only copy could be opened: writes are skipped
        self.hits = self.misses = 0
        # decoded facts of the files read last, by (blob, path): shared, never changed by their readers
        self._decoded: OrderedDict[tuple[str, str], FileFacts] = OrderedDict()
        if not enabled:
            return
        path = path or cache_dir() / "facts.sqlite3"
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._open(path)
        except sqlite3.Error as exc:
            self._close_quietly()
            if _damaged(exc):
                try:
                    aside = _move_aside(path)
                except OSError as move_exc:
                    _warn_once(f"the parse cache {path} is damaged ({exc}) and cannot be moved aside "
                               f"({move_exc}): running without it")
                    return
                _warn_once(f"the parse cache {path} was damaged ({exc}): moved to {aside}, building a new one")
                try:
                    self._open(path)
                except (OSError, sqlite3.Error) as again:
                    self._close_quietly()
                    _warn_once(f"cannot create the parse cache {path} ({again}): running without it")
            elif _read_only(exc) or not os.access(path.parent, os.W_OK):
                self._open_read_only(path, exc)
            else:
                _warn_once(f"cannot use the parse cache {path} ({exc}): running without it")
        except OSError as exc:
            self._close_quietly()
            _warn_once(f"cannot use the parse cache {path} ({exc}): running without it")

    def _close_quietly(self) -> None:
        if self.db is not None:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
        self.db = None

    def _open_read_only(self, path: Path, why: Exception) -> None:
        error: sqlite3.Error | None = None
        # a WAL database in a directory we cannot write has no -shm to share: read it as immutable then
        for options in ("mode=ro", "mode=ro&immutable=1"):
            try:
                self.db = sqlite3.connect(f"{path.resolve().as_uri()}?{options}", uri=True, timeout=30,
                                          isolation_level=None)
                self.db.execute(f"SELECT 1 FROM {FACTS_TABLE} LIMIT 1")
                self.writable = False
                _warn_once(f"the parse cache {path} is read-only ({why}): read, but nothing new is stored")
                return
            except sqlite3.Error as exc:
                self._close_quietly()
                error = exc
        _warn_once(f"the parse cache {path} is read-only and unreadable ({error}): running without it")

    def _failed(self, exc: sqlite3.Error) -> None:
        """A statement failed on an open cache: say so once (the run goes on without the rows)."""
        if _read_only(exc):
            _warn_once(f"the parse cache {self.path} is read-only ({exc}): nothing new is stored, "
                       "so later runs parse these files again")
        elif _damaged(exc):
            _warn_once(f"the parse cache {self.path} is damaged ({exc}): not used from here on; "
                       "the next run moves it aside and builds a new one")
            self._close_quietly()
            try:
                _move_aside(self.path)
            except OSError:
                pass
        else:
            _warn_once(f"the parse cache {self.path} failed ({exc}): going on without those rows")

    def _open(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")  # a cache: consistent after a crash is enough
        # functions/calls/errors: what `reviewbot index` counts, readable without decoding data
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {FACTS_TABLE} (blob TEXT, schema INTEGER, data BLOB, "
                        "functions INTEGER, calls INTEGER, errors INTEGER, PRIMARY KEY (blob, schema))")
        # MinHash bands of function bodies (fingerprint.py), per blob: the tree-wide near-copy index
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {FP_TABLE}_blobs (id INTEGER PRIMARY KEY, blob TEXT UNIQUE)")
        self.db.execute(f"CREATE TABLE IF NOT EXISTS {FP_TABLE} (band INTEGER, blob_id INTEGER, line INTEGER)")
        self.db.execute(f"CREATE INDEX IF NOT EXISTS {FP_TABLE}_band ON {FP_TABLE} (band)")

    def get(self, blob: str):
        if self.db is None:
            return None
        try:
            row = self.db.execute(f"SELECT data FROM {FACTS_TABLE} WHERE blob = ? AND schema = ?",
                                  (blob, SCHEMA)).fetchone()
        except sqlite3.Error as exc:
            self._failed(exc)
            return None
        return json.loads(zlib.decompress(row[0])) if row else None

    @classmethod
    def reader(cls, path: Path) -> FactsCache:
        """A read-only connection that runs no schema statements: for worker processes reading the
        cache while the writer fills it (opening it the usual way would create the band index again
        that a bulk fill dropped). Nothing is written through it."""
        cache = cls(enabled=False)
        cache.path, cache.writable = path, False
        try:
            cache.db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30,
                                       isolation_level=None)
        except sqlite3.Error as exc:
            _warn_once(f"cannot read the parse cache {path} ({exc})")
        return cache

    def function_spans(self, blob: str) -> list[tuple[int, int, int]] | None:
        """(line of the name, body start, body end) of each function of a cached blob, without
        building its facts: what fingerprinting needs (None when the blob is not cached)."""
        row = self.get(blob)
        if row is None:
            return None
        return [(line, b0, b1) for _sig, line, _start, _end, _static, _inline, b0, b1 in row[0]]

    def put(self, blob: str, data, counts: tuple[int, int, int] = (0, 0, 0)) -> None:
        self.put_encoded(blob, encode(data), counts)

    def put_encoded(self, blob: str, encoded: bytes, counts: tuple[int, int, int] = (0, 0, 0)) -> None:
        """Store what ``encode`` made (in a worker process: the writer only writes)."""
        if self.db is None or not self.writable:
            return
        try:
            self.db.execute(f"INSERT OR REPLACE INTO {FACTS_TABLE} VALUES (?, ?, ?, ?, ?, ?)",
                            (blob, SCHEMA, encoded, *counts))
        except sqlite3.Error as exc:
            self._failed(exc)

    def counts(self) -> dict[str, tuple[int, int, int]]:
        """blob -> (functions, calls, ERROR nodes) of every cached blob, in one query."""
        if self.db is None:
            return {}
        try:
            rows = self.db.execute(f"SELECT blob, functions, calls, errors FROM {FACTS_TABLE} WHERE schema = ?",
                                   (SCHEMA,)).fetchall()
        except sqlite3.Error as exc:
            self._failed(exc)
            return {}
        return {blob: (f, c, e) for blob, f, c, e in rows}

    def facts_rows(self) -> int:
        """How many blobs have facts (one cheap query: is this cache an indexed tree's?)."""
        if self.db is None:
            return 0
        try:
            return self.db.execute(f"SELECT COUNT(*) FROM {FACTS_TABLE} WHERE schema = ?", (SCHEMA,)).fetchone()[0]
        except sqlite3.Error as exc:
            self._failed(exc)
            return 0

    def fingerprinted(self) -> set[str]:
        if self.db is None:
            return set()
        try:
            return {blob for (blob,) in self.db.execute(f"SELECT blob FROM {FP_TABLE}_blobs")}
        except sqlite3.Error:
            return set()

    def put_fingerprints(self, blob: str, rows: list[tuple[int, list[int]]]) -> None:
        """``rows``: (line of a function's name, its band keys), as fingerprint.function_bands gives."""
        if self.db is None or not self.writable:
            return
        with self.transaction():
            cur = self.db.execute(f"INSERT OR IGNORE INTO {FP_TABLE}_blobs (blob) VALUES (?)", (blob,))
            if cur.rowcount:
                blob_id = cur.lastrowid
                self.db.executemany(f"INSERT INTO {FP_TABLE} VALUES (?, ?, ?)",
                                    [(_signed(band), blob_id, line) for line, keys in rows for band in keys])

    @contextmanager
    def bulk_fingerprints(self):
        """A first, whole-tree fill of the fingerprint table: its band index is built once at the
        end instead of being kept up to date row by row (millions of rows for a kernel tree)."""
        empty = False
        if self.db is not None and self.writable:
            try:
                empty = self.db.execute(f"SELECT 1 FROM {FP_TABLE} LIMIT 1").fetchone() is None
                if empty:
                    self.db.execute(f"DROP INDEX IF EXISTS {FP_TABLE}_band")
            except sqlite3.Error:
                empty = False
        try:
            yield
        finally:
            if empty and self.db is not None:
                try:
                    self.db.execute(f"CREATE INDEX IF NOT EXISTS {FP_TABLE}_band ON {FP_TABLE} (band)")
                except sqlite3.Error:
                    pass

    @contextmanager
    def transaction(self):
        """Writes inside are one transaction (nested uses join the outer one); errors only cost the
        rows written inside."""
        if self.db is None or not self.writable or self.db.in_transaction:
            yield
            return
        try:
            self.db.execute("BEGIN")
        except sqlite3.Error as exc:
            self._failed(exc)
            yield
            return
        try:
            yield
            self.db.execute("COMMIT")
        except BaseException as exc:
            try:
                if self.db is not None:
                    self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            if not isinstance(exc, sqlite3.Error):
                raise
            self._failed(exc)

    def fingerprint_matches(self, band_keys: list[int], limit: int = 2000) -> dict[tuple[str, int], int]:
        """(blob, line) of every indexed function sharing a band with ``band_keys`` -> bands shared."""
        if self.db is None or not band_keys:
            return {}
        marks = ",".join("?" * len(band_keys))
        try:
            rows = self.db.execute(
                f"SELECT b.blob, f.line, COUNT(*) FROM {FP_TABLE} f JOIN {FP_TABLE}_blobs b ON b.id = f.blob_id "
                f"WHERE f.band IN ({marks}) GROUP BY f.blob_id, f.line LIMIT ?",
                [_signed(k) for k in band_keys] + [limit]).fetchall()
        except sqlite3.Error:
            return {}
        return {(blob, line): shared for blob, line, shared in rows}

    def fingerprinted_blobs(self) -> int:
        if self.db is None:
            return 0
        try:
            return self.db.execute(f"SELECT COUNT(*) FROM {FP_TABLE}_blobs").fetchone()[0]
        except sqlite3.Error:
            return 0

    def facts(self, tree: TreeSource, path: str) -> FileFacts | None:
        """Facts of ``path`` in ``tree`` (None when absent), from the cache when the blob was seen."""
        blob = tree.blob_id(path)
        if blob is None:
            return None
        known = self._decoded.get((blob, path))
        if known is not None:  # the analyses of one review read the same few files again and again
            self._decoded.move_to_end((blob, path))
            self.hits += 1
            return known
        cached = self.get(blob)
        if cached is not None:
            self.hits += 1
            facts = FileFacts.from_row(cached, path)
        else:
            data = tree.read(path)
            if data is None:
                return None
            self.misses += 1
            facts = extract(data, path)
            self.put(blob, facts.to_row(), fact_counts(facts))
        self._decoded[(blob, path)] = facts
        if len(self._decoded) > DECODED_KEPT:
            self._decoded.popitem(last=False)
        return facts

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
