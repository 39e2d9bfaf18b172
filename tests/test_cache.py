"""The parse cache: keyed by blob id, versioned by schema, shared safely, never a cause of failure."""
from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from reviewbot.c import cache as cache_mod
from reviewbot.c.cache import FactsCache, cache_dir
from reviewbot.c.tree import DirTree, git_blob_id

INSERT_PFN = b"""\
// SPDX-License-Identifier: GPL-2.0-only
static vm_fault_t insert_pfn(struct vm_area_struct *vma, unsigned long addr,
			pfn_t pfn, pgprot_t prot, bool mkwrite)
{
	return VM_FAULT_NOPAGE;
}

vm_fault_t vmf_insert_pfn(struct vm_area_struct *vma, unsigned long addr, unsigned long pfn)
{
	return insert_pfn(vma, addr, __pfn_to_pfn_t(pfn, PFN_DEV), vma->vm_page_prot, false);
}
EXPORT_SYMBOL(vmf_insert_pfn);
"""


def _tree(tmp_path, files: dict[str, bytes]) -> DirTree:
    root = tmp_path / "tree"
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return DirTree(root)


def test_cache_dir_follows_reviewbot_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("REVIEWBOT_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert cache_dir() == tmp_path / "elsewhere"
    db = FactsCache()
    db.put("0" * 40, {"x": 1})
    db.close()
    assert (tmp_path / "elsewhere" / "facts.sqlite3").is_file()


def test_second_lookup_of_a_blob_is_a_hit_with_the_same_facts(tmp_path):
    tree = _tree(tmp_path, {"mm/memory.c": INSERT_PFN})
    db = FactsCache(tmp_path / "facts.sqlite3")
    cold = db.facts(tree, "mm/memory.c")
    warm = db.facts(tree, "mm/memory.c")
    assert (db.misses, db.hits) == (1, 1)
    assert warm.to_dict() == cold.to_dict()
    assert [p.name for p in warm.function("insert_pfn").sig.params][-1] == "mkwrite"
    assert [e.name for e in warm.exports] == ["vmf_insert_pfn"]


def test_same_blob_under_another_path_is_relabelled_with_that_path(tmp_path):
    tree = _tree(tmp_path, {"mm/memory.c": INSERT_PFN, "mm/copy.c": INSERT_PFN})
    db = FactsCache(tmp_path / "facts.sqlite3")
    db.facts(tree, "mm/memory.c")
    copy = db.facts(tree, "mm/copy.c")
    assert db.hits == 1  # keyed by content, not path
    assert copy.path == "mm/copy.c"
    assert {c.file for c in copy.calls} == {"mm/copy.c"}
    assert copy.function("vmf_insert_pfn").file == "mm/copy.c"


def test_rows_of_another_schema_version_are_ignored(tmp_path, monkeypatch):
    tree = _tree(tmp_path, {"mm/memory.c": INSERT_PFN})
    path = tmp_path / "facts.sqlite3"
    FactsCache(path).facts(tree, "mm/memory.c")
    monkeypatch.setattr(cache_mod, "SCHEMA", cache_mod.SCHEMA + 1)
    db = FactsCache(path)
    db.facts(tree, "mm/memory.c")
    assert (db.misses, db.hits) == (1, 0)


def test_absent_file_is_none_and_not_counted(tmp_path):
    db = FactsCache(tmp_path / "facts.sqlite3")
    assert db.facts(_tree(tmp_path, {}), "mm/memory.c") is None
    assert (db.misses, db.hits) == (0, 0)


def test_unusable_cache_location_only_costs_time(tmp_path):
    (tmp_path / "not-a-dir").write_text("a file where the cache folder should be")
    tree = _tree(tmp_path, {"mm/memory.c": INSERT_PFN})
    db = FactsCache(tmp_path / "not-a-dir" / "facts.sqlite3")
    assert db.db is None
    assert db.facts(tree, "mm/memory.c").function("insert_pfn") is not None
    # the same object keeps what it decoded last in memory; nothing reaches the disk, so another parses again
    assert db.facts(tree, "mm/memory.c") is not None and db.misses == 1
    again = FactsCache(tmp_path / "not-a-dir" / "facts.sqlite3")
    assert again.facts(tree, "mm/memory.c") is not None and again.misses == 1


def test_corrupt_database_file_is_bypassed(tmp_path):
    path = tmp_path / "facts.sqlite3"
    path.write_bytes(b"this is not an SQLite database" * 100)
    tree = _tree(tmp_path, {"mm/memory.c": INSERT_PFN})
    db = FactsCache(path)
    assert db.facts(tree, "mm/memory.c").function("vmf_insert_pfn") is not None


def test_disabled_cache_stores_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWBOT_CACHE_DIR", str(tmp_path / "c"))
    tree = _tree(tmp_path, {"mm/memory.c": INSERT_PFN})
    db = FactsCache(enabled=False)
    db.facts(tree, "mm/memory.c")
    assert not (tmp_path / "c").exists()


def _writer(path: str, first: int, count: int) -> None:
    db = FactsCache(cache_mod.Path(path))
    for i in range(first, first + count):
        db.put(git_blob_id(b"%d" % i), {"i": i})
    db.close()


def test_concurrent_writers_lose_no_rows(tmp_path):
    path = tmp_path / "facts.sqlite3"
    FactsCache(path).close()  # create the table once, as a first run would
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(path), n * 200, 200)) for n in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0, 0, 0]
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM facts2").fetchone()[0] == 600
    reader = FactsCache(path)
    assert reader.get(git_blob_id(b"599")) == {"i": 599}


