"""`reviewbot archive` without Dask: topic merges of a git history as series, results.jsonl that a
rerun or an interrupted run continues, and the aggregate report."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from reviewbot.archive import runner as runner_module
from reviewbot.archive.aggregate import aggregate
from reviewbot.archive.runner import Progress, run_archive
from reviewbot.archive.sources import git_topics, load_items
from reviewbot.archive.store import ResultsStore, read_results
from reviewbot.archive.task import build_context
from reviewbot.ingest.maintainers import Maintainers
from reviewbot.report.archive_report import render_markdown, render_svg
from tests.archive_util import git, make_history
from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
V3 = FIXTURES / "series/insert-pfn-mkwrite-v3"


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    return make_history(tmp_path_factory.mktemp("history"))


def test_each_first_parent_topic_merge_is_one_series(history):
    items = git_topics(str(history), "start..master")
    log = git(history, "log", "--format=%H %s", "start..master").splitlines()
    sha = {subject: s for s, subject in (line.split(" ", 1) for line in log)}
    assert [(i.subject, i.date, i.accepted) for i in items] == [
        ("Merge branch 'mkwrite'", "2025-02-03T10:00:00+00:00", True),
        ("Merge branch 'dax-hole'", "2025-03-05T10:00:00+00:00", True)]
    assert items[0].ids == [sha["mm: add a mkwrite parameter to vmf_insert_mixed()"],
                            sha["device-dax: pass mkwrite to vmf_insert_mixed()"],
                            sha["cramfs: pass mkwrite to vmf_insert_mixed()"]]
    assert items[0].base == git(history, "rev-parse", "start").strip()
    assert items[1].ids == [sha["dax: check the vma of a hole fault"]]
    assert items[1].base == git(history, "rev-parse", "master^1").strip()  # after the README commit
    assert items[0].files == {1: ["fs/dax.c", "include/linux/mm.h", "mm/memory.c"], 2: ["drivers/dax/device.c"],
                              3: ["fs/cramfs/inode.c"]}
    # the resume key is made of git's own patch-ids
    shown = git(history, "show", items[1].ids[0])
    assert items[1].patch_ids == [git(history, "patch-id", "--stable", input=shown).split()[0]]
    assert git_topics(str(history), "start..master", since=None,
                      until=__import__("datetime").datetime.fromisoformat("2025-03-01T00:00:00+00:00"))[0].ids \
        == items[0].ids


def _findings(out_dir) -> dict[str, list[tuple]]:
    return {r["subject"]: [(f["file"], f["line"], f["rule"], f["patch"]) for f in r["findings"]]
            for r in read_results(out_dir / "results.jsonl")}


def test_git_history_archive_run_and_rerun_does_no_work(history, tmp_path, monkeypatch):
    items = load_items("git:start..master", str(history))
    ctx = build_context(str(history))
    stats = run_archive(items, ctx, tmp_path / "out")
    assert (stats.total, stats.reviewed, stats.already) == (2, 2, 0)
    assert _findings(tmp_path / "out") == {
        "Merge branch 'mkwrite'": [("drivers/dax/device.c", 133, "RB-API-CALLER", 1),
                                   ("fs/cramfs/inode.c", 425, "RB-API-CALLER", 1),
                                   ("mm/memory.c", 458, "RB0001", 1)],
        "Merge branch 'dax-hole'": [("(commit message)", 0, "RB0101", 1), ("fs/dax.c", 62, "RB0001", 1)]}
    first = (tmp_path / "out/results.jsonl").read_bytes()
    line = json.loads(first.splitlines()[0])
    assert line["commits"] == items[0].ids and line["status"] == "reviewed" and line["skipped"] == []
    assert line["base"] == items[0].base and line["seconds"] > 0

    def no_review(*_args):
        raise AssertionError("a rerun reviewed a series again")

    monkeypatch.setattr(runner_module, "review_item", no_review)
    again = run_archive(load_items("git:start..master", str(history)), build_context(str(history)), tmp_path / "out")
    assert (again.reviewed, again.already) == (0, 2)
    assert (tmp_path / "out/results.jsonl").read_bytes() == first


def test_findings_are_those_of_review_format_json(history, tmp_path):
    items = load_items("git:start..master", str(history))
    run_archive(items[:1], build_context(str(history)), tmp_path / "out")
    env = dict(os.environ, REVIEWBOT_CACHE_DIR=str(tmp_path / "cache"))
    proc = subprocess.run([sys.executable, "-m", "reviewbot", "review", f"{items[0].base}..{items[0].tip}",
                           "--tree", str(history), "--format", "json"], capture_output=True, text=True, env=env)
    assert json.loads(proc.stdout)["findings"] == next(read_results(tmp_path / "out/results.jsonl"))["findings"]


def test_an_interrupted_run_keeps_its_lines_and_redoes_only_the_torn_one(history, tmp_path):
    items = load_items("git:start..master", str(history))
    ctx = build_context(str(history))
    run_archive(items, ctx, tmp_path / "out")
    whole = (tmp_path / "out/results.jsonl").read_bytes()
    first_line = whole.splitlines(keepends=True)[0]
    (tmp_path / "out/results.jsonl").write_bytes(first_line + whole.splitlines(keepends=True)[1][:40])
    stats = run_archive(items, ctx, tmp_path / "out")
    assert (stats.reviewed, stats.already) == (1, 1)
    lines = [json.loads(x) for x in (tmp_path / "out/results.jsonl").read_bytes().splitlines()]
    assert [x["subject"] for x in lines] == ["Merge branch 'mkwrite'", "Merge branch 'dax-hole'"]
    assert sorted(x["key"] for x in lines) == sorted(ResultsStore(tmp_path / "out").done)


def test_cli_archive_writes_results_and_report(history, tmp_path):
    env = dict(os.environ, NO_COLOR="1", HOME=str(tmp_path / "home"))
    proc = subprocess.run([sys.executable, "-m", "reviewbot", "archive", "git:start..master", "--tree", str(history),
                           "-o", str(tmp_path / "out")], capture_output=True, text=True, env=env)
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout.startswith("2 series: 2 reviewed now, 0 done before; 5 findings in 2 series;")
    report = json.loads((tmp_path / "out/report.json").read_text())
    assert report["per_rule"] == [{"rule": "RB-API-CALLER", "findings": 2, "series": 1},
                                  {"rule": "RB0001", "findings": 2, "series": 2},
                                  {"rule": "RB0101", "findings": 1, "series": 1}]
    assert report["per_month"] == {"2025-02": {"RB-API-CALLER": 2, "RB0001": 1},
                                   "2025-03": {"RB0001": 1, "RB0101": 1}}
    assert report["per_subsystem"] == [{"subsystem": "FILESYSTEM DIRECT ACCESS (DAX)", "findings": 2},
                                       {"subsystem": "CRAMFS FILESYSTEM", "findings": 1},
                                       {"subsystem": "DEVICE DIRECT ACCESS (DAX)", "findings": 1},
                                       {"subsystem": "MEMORY MANAGEMENT", "findings": 1}]
    assert report["rules_on_accepted"] == [{"rule": "RB-API-CALLER", "findings": 2, "per_accepted_series": 1.0},
                                           {"rule": "RB0001", "findings": 2, "per_accepted_series": 1.0},
                                           {"rule": "RB0101", "findings": 1, "per_accepted_series": 0.5}]
    assert [t["subject"] for t in report["top_series"]] == ["Merge branch 'mkwrite'", "Merge branch 'dax-hole'"]
    md = (tmp_path / "out/report.md").read_text()
    assert "| FILESYSTEM DIRECT ACCESS (DAX) | 2 |" in md
    assert "![findings per month per rule](findings-per-month.svg)" in md
    svg = (tmp_path / "out/findings-per-month.svg").read_text()
    assert svg.count("<rect x=") == 4 + 3  # 2 + 2 stacked segments, 3 legend boxes
    again = subprocess.run([sys.executable, "-m", "reviewbot", "archive", "git:start..master", "--tree",
                            str(history), "-o", str(tmp_path / "out")], capture_output=True, text=True, env=env)
    assert again.stdout.startswith("2 series: 0 reviewed now, 2 done before; 5 findings in 2 series;")


@pytest.mark.parametrize("args,message", [
    (["git:start", "--tree", str(MINI)], "give a range A..B"),
    (["git:a..b", "--tree", str(MINI)], "needs --tree to be a git repository"),
    (["nope.mbox", "--tree", str(MINI)], "no such file or directory"),
    (["git:a..b", "--tree", "/nonexistent"], "no such directory"),
    (["git:a..b", "--tree", str(MINI), "--since", "last week"], "give a date as YYYY-MM-DD"),
])
def test_bad_archive_input_is_one_line_exit_2(tmp_path, args, message):
    proc = subprocess.run([sys.executable, "-m", "reviewbot", "archive", *args, "-o", str(tmp_path / "o")],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert message in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_maintainers_deepest_pattern_wins():
    m = Maintainers.parse((FIXTURES / "archive/MAINTAINERS").read_text())
    assert [m.subsystem(p) for p in ("mm/memory.c", "include/linux/mm.h", "fs/dax.c", "fs/cramfs/inode.c",
                                     "drivers/dax/device.c", "fs/ext4/inode.c", "README")] == [
        "MEMORY MANAGEMENT", "MEMORY MANAGEMENT", "FILESYSTEM DIRECT ACCESS (DAX)", "CRAMFS FILESYSTEM",
        "DEVICE DIRECT ACCESS (DAX)", "THE REST", "THE REST"]
    # a file pattern matches only at its own depth (get_maintainer.pl's rule)
    assert Maintainers.parse("X\nF:\tfs/*.c\n").subsystem("fs/ext4/inode.c") == "(none)"


def test_aggregate_report_of_mail_records():
    records = [
        {"subject": "mm: a", "list": "linux-mm.kvack.org", "date": "2025-01-02T00:00:00+00:00", "accepted": False,
         "status": "reviewed", "message_ids": ["a@x"], "files": {"1": ["mm/memory.c"]}, "seconds": 1.0,
         "findings": [{"file": "(commit message)", "line": 0, "rule": "RB0101", "severity": "warning", "patch": 1}],
         "skipped": []},
        {"subject": "mm: b", "list": "linux-mm.kvack.org", "date": "2025-01-20T00:00:00+00:00", "accepted": False,
         "status": "skipped", "message_ids": ["b@x"], "files": {}, "seconds": 0.0, "findings": [],
         "skipped": [{"what": "series", "reason": "incomplete: patch 2 of 3 missing", "patch": None}]},
    ]
    agg = aggregate(records, Maintainers.parse((FIXTURES / "archive/MAINTAINERS").read_text()))
    assert agg["per_subsystem"] == [{"subsystem": "MEMORY MANAGEMENT", "findings": 1}]
    assert agg["per_list"] == [{"list": "linux-mm.kvack.org", "series": 2, "findings": 1}]
    assert agg["skipped_series"] == {"incomplete": 1}
    assert agg["rules_on_accepted"] == []
    assert "No accepted series" in render_markdown(agg, "mbox:x")
    assert "<title>2025-01 RB0101: 1</title>" in render_svg(agg)


def test_progress_line_gives_rate_and_eta():
    p = Progress(40)
    assert p.line(10, now=p.start + 20) == "archive: 10/40 series, 0.50/s, ETA 60s"
    assert p.line(0, now=p.start + 5) == "archive: 0/40 series, 0.00/s, ETA ?"


def test_chart_months_run_without_gaps_across_a_year_end():
    from reviewbot.report.archive_report import _month_axis

    assert _month_axis(["2024-11", "2025-02", "(no date)"]) == ["2024-11", "2024-12", "2025-01", "2025-02",
                                                                 "(no date)"]
    agg = {"per_month": {"2024-11": {"RB0001": 2}, "2025-02": {}}, "per_rule": [{"rule": "RB0001"}]}
    svg = render_svg(agg)
    assert ">2024-12</text>" in svg and svg.count("<title>") == 1


def test_maildir_inbox_gives_the_series_of_the_same_mail_as_a_patch_directory(tmp_path):
    maildir = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    for n, patch in enumerate(sorted(V3.glob("*.patch"))):
        shutil.copy(patch, maildir / "new" / f"1796000000.{n}.host")
    from_inbox = load_items(f"maildir:{maildir}", str(MINI))
    from_dir = load_items(str(V3), str(MINI))
    assert [(i.subject, i.version, i.ids, i.patch_ids) for i in from_inbox] == \
        [(i.subject, i.version, i.ids, i.patch_ids) for i in from_dir]
    assert len(from_inbox) == 1 and from_inbox[0].version == 3 and len(from_inbox[0].ids) == 3


def test_dask_missing_says_how_to_install(monkeypatch, tmp_path, capsys):
    from reviewbot.cli import run

    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    assert run(["archive", "git:a..b", "--tree", str(MINI), "-o", str(tmp_path / "o"), "--dask"]) == 2
    err = capsys.readouterr().err
    assert "pip install 'reviewbot[dask]'" in err and len(err.strip().splitlines()) == 1


def test_base_is_the_commit_it_names_now_and_a_bad_one_stops_the_run(tmp_path, capsys):
    """--base is resolved once on the driver: a name that is no commit is one line and exit 2 (it
    was exit 0 with every series 'skipped'), and a branch that moved gives new resume keys."""
    from reviewbot.cli import run

    history = make_history(tmp_path)
    assert run(["archive", str(V3), "--tree", str(history), "--base", "nonsense-ref", "-o", str(tmp_path / "o")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line == f"reviewbot: error: --base 'nonsense-ref': not a commit of {history}"
    assert not (tmp_path / "o").exists()
    before = build_context(str(history), base="dax-hole")
    assert before.base == git(history, "rev-parse", "dax-hole").strip()
    git(history, "checkout", "-q", "dax-hole")
    (history / "README").write_text("Linux kernel, moved on\n")
    git(history, "commit", "-q", "-am", "README: more")
    assert build_context(str(history), base="dax-hole").ruleset != before.ruleset
