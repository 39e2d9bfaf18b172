"""`reviewbot index` workers never outlive the index process, however it dies."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.fixture
def big_tree(tmp_path):
    """1,500 distinct kernel C files (mini-linux's, each made unique): a few seconds of parsing."""
    sources = [p for p in MINI.rglob("*.c")]
    tree = tmp_path / "tree"
    for n in range(1500):
        src = sources[n % len(sources)]
        dest = tree / f"d{n // 100}" / f"{src.stem}_{n}.c"
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(src.read_bytes() + f"\nint unique_{n};\n".encode())
    return tree


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_workers_exit_when_the_index_process_is_killed(big_tree, tmp_path, how):
    env = dict(os.environ, REVIEWBOT_CACHE_DIR=str(tmp_path / "cache"), NO_COLOR="1")
    proc = subprocess.Popen([sys.executable, "-m", "reviewbot", "index", "--tree", str(big_tree), "-j", "2"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    workers: set[int] = set()
    deadline = time.monotonic() + 60
    while len(workers) < 2 and time.monotonic() < deadline and proc.poll() is None:
        workers = _children(proc.pid)
        time.sleep(0.05)
    assert len(workers) >= 2, "the index run ended before its workers could be seen"
    proc.send_signal(how)
    proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while any(_alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = [w for w in workers if _alive(w)]
    for w in left:
        os.kill(w, signal.SIGKILL)
    assert left == []