def test_a_failed_write_in_a_transaction_loses_only_that_transaction(tmp_path):
    db = FactsCache(tmp_path / "facts.sqlite3")
    with db.transaction():
        db.put(git_blob_id(b"kept"), {"i": 1}, (1, 2, 0))
    with db.transaction():
        db.put(git_blob_id(b"lost"), {"i": 2})
        db.db.execute("INSERT INTO no_such_table VALUES (1)")  # an SQLite error: swallowed, rolled back
    assert db.get(git_blob_id(b"kept")) == {"i": 1} and db.get(git_blob_id(b"lost")) is None
    assert db.counts() == {git_blob_id(b"kept"): (1, 2, 0)}
    try:
        with db.transaction():
            db.put(git_blob_id(b"also lost"), {"i": 3})
            raise KeyError("a bug of ours")
    except KeyError:
        pass
    assert db.get(git_blob_id(b"also lost")) is None and not db.db.in_transaction


def _index(tree, cache_dir):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "reviewbot", "index", "--tree", str(tree), "-j", "1"],
                          capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, REVIEWBOT_CACHE_DIR=str(cache_dir), NO_COLOR="1"))


def test_a_damaged_cache_is_moved_aside_said_once_and_rebuilt(tmp_path):
    from tests.conftest import FIXTURES

    mini = FIXTURES / "trees/mini-linux"
    garbage = b"SQLite format 2\x00" + bytes(range(256)) * 64
    (tmp_path / "facts.sqlite3").write_bytes(garbage)
    first = _index(mini, tmp_path)
    assert first.returncode == 0, first.stderr
    (warning,) = first.stderr.strip().splitlines()
    assert warning.startswith(f"reviewbot: warning: the parse cache {tmp_path / 'facts.sqlite3'} was damaged "
                              "(file is not a database): moved to ")
    aside = Path(warning.split("moved to ", 1)[1].split(", building")[0])
    assert aside.parent == tmp_path and aside.read_bytes() == garbage
    second = _index(mini, tmp_path)
    assert second.stderr == "" and " (0 parsed now, 6 from the cache)" in second.stdout


def test_a_read_only_cache_is_read_and_said_so_once(tmp_path):
    import shutil
    import subprocess

    from tests.conftest import FIXTURES

    mini = FIXTURES / "trees/mini-linux"
    assert _index(mini, tmp_path).returncode == 0
    tree = tmp_path / "tree"
    shutil.copytree(mini, tree)
    (tree / "mm/extra.c").write_text("// SPDX-License-Identifier: GPL-2.0\nint extra(void)\n{\n\treturn 0;\n}\n")
    locked = [tmp_path, *tmp_path.glob("facts.sqlite3*")]
    if subprocess.run(["chattr", "+i", *map(str, locked)], capture_output=True).returncode != 0:
        pytest.skip("cannot make the cache immutable here (chattr +i needs root on ext4/xfs)")
    try:
        run = _index(tree, tmp_path)
    finally:
        subprocess.run(["chattr", "-i", *map(str, locked)], capture_output=True)
    assert run.returncode == 0, run.stderr
    (warning,) = run.stderr.strip().splitlines()
    assert warning.startswith(f"reviewbot: warning: the parse cache {tmp_path / 'facts.sqlite3'} is read-only (")
    assert warning.endswith("): read, but nothing new is stored")
    assert " (1 parsed now, 6 from the cache)" in run.stdout
