"""Lost side effects: a changed function that stops reaching file_update_time() and friends."""
from __future__ import annotations

from reviewbot.c.apply import apply_series
from reviewbot.c.tree import DirTree
from reviewbot.checks.lost_side_effects import check_step, effect_of
from reviewbot.ingest.load import load_mail
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"


def _steps(path):
    (group,) = load_mail(path).groups
    return apply_series(DirTree(MINI), group.newest.patches)


def test_write_fault_path_that_skips_the_mtime_update_is_reported():
    (step,) = _steps(FIXTURES / "checks/lost-side-effects/skip-file-update-time.patch")
    (finding,) = check_step(step)
    assert (finding.file, finding.line, finding.rule, finding.patch) == ("fs/ext4/file.c", 5, "RB-LOST-EFFECT", 1)
    assert finding.message == ("ext4_dax_huge_fault() no longer calls file_update_time(), which updates the "
                               "file's mtime/ctime (reached before via ext4_dax_huge_fault() -> file_update_time())")


def test_effect_still_reached_through_a_static_helper_is_not_lost():
    (step,) = _steps(FIXTURES / "checks/lost-side-effects/ok-moved-to-helper.patch")
    assert step.applied
    assert check_step(step) == []


def test_bundled_series_loses_nothing():
    steps = _steps(FIXTURES / "series/insert-pfn-mkwrite")
    assert [f for s in steps for f in check_step(s)] == []


def test_only_listed_effects_count():
    assert effect_of("file_update_time") == "updates the file's mtime/ctime"
    assert effect_of("spin_unlock_irqrestore") == "releases a lock"
    assert effect_of("vma_pages") is None and effect_of("get_page") is None
