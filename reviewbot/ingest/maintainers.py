"""Which MAINTAINERS section a file belongs to, matched the way scripts/get_maintainer.pl does.

An ``F:`` pattern that ends in ``/`` (or names a directory of the tree) covers everything below it;
any other pattern matches from the start of the path with ``*`` and ``?`` as wildcards and only
at the same depth. ``X:`` excludes. When several sections match, the one with the deepest pattern
is the file's subsystem (``mm/memory.c`` goes to "MEMORY MANAGEMENT", not to "THE REST").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Section:
    name: str
    files: list[tuple[re.Pattern, bool, int]] = field(default_factory=list)  # regex, is_dir, depth
    excludes: list[tuple[re.Pattern, bool, int]] = field(default_factory=list)


def _pattern(value: str, tree: Path | None) -> tuple[re.Pattern, bool, int]:
    is_dir = value.endswith("/") or (tree is not None and "*" not in value and (tree / value).is_dir())
    if is_dir and not value.endswith("/"):
        value += "/"
    regex = re.escape(value).replace(r"\*", ".*").replace(r"\?", ".")
    return re.compile("^" + regex), is_dir, value.count("/")


def _matches(path: str, pattern: tuple[re.Pattern, bool, int]) -> bool:
    regex, is_dir, depth = pattern
    if not regex.match(path):
        return False
    return is_dir or path.count("/") == depth


class Maintainers:
    def __init__(self, sections: list[Section]):
        self.sections = sections
        self._memo: dict[str, str] = {}

    @classmethod
    def from_tree(cls, tree: str | Path) -> Maintainers | None:
        path = Path(tree) / "MAINTAINERS"
        if not path.is_file():
            return None
        return cls.parse(path.read_text(encoding="utf-8", errors="replace"), Path(tree))

    @classmethod
    def parse(cls, text: str, tree: Path | None = None) -> Maintainers:
        sections: list[Section] = []
        current: Section | None = None
        for line in text.splitlines():
            m = re.match(r"^([A-Z]):\s*(.*\S)\s*$", line)
            if m and current is not None:
                kind, value = m.groups()
                if kind == "F":
                    current.files.append(_pattern(value, tree))
                elif kind == "X":
                    current.excludes.append(_pattern(value, tree))
            elif line.strip() and not line[0].isspace() and not m:
                current = Section(line.strip())
                sections.append(current)
            elif not line.strip():
                current = None
        return cls([s for s in sections if s.files])

    def in_section(self, name: str, path: str) -> bool:
        """Whether the section ``name`` covers ``path`` by its F: lines (its X: lines excluding)."""
        return any(section.name == name and not any(_matches(path, x) for x in section.excludes)
                   and any(_matches(path, f) for f in section.files) for section in self.sections)

    def subsystem(self, path: str) -> str:
        """The section of ``path``; "(none)" when no section covers it."""
        if path in self._memo:
            return self._memo[path]
        best, best_depth = "(none)", -1
        for section in self.sections:
            if any(_matches(path, x) for x in section.excludes):
                continue
            for pattern in section.files:
                if _matches(path, pattern):
                    depth = pattern[2] + (0 if pattern[1] else 1)
                    if depth > best_depth:
                        best, best_depth = section.name, depth
        self._memo[path] = best
        return best
