"""Helpers for the bot's tests: backlogs of real mail and the fixture series, the CLI as a process."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
V2 = FIXTURES / "series/insert-pfn-mkwrite"
V3 = FIXTURES / "series/insert-pfn-mkwrite-v3"
V3_PATCH1 = "e4255f0dd9285987e820c1019a0da5c9133f14e4.1795560350.git.ross.zwisler@linux.intel.com"
_ESCAPE = re.compile(rb"^(>*From )", re.M)


def series_mails(folder: Path) -> list[bytes]:
    """The fixture series' mails without their "From <sha>" lines, cover first."""
    return [f.read_bytes().split(b"\n", 1)[1] for f in sorted(folder.glob("*.patch"))]


def mbox_of(raws: list[bytes]) -> bytes:
    out = []
    for raw in raws:
        body = _ESCAPE.sub(rb">\1", raw if raw.endswith(b"\n") else raw + b"\n")
        out.append(b"From reviewbot-test Thu Jan  1 00:00:00 1970\n" + body + b"\n")
    return b"".join(out)


def write_maildir(path: Path, raws: list[bytes], start: int = 0) -> None:
    for sub in ("tmp", "new", "cur"):
        (path / sub).mkdir(parents=True, exist_ok=True)
    for n, raw in enumerate(raws, start):
        (path / "new" / f"{1700000000 + n}.M{n}P1.test").write_bytes(raw)


def cli_env(tmp: Path) -> dict[str, str]:
    return dict(os.environ, NO_COLOR="1", REVIEWBOT_CACHE_DIR=str(tmp / "rb-cache"), HOME=str(tmp / "home"),
                XDG_CONFIG_HOME=str(tmp / "home/.config"), XDG_DATA_HOME=str(tmp / "home/.local/share"))


def bot_cli(tmp: Path, *args: str, stdin: bytes | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reviewbot", "bot", *args], input=stdin, capture_output=True,
                          timeout=timeout, env=cli_env(tmp))


def policy_file(tmp: Path, text: str = "") -> Path:
    path = tmp / "bot.toml"
    path.write_text('[bot]\nfrom = "reviewbot <bot@example.org>"\n' + text, encoding="utf-8")
    return path


def outbox_mails(outbox: Path) -> list[bytes]:
    return [f.read_bytes() for sub in ("new", "cur") if (outbox / sub).is_dir()
            for f in sorted((outbox / sub).iterdir())]


def corpus_backlog(corpus: Path) -> list[bytes]:
    """Several hundred real mails, as a list would deliver them: LKML and notmuch messages, Patchew's,
    Patchwork's and b4's series and review threads, and Patchwork's malformed ("fuzz") mails."""
    from reviewbot.ingest.mailread import split_mbox

    raws: list[bytes] = []
    for folder in ("notmuch/corpora/lkml/cur", "notmuch/corpora/default/cur", "patchwork/fuzz", "patchwork/mail"):
        raws += [f.read_bytes() for f in sorted((corpus / folder).iterdir()) if f.is_file()]
    for pattern in ("patchew/data/*.mbox", "patchwork/series/*.mbox", "b4/samples/*.mbox"):
        for f in sorted(corpus.glob(pattern)):
            data = f.read_bytes()
            raws += split_mbox(data) if data.startswith(b"From ") else [data]
    return raws
