"""Exit codes as a user and a pre-push hook see them: 0 clean, 1 findings, 2 bad input or environment
(one line on stderr), 3 a bug (one line naming where, the traceback in a log file). Each failure
reported in issue 11 is run here as a real process; none may print a traceback or exit 1."""
from __future__ import annotations

import gzip
import mailbox
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES

SERIES = FIXTURES / "series/insert-pfn-mkwrite"
MINI = FIXTURES / "trees/mini-linux"
FIRST = "v2-0001-mm-add-a-mkwrite-parameter-to-vmf_insert_mixed.patch"
SECOND = "v2-0002-device-dax-pass-mkwrite-to-vmf_insert_mixed.patch"
GIT_ENV = {"GIT_AUTHOR_NAME": "Ross Zwisler", "GIT_AUTHOR_EMAIL": "ross.zwisler@linux.intel.com",
           "GIT_COMMITTER_NAME": "Ross Zwisler", "GIT_COMMITTER_EMAIL": "ross.zwisler@linux.intel.com",
           "GIT_CONFIG_NOSYSTEM": "1"}


@pytest.fixture
def env(tmp_path) -> dict:
    home = tmp_path / "home"
    home.mkdir()
    return {k: v for k, v in os.environ.items() if not k.startswith(("REVIEWBOT_", "XDG_"))} | {
        "HOME": str(home), "NO_COLOR": "1", "REVIEWBOT_LOG_DIR": str(tmp_path / "log"),
        "REVIEWBOT_CACHE_DIR": str(tmp_path / "cache"), **GIT_ENV}


def reviewbot(env, *args, cwd=None, wrap=(), **kwargs) -> subprocess.CompletedProcess:
    if "stdout" not in kwargs and "stderr" not in kwargs:
        kwargs["capture_output"] = True
    return subprocess.run([*wrap, sys.executable, "-m", "reviewbot", *map(str, args)], cwd=cwd, env=env, text=True,
                          timeout=120, **kwargs)


def assert_one_line_error(proc, code: int = 2, says: str = "") -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout[-500:], proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    prefix = "reviewbot: error: " if code == 2 else "reviewbot: internal error"
    assert lines[0].startswith(prefix), lines[0]
    assert says in lines[0], lines[0]
    return lines[0]


def _git(repo: Path, *args: str, env: dict) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "core.hooksPath=/dev/null", *args], check=True, env=env,
                          capture_output=True, text=True).stdout


@pytest.fixture
def history(tmp_path, env) -> Path:
    """mini-linux committed, with the two patches of the example series applied as commits."""
    repo = tmp_path / "linux"
    shutil.copytree(MINI, repo)
    _git(repo, "init", "-q", "-b", "master", env=env)
    _git(repo, "add", ".", env=env)
    _git(repo, "commit", "-qm", "v6.1 excerpt", env=env)
    _git(repo, "am", "-q", str(SERIES / FIRST), str(SERIES / SECOND), env=env)
    return repo


# --- environment and input errors: exit 2, one line ---------------------------------------------------

def test_shallow_clone_names_the_missing_parent_and_reviews_with_the_base_it_has(history, tmp_path, env):
    parent = _git(history, "rev-parse", "HEAD~1", env=env).strip()
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{history}", str(shallow)], check=True, env=env,
                   capture_output=True)
    assert_one_line_error(reviewbot(env, "check", "HEAD", cwd=shallow), says=f"its parent {parent[:12]} is missing")
    deeper = tmp_path / "deeper"  # the parent is there: the review runs on it
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{history}", str(deeper)], check=True, env=env,
                   capture_output=True)
    proc = reviewbot(env, "check", "HEAD", cwd=deeper)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("no findings in 1 patch")


