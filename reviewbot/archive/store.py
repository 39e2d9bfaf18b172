"""DIR/results.jsonl: one JSON object per reviewed series, appended as each result arrives.

Each line is written whole and flushed to disk before the next result is taken, so a run killed
at any moment keeps every line it finished; a line cut short by the kill (no newline yet) is cut
off on the next open and its series reviewed again. Keys already present are never written twice.
"""
from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

RESULTS = "results.jsonl"


def read_results(path: Path) -> Iterator[dict]:
    """Every complete line of a results file (a torn last line is left out)."""
    if not path.is_file():
        return
    with path.open("rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break
            try:
                yield json.loads(raw)
            except ValueError:
                continue


class ResultsStore:
    def __init__(self, directory: Path):
        directory.mkdir(parents=True, exist_ok=True)
        self.path = directory / RESULTS
        self.done: set[str] = set()
        good = 0
        for raw in self._lines():
            if not raw.endswith(b"\n"):
                break
            good += len(raw)
            try:
                self.done.add(json.loads(raw)["key"])
            except (ValueError, KeyError, TypeError):
                continue  # a line someone edited by hand: kept, its series reviewed again
        if self.path.is_file() and self.path.stat().st_size != good:
            with self.path.open("r+b") as fh:  # drop what a killed run left half-written
                fh.truncate(good)
        self._fh = self.path.open("ab")

    def _lines(self) -> Iterator[bytes]:
        if self.path.is_file():
            with self.path.open("rb") as fh:
                yield from fh

    def add(self, record: dict) -> bool:
        """Append ``record`` unless its key is done; False when it was a duplicate."""
        if record["key"] in self.done:
            return False
        self._fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.done.add(record["key"])
        return True

    def close(self) -> None:
        self._fh.close()
