"""Open questions in `reviewbot summary`: precision and recall against a reading of the corpus by hand.

    python bench/questions.py [CORPUS_DIR]

The expected open questions of every thread read are in fixtures/questions/expected.json (with the
question-like paragraphs that are not open, and why). A question reviewbot lists counts as right
when the same mail is expected to hold an open question that the listed text starts with (and ends
with, where the reading gives an end). Prints precision and recall, each with its counts, and the
misses either way. The reference is the reading itself: 100% is what a careful reader finds.
"""
from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.errors import InputError
from reviewbot.ingest.load import load_mail
from reviewbot.report.summary import summarize

EXPECTED = Path(__file__).resolve().parent.parent / "fixtures" / "questions" / "expected.json"
ORACLE_SUFFIXES = (".md", ".json")


@dataclass
class Score:
    listed: list[tuple[str, str, str]] = field(default_factory=list)  # (input, message, question)
    right: list[tuple[str, str, str]] = field(default_factory=list)
    wrong: list[tuple[str, str, str]] = field(default_factory=list)
    missed: list[dict] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return len(self.right) / len(self.listed) if self.listed else 1.0

    @property
    def recall(self) -> float:
        expected = len(self.right) + len(self.missed)
        return len(self.right) / expected if expected else 1.0


def _inputs(corpus: Path, patterns: list[str]) -> list[tuple[str, Path]]:
    out = []
    for pattern in patterns:
        # "../seeds/...": the review threads beside the corpus (../shared/seeds) are read too
        base, rest = (corpus.parent, pattern[3:]) if pattern.startswith("../") else (corpus, pattern)
        paths = sorted(base.glob(rest)) if "*" in rest else [base / rest]
        out.extend((os.path.relpath(p, corpus), p) for p in paths
                   if p.exists() and p.suffix not in ORACLE_SUFFIXES)
    return out


def _matches(expected: dict, question: str) -> bool:
    text = " ".join(question.split())
    return text.startswith(" ".join(expected["starts"].split())) and text.endswith(expected.get("ends", ""))


def _every_question(data) -> list[dict]:
    """The reference: every question-like paragraph of a reply not sent from the series' own address."""
    from reviewbot.report.questions import questions

    out = []
    for group in data.groups:
        for s in group.versions:
            first = s.cover or (s.patches[0].message if s.patches else None)
            for c in s.comments:
                if first is None or c.from_email.lower() != first.from_email.lower():
                    out.extend({"message": c.msgid, "question": q} for q in questions(c))
    return out


def measure(corpus: Path, expected_file: Path = EXPECTED, reference: bool = False) -> Score:
    expected = json.loads(expected_file.read_text())
    score = Score()
    found: set[int] = set()
    for name, path in _inputs(corpus, expected["inputs"]):
        try:
            data = load_mail(path)
        except InputError:
            continue
        wanted = [(n, e) for n, e in enumerate(expected["open"]) if e["input"] == name]
        listed = _every_question(data) if reference else [
            q for group in summarize(data.groups, data.threads) for v in group["versions"] for q in v["open_questions"]]
        for q in listed:
            item = (name, q["message"], q["question"])
            score.listed.append(item)
            hit = next((n for n, e in wanted if e["message"] == q["message"] and n not in found
                        and _matches(e, q["question"])), None)
            if hit is None:
                score.wrong.append(item)
            else:
                found.add(hit)
                score.right.append(item)
    score.missed = [e for n, e in enumerate(expected["open"]) if n not in found]
    return score


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    if not corpus.is_dir():
        print(f"no corpus at {corpus}", file=sys.stderr)
        return 2
    score = measure(corpus)
    ref = measure(corpus, reference=True)
    print(f"open questions: precision {score.precision:.0%} ({len(score.right)} of {len(score.listed)} listed are "
          f"open), recall {score.recall:.0%} ({len(score.right)} of {len(score.right) + len(score.missed)} open "
          f"ones listed); target: precision >= 90%")
    print(f"reference, every question-like paragraph of a reply: precision {ref.precision:.0%} "
          f"({len(ref.right)} of {len(ref.listed)}), recall {ref.recall:.0%}; "
          f"precision ratio {score.precision / ref.precision if ref.precision else float('inf'):.1f}x")
    for name, msgid, question in score.wrong:
        print(f"  listed, not open: {name} <{msgid}>: {question[:100]}")
    for e in score.missed:
        print(f"  open, not listed: {e['input']} <{e['message']}>: {e['starts']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
