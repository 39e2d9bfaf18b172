"""The C files a patch changed, with their facts before and after: what every analysis starts from."""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from reviewbot.c.apply import FileChange, StepResult
from reviewbot.c.extract import FileFacts, extract


@dataclass
class ChangedFile:
    path: str
    change: FileChange
    before: FileFacts | None  # None: the patch creates the file
    after: FileFacts


def changed_c_files(step: StepResult, suffixes: tuple[str, ...] = (".c",),
                    existing: bool = False) -> Iterator[ChangedFile]:
    """Files of ``suffixes`` the step changed and did not delete (``existing``: that it did not create)."""
    for path, change in step.changed.items():
        if not path.endswith(suffixes) or change.after is None or (existing and change.before is None):
            continue
        before = extract(change.before, path) if change.before is not None else None
        yield ChangedFile(path, change, before, extract(change.after, path))
