"""Shared test helpers: where ../shared is, skipping cleanly when it is absent, and an environment
of the tests' own: a developer's ~/.config/reviewbot, git config, caches and GIT_*/REVIEWBOT_*
variables never change a result (as b4's tests isolate HOME, the XDG dirs and git config)."""
from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
# REVIEWBOT_SHARED: a worktree elsewhere than beside ../shared can still run the corpus tests
SHARED = Path(os.environ.get("REVIEWBOT_SHARED") or REPO.parent / "shared")
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"
# This file is imported twice: by pytest as `conftest` and by test modules as `tests.conftest`, the
# second time after the isolation below replaced HOME and dropped REVIEWBOT_*. The second import takes
# what came from the caller's real environment from the first, and isolates nothing again.
_FIRST = next((m for name, m in list(sys.modules.items()) if name in ("conftest", "tests.conftest")
               and name != __name__ and getattr(m, "__file__", None) == __file__), None)

# The whole Linux tree bench/linux_tree.py sets up, in the real home (read only).
LINUX = _FIRST.LINUX if _FIRST else Path.home() / ".cache/reviewbot/linux-6.1"

# REVIEWBOT_UPDATE_GOLDEN=1 (or pytest --update-golden): golden-file tests rewrite their expected files
# instead of comparing, when a change of output is intended; read before the loop below drops it.
UPDATE_GOLDEN = _FIRST.UPDATE_GOLDEN if _FIRST else os.environ.get("REVIEWBOT_UPDATE_GOLDEN") == "1"

# Set by git when the tests run from a hook (GIT_DIR, GIT_INDEX_FILE...) or by the developer
# (REVIEWBOT_RULES, REVIEWBOT_CACHE_DIR): dropped for the whole session, before any test module
# reads them at import.
for _name in [n for n in os.environ if n.startswith(("GIT_", "REVIEWBOT_"))]:
    del os.environ[_name]


def _isolate(home: Path, setenv) -> None:
    """HOME and the XDG dirs inside ``home``, no global or system git config (set through ``setenv``,
    so subprocesses inherit it)."""
    setenv("HOME", str(home))
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share"),
                      ("XDG_STATE_HOME", ".local/state")):
        setenv(name, str(home / sub))
    for name in ("XDG_CONFIG_DIRS", "XDG_DATA_DIRS"):  # system-wide config, e.g. /etc/xdg/reviewbot
        setenv(name, str(home / "xdg-system"))
    setenv("GIT_CONFIG_GLOBAL", os.devnull)
    setenv("GIT_CONFIG_NOSYSTEM", "1")
    # tests that commit need an identity, which the developer's ~/.gitconfig used to give
    for role in ("AUTHOR", "COMMITTER"):
        setenv(f"GIT_{role}_NAME", "Reviewbot Tests")
        setenv(f"GIT_{role}_EMAIL", "tests@reviewbot.invalid")


# For the whole session too: module- and session-scoped fixtures run before any function's own_home.
if _FIRST is None:
    _SESSION_HOME = Path(tempfile.mkdtemp(prefix="reviewbot-tests-home-"))
    atexit.register(shutil.rmtree, _SESSION_HOME, ignore_errors=True)
    _isolate(_SESSION_HOME, os.environ.__setitem__)


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite golden files (fixtures' expected findings, tests/golden) from today's output")


@pytest.fixture
def update_golden(request) -> bool:
    return UPDATE_GOLDEN or request.config.getoption("--update-golden")


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch) -> Path:
    """A fresh, empty HOME and XDG dirs for every test, and no global or system git config; set in
    os.environ, so subprocesses the test starts (the CLI, git) get them too."""
    home = tmp_path_factory.mktemp("home")
    _isolate(home, monkeypatch.setenv)
    return home


@pytest.fixture
def corpus() -> Path:
    """../shared/corpus, or skip the test when this checkout has no ../shared beside it."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not present")
    return CORPUS


@pytest.fixture
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not present")
    return SEEDS


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus is not present")
