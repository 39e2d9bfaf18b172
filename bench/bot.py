"""The bot's throughput and memory, next to references measured in the same run.

    python bench/bot.py [--corpus ../shared/corpus] [--messages 10000]

1. Ingest + state: messages per second through ``Bot.ingest`` (parse, one SQLite transaction per
   message, threads, incremental series detection) on a large backlog of real mail, next to the
   plain ``reviewbot series`` ingest (``load_mail``: read, thread, find series) of the same mbox.
   Target: at most 1.5x the plain ingest's time.
2. Series reviewed per minute: copies of the bundled v3 fixture series (each its own thread and
   Message-IDs) reviewed against the bundled mini-linux tree, replies written to a maildir.
3. Memory: RSS after 1,000 and after 10,000 messages of one ingest. Target: within 100 MB.

The backlog is the corpus' real mail (LKML, notmuch, Patchew, Patchwork, b4 threads) repeated
with each copy's Message-IDs, In-Reply-To and References rewritten (``c<N>.<id>``), so threads and
series stay what they were and every copy is new to the bot. Everything is written to a
temporary directory.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from reviewbot.bot.outbox import MaildirOutbox  # noqa: E402
from reviewbot.bot.policy import Policy  # noqa: E402
from reviewbot.bot.runner import Bot  # noqa: E402
from reviewbot.bot.state import State  # noqa: E402
from reviewbot.ingest.inbox import open_inbox  # noqa: E402
from reviewbot.ingest.mailread import split_mbox  # noqa: E402

TARGET_RATIO = 1.5
TARGET_RSS_MB = 100
_THREADING = re.compile(rb"^(Message-I[Dd]|In-Reply-To|References):((?:.*)(?:\n[ \t].*)*)", re.M | re.I)
_ID = re.compile(rb"<([^<>\s]+)>")
_ESCAPE = re.compile(rb"^(>*From )", re.M)


def real_mails(corpus: Path) -> list[bytes]:
    raws: list[bytes] = []
    for folder in ("notmuch/corpora/lkml/cur", "notmuch/corpora/default/cur", "patchwork/mail"):
        raws += [f.read_bytes() for f in sorted((corpus / folder).iterdir()) if f.is_file()]
    for pattern in ("patchew/data/*.mbox", "patchwork/series/*.mbox", "b4/samples/*.mbox",
                    "debian-linux-patches/**/*.patch"):
        for f in sorted(corpus.glob(pattern)):
            data = f.read_bytes()
            raws += split_mbox(data) if data.startswith(b"From ") and b"\nMessage-I" in data[:2000] else [data]
    return raws


def copy_of(raw: bytes, n: int) -> bytes:
    head, sep, body = raw.partition(b"\n\n")
    if not re.search(rb"^Message-I[Dd]:", head, re.M | re.I):
        head = b"Message-ID: <bench.%d.%d@reviewbot.invalid>\n" % (n, hash(raw) & 0xFFFFFFF) + head
    head = _THREADING.sub(lambda m: m.group(1) + b":" + _ID.sub(lambda i: b"<c%d.%s>" % (n, i.group(1)), m.group(2)),
                          head)
    return head + sep + body


def mbox_of(raws: list[bytes]) -> bytes:
    return b"".join(b"From bench Thu Jan  1 00:00:00 1970\n" + _ESCAPE.sub(rb">\1", r.rstrip(b"\n") + b"\n") + b"\n"
                    for r in raws)


def backlog_mbox(corpus: Path, count: int) -> bytes:
    """An mbox of exactly ``count`` messages (some corpus files hold mails an mbox cannot keep apart)."""
    from reviewbot.ingest.mailread import mbox_spans

    base = real_mails(corpus)
    raws = [copy_of(base[i % len(base)], i // len(base)) for i in range(count * 6 // 5)]
    data = mbox_of(raws)
    spans = mbox_spans(data)
    if len(spans) < count:
        raise SystemExit(f"bench/bot.py: the corpus makes only {len(spans)} messages")
    return data[:spans[count - 1][1]]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_ingest(mbox: Path, work: Path, marks: tuple[int, ...] = ()) -> tuple[int, float, dict[int, float]]:
    """(messages, seconds, RSS in MB after each mark) of the bot's ingest of the whole mbox."""
    state = State(work / "state.sqlite3")
    bot = Bot(state, Policy(), str(REPO / "fixtures/trees/mini-linux"), None, work / "quarantine")
    inbox = open_inbox(f"mbox:{mbox}")
    rss: dict[int, float] = {}
    seen = 0
    start = time.perf_counter()
    for item in inbox.read_since(None):  # what Bot.ingest does, with RSS marks
        bot.ingest_item(inbox.spec, item)
        seen += 1
        if seen % 500 == 0:
            bot.settle()  # as --follow does after each poll's batch
        if seen in marks:
            rss[seen] = rss_mb()
    bot.settle()
    seconds = time.perf_counter() - start
    state.close()
    return seen, seconds, rss


