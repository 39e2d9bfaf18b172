"""`reviewbot archive` on a real Dask LocalCluster of 2 worker processes: the same findings as the
sequential loop, nothing read from a worker's home directory, a worker killed mid-run costs no
series and doubles none, and a second run over the same DIR does no review work."""
from __future__ import annotations

import json
import logging
import os
import signal

import pytest

from reviewbot.archive.runner import run_archive
from reviewbot.archive.sources import load_items
from reviewbot.archive.store import read_results
from reviewbot.archive.task import build_context
from tests.bot_util import mbox_of
from tests.conftest import FIXTURES
from tests.pack_util import pack_findings, pack_setup, patch_mail, user_config_names, write_pack

distributed = pytest.importorskip("distributed")

MINI = FIXTURES / "trees/mini-linux"
CORPUS_MBOXES = ["patchew/data/0004-multiple-patch-reviewed.mbox", "patchew/data/0009-obsolete-by.mbox",
                 "patchew/data/0020-libvirt.mbox", "patchwork/series/base-cover-letter.mbox"]


@pytest.fixture(scope="module")
def poisoned_home(tmp_path_factory):
    """A worker HOME whose reviewbot config would disable every rule that fires on the input."""
    home = tmp_path_factory.mktemp("worker-home")
    (home / ".config/reviewbot").mkdir(parents=True)
    (home / ".config/reviewbot/reviewbot.toml").write_text(
        'disable = ["RB-API-CALLER", "RB0001", "RB0101", "RB-APPLY", "RB0103", "RB0104"]\n')
    # and a pack of its own that would flag every added line of C
    write_pack(home / ".config/reviewbot/packs/worker-only", "worker-only", ["*"], ("RB9901", ";"))
    return home


@pytest.fixture(scope="module")
def cluster(poisoned_home):
    env = {"HOME": str(poisoned_home), "XDG_CONFIG_HOME": str(poisoned_home / ".config"),
           "XDG_CACHE_HOME": str(poisoned_home / ".cache"), "REVIEWBOT_CACHE_DIR": str(poisoned_home / "rb-cache")}
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                  silence_logs=logging.ERROR, env=env) as cluster:
        yield cluster


@pytest.fixture(scope="module")
def mailbox(tmp_path_factory):
    """The bundled series (v2 and v3) and a few corpus threads, as one mbox."""
    from tests.conftest import CORPUS

    parts = [p.read_bytes() for p in sorted((FIXTURES / "series").glob("*/*.patch"))]
    if CORPUS.is_dir():
        parts += [(CORPUS / name).read_bytes() for name in CORPUS_MBOXES]
    path = tmp_path_factory.mktemp("mail") / "archive.mbox"
    path.write_bytes(b"".join(p if p.endswith(b"\n") else p + b"\n" for p in parts))
    return path


def _by_key(out_dir) -> dict[str, tuple]:
    lines = list(read_results(out_dir / "results.jsonl"))
    keys = [r["key"] for r in lines]
    assert len(keys) == len(set(keys)), "a series was written twice"
    return {r["key"]: (r["subject"], r["version"], r["status"], r["findings"], r["skipped"]) for r in lines}


@pytest.fixture(scope="module")
def sequential(mailbox, tmp_path_factory):
    out = tmp_path_factory.mktemp("seq")
    items = load_items(f"mbox:{mailbox}", str(MINI), all_versions=True)
    run_archive(items, build_context(str(MINI)), out)
    return _by_key(out)


def test_dask_run_gives_the_sequential_findings_and_reads_no_worker_home(cluster, mailbox, sequential, tmp_path,
                                                                          poisoned_home):
    client = distributed.Client(cluster)
    try:
        # the poison works where the workers run: had they read their own config, rules would be off
        seen = client.run(lambda: sorted(__import__("reviewbot.config").config.load_config().disabled))
        assert all("RB-API-CALLER" in disabled for disabled in seen.values())
    finally:
        client.close()
    items = load_items(f"mbox:{mailbox}", str(MINI), all_versions=True)
    stats = run_archive(items, build_context(str(MINI)), tmp_path / "out", scheduler=cluster.scheduler_address)
    from tests.conftest import CORPUS

    # the bundled v2 and v3, and the corpus threads when ../shared is there
    assert stats.reviewed == len(sequential) >= (3 if CORPUS.is_dir() else 2) and not stats.lost
    assert _by_key(tmp_path / "out") == sequential
    assert sum(len(v[3]) for v in sequential.values()) > 0
    assert sorted(p.name for p in poisoned_home.rglob("*")) == [
        ".config", "RB9901-worker-only.yaml", "pack.yaml", "packs", "reviewbot", "reviewbot.toml", "worker-only"]

    again = run_archive(items, build_context(str(MINI)), tmp_path / "out", scheduler=cluster.scheduler_address)
    assert (again.reviewed, again.already) == (0, len(items))


