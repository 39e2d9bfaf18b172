"""MinHash fingerprints of function bodies (the tree-wide near-copy index)."""
from __future__ import annotations

import re

from reviewbot.c import fingerprint as fp
from reviewbot.c.apply import apply_series
from reviewbot.c.cache import FactsCache
from reviewbot.c.extract import extract
from reviewbot.c.index import index_tree
from reviewbot.c.tree import DirTree
from reviewbot.checks import near_duplicate
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"

# fs/dax.c's dax_fault_cow_page() of Linux 6.1, as mini-linux has it, and variants of it.
_DAX = (MINI / "fs/dax.c").read_bytes()
_COW_FN = extract(_DAX, "fs/dax.c").function("dax_fault_cow_page")
COW = _DAX[_COW_FN.body_start:_COW_FN.body_end]
RENAMED = re.sub(rb"\bret\b", b"rc", re.sub(rb"\berror\b", b"err", COW.replace(b"vaddr", b"addr"))).replace(
    b"WARN_ON_ONCE(1)", b"WARN_ON_ONCE(true)")
OTHER = (MINI / "mm/memory.c").read_bytes()


def test_local_names_literals_and_layout_do_not_change_the_signature():
    a, b, c = fp.signatures([COW, RENAMED, COW.replace(b"\n\t", b"\n    ") + b"/* trailing */"])
    assert fp.similarity(a, b) == 1.0 and fp.similarity(a, c) == 1.0
    assert fp.bands(a) == fp.bands(b)


def test_called_functions_are_kept_so_a_different_body_is_far():
    facts = extract(OTHER, "mm/memory.c")
    bodies = [OTHER[f.body_start:f.body_end] for f in facts.functions]
    sigs = [s for s in fp.signatures(bodies) if s is not None]
    (cow,) = fp.signatures([COW])
    assert len(sigs) >= 5 and max(fp.similarity(cow, s) for s in sigs) < 0.3
    edited = COW.replace(b"__SetPageUptodate(vmf->cow_page);", b"")
    assert fp.similarity(cow, fp.signatures([edited])[0]) > 0.6


def test_short_bodies_are_not_fingerprinted():
    assert fp.signatures([b"{\n\treturn vma->vm_flags & VM_SHARED;\n}"]) == [None]


def test_band_keys_are_stable_across_runs():
    """Keys are stored in the cache: a change to tokens, hashing or banding must rename FP_TABLE."""
    (sig,) = fp.signatures([COW])
    assert fp.bands(sig)[:2] == STABLE_BANDS


STABLE_BANDS = [3269605782, 1100007052917]


def test_a_copy_anywhere_in_the_tree_is_found_through_the_index(tmp_path, monkeypatch):
    """With the callee route off, only the fingerprint index can find fs/dax.c's twin for a function
    added to drivers/dax/device.c: nothing before indexing, the twin after (`reviewbot index` stores
    facts only: the first review that needs the near-copy index completes it)."""
    monkeypatch.setattr(near_duplicate, "CALLEES_TRIED", 0)
    (group,) = load_mail(FIXTURES / "checks/near-duplicate/copy-from-another-directory.patch").groups
    (step,) = apply_series(DirTree(MINI), group.newest.patches)
    cache = FactsCache(tmp_path / "facts.sqlite3")
    assert near_duplicate.check_step(step, cache) == []
    index_tree(DirTree(MINI), cache, jobs=1)
    assert cache.fingerprinted_blobs() == 0
    (finding,) = near_duplicate.check_step(step, cache)
    assert cache.fingerprinted_blobs() == 4  # every C file of the tree but the patched one
    assert finding.message.startswith("dev_dax_cow_fault() differs from dax_fault_cow_page() (fs/dax.c:89)")
    cache.close()


def test_index_entries_of_other_trees_do_not_take_the_places_of_this_trees_twins(tmp_path, monkeypatch):
    """The index keeps blobs of every tree and revision indexed into the cache; closer matches from
    those (here: three other versions of the new function itself) must not push fs/dax.c's twin out
    of the few compared token by token."""
    monkeypatch.setattr(near_duplicate, "CALLEES_TRIED", 0)
    monkeypatch.setattr(near_duplicate, "MAX_FINGERPRINT_TWINS", 1)
    (group,) = load_mail(FIXTURES / "checks/near-duplicate/copy-from-another-directory.patch").groups
    (step,) = apply_series(DirTree(MINI), group.newest.patches)
    cache = FactsCache(tmp_path / "facts.sqlite3")
    index_tree(DirTree(MINI), cache, jobs=1, fingerprints=True)
    change = step.changed["drivers/dax/device.c"]
    new = next(f for f in extract(change.after, "drivers/dax/device.c").functions if f.name == "dev_dax_cow_fault")
    (sig,) = fp.signatures([change.after[new.body_start:new.body_end]])
    for n in range(3):  # every band shared: closer than the twin
        cache.put_fingerprints(f"{n:040x}", [(new.line, fp.bands(sig))])
    (finding,) = near_duplicate.check_step(step, cache)
    assert finding.message.startswith("dev_dax_cow_fault() differs from dax_fault_cow_page() (fs/dax.c:89)")
