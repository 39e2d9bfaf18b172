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
