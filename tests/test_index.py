"""`reviewbot index`: every C file into the parse cache, then served from it."""
from __future__ import annotations

from reviewbot.c.cache import FactsCache
from reviewbot.c.index import index_tree
from reviewbot.c.tree import DirTree
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"


def test_index_then_warm_cache(tmp_path):
    cache = FactsCache(tmp_path / "facts.sqlite3")
    seen = []
    cold = index_tree(DirTree(MINI), cache, jobs=2, progress=lambda done, total: seen.append((done, total)))
    assert (cold.files, cold.parsed) == (6, 6)  # 5 .c files and include/linux/mm.h
    assert seen[-1] == (6, 6)
    warm = index_tree(DirTree(MINI), cache, jobs=2)
    assert (warm.files, warm.parsed) == (6, 0)
    assert (warm.functions, warm.calls) == (cold.functions, cold.calls)
    assert cold.functions > 60 and cold.peak_rss_mb > 0
    facts = cache.facts(DirTree(MINI), "mm/memory.c")
    assert facts.function("vmf_insert_mixed") is not None and cache.hits == 1
