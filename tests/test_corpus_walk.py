"""Every file of ../shared/corpus goes through ingest without a traceback."""
from __future__ import annotations

from reviewbot.errors import InputError
from reviewbot.ingest.load import load_mail


def test_whole_corpus_ingests_without_exceptions(corpus):
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix not in (".md", ".json"))
    assert len(files) > 900
    messages = rejected = 0
    for path in files:
        try:
            data = load_mail(path)
        except InputError:
            rejected += 1  # not mail at all (git bundles, expected-output files): a clean one-line error
            continue
        messages += len(data.messages)
        for group in data.groups:
            for s in group.versions:
                assert s.patches or s.cover is not None
                assert [p.index for p in s.patches] == sorted(p.index for p in s.patches)
    assert messages > 1100
    assert rejected < 40