def bench_plain(mbox: Path) -> tuple[int, float]:
    from reviewbot.ingest.load import load_mail

    start = time.perf_counter()
    data = load_mail(str(mbox))
    return len(data.messages) + len(data.duplicates) + len(data.skipped), time.perf_counter() - start


def bench_reviews(work: Path, copies: int) -> tuple[int, float]:
    fixtures = sorted((REPO / "fixtures/series/insert-pfn-mkwrite-v3").glob("*.patch"))
    mails = [f.read_bytes().split(b"\n", 1)[1] for f in fixtures]
    mbox = work / "series.mbox"
    mbox.write_bytes(mbox_of([copy_of(m, n) for n in range(copies) for m in mails]))
    state = State(work / "review.sqlite3")
    policy = Policy(wait_minutes=0)
    bot = Bot(state, policy, str(REPO / "fixtures/trees/mini-linux"), MaildirOutbox(work / "out"), work / "q",
              use_cache=False)
    bot.ingest(open_inbox(f"mbox:{mbox}"))
    start = time.perf_counter()
    bot.review_due()
    bot.deliver()
    seconds = time.perf_counter() - start
    reviewed = state.status()["series"]["reviewed"]
    state.close()
    return reviewed, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--series", type=int, default=20, help="fixture series copies to review")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"bench/bot.py: no corpus at {args.corpus}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="reviewbot-bench-bot-") as tmp:
        work = Path(tmp)
        mbox = work / "backlog.mbox"
        mbox.write_bytes(backlog_mbox(args.corpus, args.messages))
        print(f"backlog: {args.messages} real mails (corpus copies with their own Message-IDs), "
              f"{mbox.stat().st_size / 1e6:.1f} MB")
        # the bot first, so its RSS is not inflated by the plain ingest's freed heap
        n, seconds, rss = bench_ingest(mbox, work, (1000, args.messages))
        plain_n, plain_s = bench_plain(mbox)
        print(f"plain ingest (reviewbot series: read, thread, series): {plain_n} messages in {plain_s:.2f}s, "
              f"{plain_n / plain_s:.0f} msgs/s")
        print(f"bot ingest + state (one transaction per message):     {n} messages in {seconds:.2f}s, "
              f"{n / seconds:.0f} msgs/s")
        ratio = seconds / plain_s
        print(f"ratio: {ratio:.2f}x the plain ingest's time (target <= {TARGET_RATIO}x: "
              f"{'met' if ratio <= TARGET_RATIO else 'NOT met'})")
        if len(rss) == 2:
            grow = rss[args.messages] - rss[1000]
            print(f"RSS: {rss[1000]:.0f} MB after 1,000 messages, {rss[args.messages]:.0f} MB after "
                  f"{args.messages:,}: +{grow:.0f} MB (target <= {TARGET_RSS_MB} MB: "
                  f"{'met' if grow <= TARGET_RSS_MB else 'NOT met'})")
        reviewed, review_s = bench_reviews(work, args.series)
        print(f"reviews: {reviewed} fixture series (3 patches each, mini-linux) in {review_s:.1f}s: "
              f"{reviewed / review_s * 60:.0f} series reviewed per minute, replies written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