def test_dask_workers_run_the_drivers_packs_and_none_of_their_own(cluster, tmp_path, own_home):
    """The shipped packs, the tree's, the one the driver's reviewbot.toml names and the driver
    user's reach the workers as data: the same pack findings as the sequential run."""
    tree, site, expected = pack_setup(tmp_path, own_home)
    user_config_names(own_home, site)
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(mbox_of([patch_mail()]))
    items = load_items(f"mbox:{mbox}", str(tree))
    run_archive(items, build_context(str(tree), use_cache=False), tmp_path / "seq")
    stats = run_archive(items, build_context(str(tree), use_cache=False), tmp_path / "dask",
                        scheduler=cluster.scheduler_address)
    assert stats.reviewed == 1 and not stats.lost
    (on_dask,) = read_results(tmp_path / "dask/results.jsonl")
    (sequential,) = read_results(tmp_path / "seq/results.jsonl")
    assert pack_findings(on_dask["findings"]) == pack_findings(sequential["findings"]) == expected
    assert on_dask["findings"] == sequential["findings"]


def test_a_worker_killed_mid_run_loses_and_doubles_nothing(cluster, mailbox, sequential, tmp_path):
    killed: list[int] = []

    def kill_a_busy_worker(_record, client) -> None:
        if killed:
            return
        busy = [addr for addr, keys in client.processing().items() if keys]
        if busy:
            pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    items = load_items(f"mbox:{mailbox}", str(MINI), all_versions=True)
    stats = run_archive(items, build_context(str(MINI)), tmp_path / "out", scheduler=cluster.scheduler_address,
                        on_result=kill_a_busy_worker)
    assert killed, "no worker had work when the first result came back"
    assert not stats.lost
    assert _by_key(tmp_path / "out") == sequential


def test_cli_on_a_scheduler_prints_the_dashboard(cluster, mailbox, tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "reviewbot", "archive", f"mbox:{mailbox}", "--tree", str(MINI),
                           "-o", str(tmp_path / "out"), "--scheduler", cluster.scheduler_address, "--no-cache"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert f"dask: scheduler {cluster.scheduler_address}, dashboard http://127.0.0.1:" in proc.stderr
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["series"] == len(list(read_results(tmp_path / "out/results.jsonl")))


def test_cli_on_a_local_cluster_says_one_line_on_stderr_and_no_traceback(mailbox, tmp_path):
    """--dask starts and stops its own LocalCluster: stderr holds the dask line and the progress, never
    the workers' shutdown noise (a heartbeat into a closing scheduler logs a traceback at ERROR)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "reviewbot", "archive", f"mbox:{mailbox}", "--tree", str(MINI),
                           "-o", str(tmp_path / "out"), "--dask", "--workers", "2", "--no-cache"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "dask: local cluster of 2 workers, dashboard http://127.0.0.1:" in proc.stderr
    assert "Traceback" not in proc.stderr and " - ERROR - " not in proc.stderr, proc.stderr


def test_index_on_dask_workers_stores_what_the_process_pool_stores(cluster, tmp_path):
    """Workers parse and read the blobs of a git tree themselves; the driver alone writes the cache."""
    from reviewbot.c.cache import FactsCache
    from reviewbot.c.index import index_tree
    from reviewbot.c.tree import open_tree
    from reviewbot.cluster import ClientPool
    from tests.archive_util import make_history

    repo = make_history(tmp_path)
    local, on_dask = FactsCache(tmp_path / "local.sqlite3"), FactsCache(tmp_path / "dask.sqlite3")
    expected = index_tree(open_tree(repo), local, jobs=1, fingerprints=True)
    client = distributed.Client(cluster)
    try:
        got = index_tree(open_tree(repo), on_dask, pool=ClientPool(client), fingerprints=True)
    finally:
        client.close()
    assert (got.files, got.parsed, got.functions, got.calls) == (expected.files, expected.parsed,
                                                                 expected.functions, expected.calls)
    assert got.parsed == got.files == 6
    assert on_dask.counts() == local.counts()
    assert on_dask.fingerprinted() == local.fingerprinted() != set()
