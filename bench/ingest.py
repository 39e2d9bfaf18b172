"""Mail ingest speed: messages per second to read + thread (+ find series) the whole corpus,
next to ``git mailsplit`` + ``git mailinfo`` on the same mbox files.

    python bench/ingest.py [CORPUS_DIR]

Prints reviewbot's figure, git's figure measured in the same run, and their ratio. git runs one
process per mail (that is how ``git am`` uses it), so its figure includes process start-up; it is
the reference a user would otherwise reach for, not a like-for-like parser comparison.
Everything git writes goes to a temporary directory.
"""
from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from reviewbot.errors import InputError
from reviewbot.ingest.mailread import read_messages
from reviewbot.ingest.thread import build_threads

TARGET_PER_SECOND = 2000
ORACLE_SUFFIXES = (".md", ".json")


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix not in ORACLE_SUFFIXES)


def is_mbox(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(5) == b"From "


def bench_reviewbot(files: list[Path]) -> tuple[int, float, bool]:
    """(messages, seconds, series detection included)."""
    try:  # series detection is another module; time it when it exists
        find_series = importlib.import_module("reviewbot.ingest.series").find_series
    except (ImportError, AttributeError):
        find_series = None
    messages = 0
    start = time.perf_counter()
    for path in files:
        try:
            result = read_messages(path)
        except InputError:
            continue
        threads = build_threads(result.messages)
        if find_series is not None:
            find_series(result.messages, threads)
        messages += len(result.messages)
    return messages, time.perf_counter() - start, find_series is not None


def bench_git(mboxes: list[Path]) -> tuple[int, float, list[Path]]:
    """(mails, seconds, mboxes git could split) for git mailsplit, then git mailinfo on each mail."""
    git = shutil.which("git")
    if git is None:
        return 0, 0.0, []
    mails = 0
    split_ok = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="rb-bench-") as tmp:
        for n, mbox in enumerate(mboxes):
            out = Path(tmp) / f"split{n}"
            out.mkdir()
            split = subprocess.run([git, "mailsplit", f"-o{out}", str(mbox)], capture_output=True, check=False)
            if split.returncode != 0:  # "corrupt mailbox": bare "From A" separators git does not accept
                continue
            split_ok.append(mbox)
            for mail in sorted(out.iterdir()):
                with mail.open("rb") as stdin:
                    subprocess.run([git, "mailinfo", "-u", str(Path(tmp) / "msg"), str(Path(tmp) / "patch")],
                                   stdin=stdin, capture_output=True, check=False, cwd=tmp)
                mails += 1
    return mails, time.perf_counter() - start, split_ok


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    if not corpus.is_dir():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    files = corpus_files(corpus)
    mboxes = [p for p in files if is_mbox(p)]
    bench_reviewbot(files[:50])  # warm imports and caches
    messages, seconds, with_series = bench_reviewbot(files)
    rb_rate = messages / seconds
    what = "read + thread + series" if with_series else "read + thread"
    print(f"reviewbot {what}: {messages} messages from {len(files)} files in {seconds:.2f} s = {rb_rate:,.0f} msg/s "
          f"(target {TARGET_PER_SECOND:,} msg/s)")
    mails, git_seconds, split_ok = bench_git(mboxes)
    if not mails:
        print("git not found: no reference figure")
        return 0
    git_rate = mails / git_seconds
    print(f"git mailsplit + mailinfo on the {len(split_ok)} mbox files it can split: {mails} mails in "
          f"{git_seconds:.2f} s = {git_rate:,.0f} msg/s")
    same_messages, same_seconds, _ = bench_reviewbot(split_ok)
    same_rate = same_messages / same_seconds
    print(f"reviewbot on the same {len(split_ok)} files: {same_messages} messages in {same_seconds:.2f} s = "
          f"{same_rate:,.0f} msg/s")
    print(f"ratio (reviewbot msg/s / git msg/s): {same_rate / git_rate:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
