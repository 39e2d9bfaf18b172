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


def test_index_of_a_git_revision_reads_blobs_in_the_workers(tmp_path):
    """A git tree at a revision other than HEAD (HEAD even unborn-looking for the workers): the
    workers read the blobs themselves; facts and fingerprints land under the blob ids."""
    import shutil
    import subprocess

    from reviewbot.c.tree import GitTree

    repo = tmp_path / "linux"
    shutil.copytree(MINI, repo)
    env = {"GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@b.org", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@b.org", "HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    for args in (["init", "-q", "-b", "master"], ["add", "."], ["commit", "-qm", "6.1 excerpt"], ["tag", "base"],
                 ["rm", "-q", "mm/memory.c"], ["commit", "-qm", "drop it"]):
        subprocess.run(["git", "-C", str(repo), *args], check=True, env=env, capture_output=True)
    cache = FactsCache(tmp_path / "facts.sqlite3")
    tree = GitTree(repo, "base")
    cold = index_tree(tree, cache, jobs=2, fingerprints=True)
    assert (cold.files, cold.parsed) == (6, 6)
    assert cache.fingerprinted_blobs() == 6
    assert cache.facts(tree, "mm/memory.c").function("vmf_insert_mixed") is not None and cache.hits == 1
    assert index_tree(GitTree(repo, "base"), cache, jobs=2).parsed == 0


def test_index_without_fingerprints_leaves_the_near_copy_index_to_a_later_run(tmp_path):
    """The default index is facts only; --fingerprints later fingerprints from the cached facts,
    parsing nothing again, and stores what a one-pass index stores."""
    cache = FactsCache(tmp_path / "facts.sqlite3")
    facts_only = index_tree(DirTree(MINI), cache, jobs=1)
    assert (facts_only.parsed, cache.fingerprinted_blobs()) == (6, 0)
    assert index_tree(DirTree(MINI), cache, jobs=1).parsed == 0  # warm for facts
    with_fp = index_tree(DirTree(MINI), cache, jobs=1, fingerprints=True)
    assert with_fp.parsed == 0  # the .c files are fingerprinted from their facts; the header needs none
    assert cache.fingerprinted_blobs() == 5 and with_fp.functions == facts_only.functions
    one_pass = FactsCache(tmp_path / "one-pass.sqlite3")
    index_tree(DirTree(MINI), one_pass, jobs=1, fingerprints=True)
    rows = "SELECT b.blob, f.band, f.line FROM fp1 f JOIN fp1_blobs b ON b.id = f.blob_id ORDER BY 1, 2, 3"
    assert cache.db.execute(rows).fetchall() == one_pass.db.execute(rows).fetchall() != []


def test_the_first_review_that_needs_the_near_copy_index_of_an_indexed_tree_completes_it(tmp_path):
    """ensure_fingerprints: nothing for a cache that holds a few files (reviews fill those), the whole
    tree's C files once the tree is indexed, then only what is new."""
    from reviewbot.c.index import ensure_fingerprints
    from reviewbot.c.tree import OverlayTree

    tree = DirTree(MINI)
    blob_paths = {tree.blob_id(p): p for p in tree.files() if p.endswith(".c")}
    cache = FactsCache(tmp_path / "facts.sqlite3")
    cache.facts(tree, "mm/memory.c")  # what a review leaves behind
    said: list[str] = []
    assert ensure_fingerprints(tree, cache, blob_paths, said.append) == 0 and cache.fingerprinted_blobs() == 0
    index_tree(tree, cache, jobs=1)
    assert ensure_fingerprints(tree, cache, blob_paths, said.append) == 5 == cache.fingerprinted_blobs()
    assert ensure_fingerprints(tree, cache, blob_paths, said.append) == 0
    after = OverlayTree(tree, {"mm/memory.c": tree.read("mm/memory.c") + b"\nstatic int added(void) { return 0; }\n"})
    cache.facts(after, "mm/memory.c")
    new_paths = {after.blob_id(p): p for p in after.files() if p.endswith(".c")}
    # the patched file is no part of the tree: not stored in its near-copy index
    assert ensure_fingerprints(after, cache, new_paths, said.append) == 0 and cache.fingerprinted_blobs() == 5
    assert said == []  # a handful of files is not worth a line on stderr


def test_a_worker_reads_the_cache_without_undoing_a_bulk_fill(tmp_path):
    """During a first fill the band index is dropped and built once at the end; a worker opening the
    cache the usual way created it again (its schema statements), so it was kept up row by row."""
    cache = FactsCache(tmp_path / "facts.sqlite3")
    index_tree(DirTree(MINI), cache, jobs=1)

    def band_index() -> list:
        return [r[0] for r in cache.db.execute("SELECT name FROM sqlite_master WHERE type = 'index' "
                                               "AND name LIKE 'fp1%'")]
    blob = DirTree(MINI).blob_id("mm/memory.c")
    with cache.bulk_fingerprints():
        assert band_index() == []
        reader = FactsCache.reader(tmp_path / "facts.sqlite3")
        assert reader.function_spans(blob) and not reader.writable
        assert band_index() == []
    assert band_index() == ["fp1_band"]