def test_nul_byte_in_a_diff_path_is_a_patch_that_does_not_apply(history, tmp_path, env):
    patch = tmp_path / "nul.patch"
    patch.write_bytes((SERIES / SECOND).read_bytes().replace(b"drivers/dax/device.c", b"drivers/dax/dev\0ice.c"))
    proc = reviewbot(env, "review", patch, "--tree", history, "--base", "HEAD~1", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    assert "unsafe path in patch: 'drivers/dax/dev\\\\x00ice.c'" in proc.stdout


def test_corrupt_and_truncated_gzip_mbox(tmp_path, env):
    data = bytearray(gzip.compress((SERIES / FIRST).read_bytes()))
    data[20] ^= 0xFF  # damaged Huffman tables of the first deflate block: zlib.error from inside gzip
    damaged, cut = tmp_path / "damaged.mbox.gz", tmp_path / "cut.mbox.gz"
    damaged.write_bytes(bytes(data))
    cut.write_bytes(bytes(data[: len(data) // 2]))
    assert_one_line_error(reviewbot(env, "series", damaged), says="damaged.mbox.gz: broken gzip data (Error -3")
    assert_one_line_error(reviewbot(env, "review", cut, "--tree", MINI), says="cut.mbox.gz: broken gzip data")


def _without_root_override() -> tuple[str, ...]:
    """As root, mode bits do not stop a read: run reviewbot without the capabilities that bypass them."""
    if os.geteuid() != 0:
        return ()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be made to apply")
    return (setpriv, "--bounding-set=-dac_override,-dac_read_search", "--")


def test_unreadable_directory(tmp_path, env):
    wrap = _without_root_override()
    unreadable = tmp_path / "series"
    shutil.copytree(SERIES, unreadable)
    unreadable.chmod(0)
    try:
        assert_one_line_error(reviewbot(env, "series", unreadable, wrap=wrap), says="Permission denied")
        assert_one_line_error(reviewbot(env, "review", unreadable, "--tree", MINI, wrap=wrap),
                              says="Permission denied")
    finally:
        unreadable.chmod(0o755)


def test_stdin_closed(env):
    proc = reviewbot(env, "review", "-", "--tree", MINI, stdin=subprocess.DEVNULL, preexec_fn=lambda: os.close(0))
    assert_one_line_error(proc, says="stdin is closed")


def test_non_utf8_reviewbot_toml(tmp_path, env):
    tree = tmp_path / "tree"
    shutil.copytree(MINI, tree)
    (tree / "reviewbot.toml").write_bytes(b'disable = ["RB0001"]\n# Andr\xe9\n')
    assert_one_line_error(reviewbot(env, "review", SERIES, "--tree", tree), says="reviewbot.toml: not UTF-8")


@pytest.mark.parametrize("jobs", ["-1", "0"])
def test_index_jobs_below_one(env, jobs):
    assert_one_line_error(reviewbot(env, "index", "--tree", MINI, "-j", jobs), says="--jobs")


def test_usage_errors_still_exit_2(env):
    assert_one_line_error(reviewbot(env, "review", SERIES, "--tree", MINI, "--bogus"), says="--bogus")
    bare = reviewbot(env)
    assert bare.returncode == 2 and "Usage" in bare.stdout + bare.stderr and "Traceback" not in bare.stderr


def test_stdout_on_a_full_disk(env):
    with open("/dev/full", "w") as full:
        proc = reviewbot(env, "review", SERIES, "--tree", MINI, stdout=full, stderr=subprocess.PIPE)
    assert_one_line_error(proc, says="No space left on device")


def test_stdout_closed(tmp_path, env):
    """Started with `>&-`: a command that prints says so (click would drop the output and exit 0); one
    that writes to -o FILE does its work."""
    def close_stdout():
        os.close(1)
    proc = reviewbot(env, "series", SERIES, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                     preexec_fn=close_stdout)
    assert_one_line_error(proc, says="stdout is closed")
    report = tmp_path / "report.txt"
    proc = reviewbot(env, "review", SERIES, "--tree", MINI, "-o", report, stdout=subprocess.DEVNULL,
                     stderr=subprocess.PIPE, preexec_fn=close_stdout)
    assert proc.returncode == 1, proc.stderr
    assert report.read_text().rstrip().endswith("3 findings (2 errors, 1 warning) in 1 of 2 patches")


def test_stdout_closed_by_the_reader(env):
    """`reviewbot rules | head -1`, made certain: the reader is gone before anything is written."""
    read, write = os.pipe()
    os.close(read)
    try:
        procs = [reviewbot(env, *args, stdout=write, stderr=subprocess.PIPE) for args in (
            ["rules"], ["--help"], ["review", SERIES, "--tree", MINI, "--fail-on", "error"])]
    finally:
        os.close(write)
    for proc in procs:  # the help is printed by rich, which exits 1 on a broken pipe
        assert_one_line_error(proc, says="broken pipe")


# --- -o: every write error, and what -o must never do -------------------------------------------------

def _review_to(env, target, *extra, wrap=()):
    return reviewbot(env, "review", SERIES, "--tree", MINI, "-o", target, *extra, wrap=wrap)


def test_output_errors_are_one_line(tmp_path, env):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cases = [(tmp_path / "missing" / "report.txt", "does not exist"), (tmp_path, "is a directory"),
             ("/dev/full", "not a regular file"), (fifo, "not a regular file")]
    for target, says in cases:
        assert_one_line_error(_review_to(env, target), says=says)
    assert_one_line_error(_review_to(env, "/dev/full", "--format", "email"), says="not a regular file")
    assert_one_line_error(_review_to(env, fifo, "--format", "email"), says="not a regular file")


def test_output_into_a_read_only_directory(tmp_path, env):
    wrap = _without_root_override()
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        assert_one_line_error(_review_to(env, locked / "report.txt", wrap=wrap), says="not writable")
    finally:
        locked.chmod(0o755)
    assert list(locked.iterdir()) == []


def test_output_on_a_full_disk_leaves_the_old_file(tmp_path, env):
    """A write that fails half way (here the file size limit, the way a full disk fails it) keeps the
    previous report whole and leaves no temporary file."""
    report = tmp_path / "report.txt"
    report.write_text("yesterday's report\n")

    def small_files():
        resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))
    proc = reviewbot(env, "review", SERIES, "--tree", MINI, "-o", report, "--no-cache", preexec_fn=small_files)
    assert_one_line_error(proc, says="File too large")
    assert report.read_text() == "yesterday's report\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_output_is_replaced_not_appended_and_never_the_input(tmp_path, env):
    report = tmp_path / "report.md"
    for _ in range(2):
        assert _review_to(env, report, "--format", "markdown").returncode == 1
    once = report.read_text()
    assert once.count("RB0001") == 1
    series = tmp_path / "series"
    shutil.copytree(SERIES, series)
    before = {p.name: p.read_bytes() for p in series.iterdir()}
    for target in (series / FIRST, series / "review.txt"):
        proc = reviewbot(env, "review", series, "--tree", MINI, "-o", target)
        assert_one_line_error(proc, says="input")
    single = series / FIRST
    assert_one_line_error(reviewbot(env, "review", single, "--tree", MINI, "-o", single), says="is the input")
    assert {p.name: p.read_bytes() for p in series.iterdir()} == before
    tree = tmp_path / "tree"
    shutil.copytree(MINI, tree)
    source = (tree / "mm/memory.c").read_bytes()
    proc = reviewbot(env, "review", series, "--tree", tree, "-o", tree / "mm/memory.c")
    assert_one_line_error(proc, says="already in the tree under review")
    assert (tree / "mm/memory.c").read_bytes() == source


def test_email_output_mbox_replaced_and_maildir_only_where_asked(tmp_path, env):
    box = tmp_path / "replies.mbox"
    for _ in range(2):
        proc = _review_to(env, box, "--format", "email")
        assert proc.returncode == 1, proc.stderr
    assert len(mailbox.mbox(str(box))) == 1  # a rerun does not double the replies
    work = tmp_path / "worktree"
    shutil.copytree(MINI, work)
    proc = reviewbot(env, "review", SERIES, "--tree", MINI, "--format", "email", "-o", ".", cwd=work)
    assert_one_line_error(proc, says="neither empty nor a maildir")
    assert sorted(p.name for p in work.iterdir()) == sorted(p.name for p in MINI.iterdir())
    new = tmp_path / "outbox"
    assert _review_to(env, f"{new}/", "--format", "email").returncode == 1
    assert len(mailbox.Maildir(str(new))) == 1


# --- crashes: exit 3 with a log; an analysis that raises is skipped and the review goes on ------------

CRASHING_REVIEW = """
import sys
import reviewbot.pipeline

def review_input(*args, **kwargs):
    raise KeyError("vmf_insert_mixed")

reviewbot.pipeline.review_input = review_input
from reviewbot.cli import main
sys.argv = ["reviewbot", *sys.argv[1:]]
main()
"""


def test_a_crash_exits_3_with_one_line_and_the_traceback_in_a_log(tmp_path, env):
    proc = subprocess.run([sys.executable, "-c", CRASHING_REVIEW, "review", str(SERIES), "--tree", str(MINI)],
                          env=env, capture_output=True, text=True, timeout=120)
    line = assert_one_line_error(proc, code=3, says="KeyError: 'vmf_insert_mixed'")
    assert "in cli/review_cmds.py:" in line
    logs = list((tmp_path / "log").iterdir())
    assert len(logs) == 1 and line.endswith(f"the traceback is in {logs[0]}")
    text = logs[0].read_text()
    assert "Traceback (most recent call last)" in text and 'line 6, in review_input' in text


def test_a_crashing_analysis_and_rule_are_skipped_and_the_review_goes_on(tmp_path, monkeypatch):
    from reviewbot.checks import near_duplicate
    from reviewbot.pipeline import ReviewOptions, review_input
    from reviewbot.rules import conditions

    monkeypatch.setenv("REVIEWBOT_LOG_DIR", str(tmp_path))
    real = near_duplicate.check_step

    def fails_on_patch_2(step, cache=None):
        if step.patch.index == 2:
            raise ValueError("fingerprint of an empty function")
        return real(step, cache)
    monkeypatch.setattr(near_duplicate, "check_step", fails_on_patch_2)

    def signoff_fails(patch, context):
        raise RuntimeError("no From: line")
        yield
    monkeypatch.setitem(conditions.CONDITIONS, "author-signoff", signoff_fails)
    (review,) = review_input(str(SERIES), str(MINI), ReviewOptions(use_cache=False))
    crashed = [(s.what, s.patch, s.reason.split(" (traceback")[0]) for s in review.skipped if "crashed" in s.reason]
    assert crashed == [
        ("RB-NEAR-DUP", 2, "crashed on patch 2: ValueError: fingerprint of an empty function"),
        ("RB0101", 1, "crashed on patch 1: RuntimeError: no From: line"),
        ("RB0101", 2, "crashed on patch 2: RuntimeError: no From: line")]
    assert sorted((f.file, f.line, f.rule) for f in review.findings) == [
        ("drivers/dax/device.c", 133, "RB-API-CALLER"), ("fs/cramfs/inode.c", 425, "RB-API-CALLER"),
        ("mm/memory.c", 458, "RB0001")]
    (log,) = tmp_path.iterdir()
    assert review.skipped[-1].reason.endswith(f"(traceback in {log})")
    assert log.read_text().count("Traceback (most recent call last)") == 3


CRASHING_ANALYSIS = """
import sys
from reviewbot.checks import near_duplicate

def check_step(step, cache=None):
    raise ValueError("fingerprint of an empty function")

near_duplicate.check_step = check_step
from reviewbot.cli import main
sys.argv = ["reviewbot", *sys.argv[1:]]
main()
"""


def test_a_review_with_a_crashed_analysis_and_no_findings_is_not_clean(tmp_path, env):
    """RB0001's clean patch, with RB-NEAR-DUP crashing: the report lists the crash under skipped and
    the exit is 3 with one line (not 0: nothing found is not the same as clean when an analysis did
    not run); with findings the exit stays 1."""
    clean = FIXTURES / "RB0001/ok.patch"
    proc = subprocess.run([sys.executable, "-c", CRASHING_ANALYSIS, "review", str(clean), "--tree", str(MINI)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    (line,) = proc.stderr.strip().splitlines()
    (log,) = (tmp_path / "log").iterdir()
    assert line == (f"reviewbot: internal error: 1 analysis crashed (RB-NEAR-DUP): the review is incomplete; "
                    f"the traceback is in {log}")
    assert "RB-NEAR-DUP: crashed on patch 1: ValueError: fingerprint of an empty function" in " ".join(
        proc.stdout.split())
    proc = subprocess.run([sys.executable, "-c", CRASHING_ANALYSIS, "review", str(SERIES), "--tree", str(MINI)],
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and proc.stderr == ""
