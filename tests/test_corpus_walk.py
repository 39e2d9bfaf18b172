"""Every file of ../shared/corpus goes through the mail reader and threading without a traceback.

Files that are not mail at all (git bundles, empty expected-output files) must be refused with
an InputError, the one-line error the CLI prints; anything else is a bug.
"""
from __future__ import annotations

from reviewbot.errors import InputError
from reviewbot.ingest.mailread import read_messages
from reviewbot.ingest.thread import build_threads

ORACLE_SUFFIXES = (".md", ".json")

# Known mailboxes and the number of messages each must yield (counted with git mailsplit, or the
# files in the maildir, minus Message-IDs that appear twice).
KNOWN_COUNTS = {
    "git-t5100/t5100/sample.mbox": 18,
    "git-t5100/t5100/rfc2047-samples.mbox": 11,
    "git-t5100/t5100/sample.mboxrd": 2,
    "git-t5100/t5100/quoted-cr.mbox": 2,
    "patchew/data/0004-multiple-patch-reviewed.mbox": 5,
    "cpython-email/data/mailbox_01.mbox": 1,
}


def test_every_corpus_file_is_read_or_refused_with_input_error(corpus):
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix not in ORACLE_SUFFIXES)
    assert len(files) > 900
    messages = 0
    refused: list[str] = []
    for path in files:
        try:
            result = read_messages(path)
        except InputError:
            refused.append(path.relative_to(corpus).as_posix())
            continue
        threads = build_threads(result.messages)
        assert sum(len(t.messages) for t in threads) == len(result.messages), path
        messages += len(result.messages)
    assert messages > 1100
    # Only the two git bundles, the binary expected file, empty expected-output files, and two
    # CPython MIME fragments with no sender, no subject and no text part.
    not_mail = ("cpython-email/data/msg_18.txt", "cpython-email/data/msg_37.txt")
    assert all(name.endswith((".bundle", "nul-b64.expect")) or name in not_mail
               or (corpus / name).stat().st_size == 0 for name in refused), refused


def test_known_mailboxes_yield_their_message_counts(corpus):
    for name, count in KNOWN_COUNTS.items():
        assert len(read_messages(corpus / name).messages) == count, name


def test_lkml_maildir_keeps_one_copy_of_each_message_id(corpus):
    result = read_messages(corpus / "notmuch/corpora/lkml")
    assert len(result.messages) == 210 - 34  # 34 files repeat a Message-ID already seen
    assert len(result.duplicates) == 34
    assert len({m.msgid for m in result.messages}) == len(result.messages)
    assert result.skipped == []


def test_patchwork_fuzz_mails_are_all_read(corpus):
    """Patchwork's malformed-header samples: each still yields its one message."""
    for path in sorted((corpus / "patchwork/fuzz").glob("*.mbox")):
        result = read_messages(path)
        assert len(result.messages) + len(result.skipped) == 1, path
        assert result.messages, (path, result.skipped)
