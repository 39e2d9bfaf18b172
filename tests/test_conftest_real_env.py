"""The whole-tree tests must not be skipped because the tests' own HOME replaced the real one."""
from __future__ import annotations

from pathlib import Path

import conftest as pytest_conftest

from tests import conftest as imported_conftest


def test_linux_tree_path_is_the_real_homes_whichever_way_conftest_was_imported():
    assert imported_conftest is not pytest_conftest  # the two imports this guards against
    assert imported_conftest.LINUX == pytest_conftest.LINUX
    assert not str(pytest_conftest.LINUX).startswith(str(Path.home()))  # not under the tests' own HOME
