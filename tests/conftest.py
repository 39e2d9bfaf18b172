"""Shared test helpers: where ../shared is, skipping cleanly when it is absent, and an environment
of the tests' own: a developer's ~/.config/reviewbot, git config, caches and GIT_*/REVIEWBOT_*
variables never change a result (as b4's tests isolate HOME, the XDG dirs and git config)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
# REVIEWBOT_SHARED: a worktree elsewhere than beside ../shared can still run the corpus tests
SHARED = Path(os.environ.get("REVIEWBOT_SHARED") or REPO.parent / "shared")
CORPUS = SHARED / "corpus"
SEEDS = SHARED / "seeds"
# The whole Linux tree bench/linux_tree.py sets up, in the real home (read only): found before the
# tests' own HOME replaces it.
LINUX = Path.home() / ".cache/reviewbot/linux-6.1"

# Set by git when the tests run from a hook (GIT_DIR, GIT_INDEX_FILE...) or by the developer
# (REVIEWBOT_RULES, REVIEWBOT_CACHE_DIR): dropped for the whole session, before any test module
# reads them at import.
for _name in [n for n in os.environ if n.startswith(("GIT_", "REVIEWBOT_"))]:
    del os.environ[_name]


@pytest.fixture(autouse=True)
def own_home(tmp_path_factory, monkeypatch) -> Path:
    """A fresh, empty HOME and XDG dirs for every test, and no global or system git config; set in
    os.environ, so subprocesses the test starts (the CLI, git) get them too."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for name, sub in (("XDG_CONFIG_HOME", ".config"), ("XDG_CACHE_HOME", ".cache"), ("XDG_DATA_HOME", ".local/share"),
                      ("XDG_STATE_HOME", ".local/state")):
        monkeypatch.setenv(name, str(home / sub))
    for name in ("XDG_CONFIG_DIRS", "XDG_DATA_DIRS"):  # system-wide config, e.g. /etc/xdg/reviewbot
        monkeypatch.setenv(name, str(home / "xdg-system"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # tests that commit need an identity, which the developer's ~/.gitconfig used to give
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Reviewbot Tests")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "tests@reviewbot.invalid")
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
