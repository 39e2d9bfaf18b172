"""Parse cache: extracted facts keyed by git blob id, in SQLite under the user's cache directory.

A second review of the same tree re-parses only the files the series changed. SQLite in WAL mode
with a busy timeout makes concurrent runs safe; a broken or unwritable cache is silently bypassed
(it only ever costs time, never correctness).
"""
from __future__ import annotations

import json
import os
import sqlite3
import zlib
from pathlib import Path

from reviewbot.c.extract import FileFacts, extract
from reviewbot.c.tree import TreeSource

SCHEMA = 5  # bump when FileFacts or extraction changes: old rows are ignored
FP_TABLE = "fp1"  # rename when fingerprint.py's signatures change: old tables are ignored


def _signed(key: int) -> int:
    """SQLite integers are signed 64-bit."""
    return key - (1 << 64) if key >= 1 << 63 else key


def cache_dir() -> Path:
    if os.environ.get("REVIEWBOT_CACHE_DIR"):
        return Path(os.environ["REVIEWBOT_CACHE_DIR"])
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("reviewbot"))


class FactsCache:
    def __init__(self, path: Path | None = None, enabled: bool = True):
        self.db: sqlite3.Connection | None = None
        self.hits = self.misses = 0
        if not enabled:
            return
        path = path or cache_dir() / "facts.sqlite3"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("CREATE TABLE IF NOT EXISTS facts (blob TEXT, schema INTEGER, data BLOB, "
                            "PRIMARY KEY (blob, schema))")
            # MinHash bands of function bodies (fingerprint.py), per blob: the tree-wide near-copy index
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {FP_TABLE}_blobs (id INTEGER PRIMARY KEY, blob TEXT UNIQUE)")
            self.db.execute(f"CREATE TABLE IF NOT EXISTS {FP_TABLE} (band INTEGER, blob_id INTEGER, line INTEGER)")
            self.db.execute(f"CREATE INDEX IF NOT EXISTS {FP_TABLE}_band ON {FP_TABLE} (band)")
        except (OSError, sqlite3.Error):
            self.db = None

    def get(self, blob: str) -> dict | None:
        if self.db is None:
            return None
        try:
            row = self.db.execute("SELECT data FROM facts WHERE blob = ? AND schema = ?", (blob, SCHEMA)).fetchone()
        except sqlite3.Error:
            return None
        return json.loads(zlib.decompress(row[0])) if row else None

    def put(self, blob: str, data: dict) -> None:
        if self.db is None:
            return
        try:
            self.db.execute("INSERT OR REPLACE INTO facts VALUES (?, ?, ?)",
                            (blob, SCHEMA, zlib.compress(json.dumps(data).encode(), 3)))
        except sqlite3.Error:
            pass

    def has_fingerprints(self, blob: str) -> bool:
        if self.db is None:
            return False
        try:
            return self.db.execute(f"SELECT 1 FROM {FP_TABLE}_blobs WHERE blob = ?", (blob,)).fetchone() is not None
        except sqlite3.Error:
            return False

    def put_fingerprints(self, blob: str, rows: list[tuple[int, list[int]]]) -> None:
        """``rows``: (line of a function's name, its band keys), as fingerprint.function_bands gives."""
        if self.db is None:
            return
        try:
            self.db.execute("BEGIN")
            cur = self.db.execute(f"INSERT OR IGNORE INTO {FP_TABLE}_blobs (blob) VALUES (?)", (blob,))
            if cur.rowcount:
                blob_id = cur.lastrowid
                self.db.executemany(f"INSERT INTO {FP_TABLE} VALUES (?, ?, ?)",
                                    [(_signed(band), blob_id, line) for line, keys in rows for band in keys])
            self.db.execute("COMMIT")
        except sqlite3.Error:
            try:
                self.db.execute("ROLLBACK")
            except sqlite3.Error:
                pass

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
        cached = self.get(blob)
        if cached is not None:
            self.hits += 1
            facts = FileFacts.from_dict(cached)
            facts.path = path
            for group in (facts.functions, facts.prototypes, facts.calls, facts.values, facts.exports, facts.structs):
                for item in group:
                    item.file = path
            return facts
        data = tree.read(path)
        if data is None:
            return None
        self.misses += 1
        facts = extract(data, path)
        self.put(blob, facts.to_dict())
        return facts

    def close(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None
