"""Lost side effects: which callees have an effect (the fixtures' findings are in
tests/test_check_fixtures.py)."""
from __future__ import annotations

from reviewbot.checks.lost_side_effects import effect_of


def test_only_listed_effects_count():
    assert effect_of("file_update_time") == "updates the file's mtime/ctime"
    assert effect_of("spin_unlock_irqrestore") == "releases a lock"
    assert effect_of("vma_pages") is None and effect_of("get_page") is None
