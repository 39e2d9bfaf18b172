"""One entry point from "what the user named" to model objects: a mailbox path or ``-``."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.ingest.changelog_cover import split_changelog_covers
from reviewbot.ingest.mailread import read_messages
from reviewbot.ingest.series import SeriesGroup, find_series_groups
from reviewbot.ingest.thread import build_threads
from reviewbot.model import Message, Skipped, Thread


@dataclass
class MailInput:
    messages: list[Message]
    threads: list[Thread]
    groups: list[SeriesGroup]
    skipped: list[Skipped] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)


def load_mail(source: str | Path, progress: Callable[[int, int], None] | None = None) -> MailInput:
    """Read, thread and find the series of a mailbox, maildir, mail file, patch directory or stdin."""
    read = read_messages(source, progress)
    messages = split_changelog_covers(read.messages)
    threads = build_threads(messages)
    groups = find_series_groups(messages, threads)
    return MailInput(messages, threads, groups, read.skipped, read.duplicates)
