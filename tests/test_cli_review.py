"""`reviewbot review` and `reviewbot callers` end to end: the README's main job, JSON, bad input."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import FIXTURES

SERIES = FIXTURES / "series/insert-pfn-mkwrite"
MINI = FIXTURES / "trees/mini-linux"


def _run(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, NO_COLOR="1", REVIEWBOT_CACHE_DIR=os.environ.get("PYTEST_TMP", "/tmp") + "/rb-cache")
    return subprocess.run([sys.executable, "-m", "reviewbot", *args], capture_output=True, text=True, timeout=300,
                          env=env)


def test_readme_main_job_prints_the_missed_callers():
    proc = _run("review", str(SERIES), "--tree", str(MINI))
    assert proc.returncode == 1, proc.stderr
    assert "drivers/dax/device.c:133: error [RB-API-CALLER]" in proc.stdout
    assert "fs/cramfs/inode.c:425: error [RB-API-CALLER]" in proc.stdout
    assert "mm/memory.c:458: warning [RB0001] BUG_ON() added" in proc.stdout
    assert proc.stdout.rstrip().endswith("3 findings (2 errors, 1 warning) in 1 of 2 patches")
    assert "\x1b[" not in proc.stdout  # no colour when not a terminal


def test_review_json_shape_and_fail_on():
    proc = _run("review", str(SERIES), "--tree", str(MINI), "--format", "json", "--fail-on", "error")
    assert proc.returncode == 1
    data = json.loads(proc.stdout)
    assert set(data) >= {"findings", "base", "skipped"}
    assert data["base"] == str(MINI)
    first = data["findings"][0]
    assert {k: first[k] for k in ("file", "line", "rule", "severity", "patch")} == {
        "file": "drivers/dax/device.c", "line": 133, "rule": "RB-API-CALLER", "severity": "error", "patch": 1}


def test_callers_lists_definition_prototype_and_calls():
    proc = _run("callers", "vmf_insert_mixed", "--tree", str(MINI), "--format", "json")
    data = json.loads(proc.stdout)
    assert [(d["file"], d["line"]) for d in data["definitions"]] == [("mm/memory.c", 455)]
    assert [(p["file"], p["line"]) for p in data["prototypes"]] == [("include/linux/mm.h", 33)]
    assert sorted((c["file"], c["line"], c["caller"]) for c in data["calls"]) == [
        ("drivers/dax/device.c", 133, "__dev_dax_pte_fault"), ("fs/cramfs/inode.c", 425, "cramfs_physmem_mmap"),
        ("fs/dax.c", 62, "dax_load_hole"), ("fs/dax.c", 181, "dax_fault_iter")]


@pytest.mark.parametrize("args,message", [
    (["review", "nope.mbox", "--tree", str(MINI)], "no such file"),
    (["review", str(SERIES), "--tree", "/nonexistent/tree"], "no such directory"),
    (["review", str(SERIES), "--tree", str(MINI), "--base", "v6.1"], "needs a git tree"),
    (["callers", "not-a-name", "--tree", str(MINI)], "not a C identifier"),
])
def test_bad_input_is_one_line_exit_2(args, message):
    proc = _run(*args)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("reviewbot: error: ") and message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
