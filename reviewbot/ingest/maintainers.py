"""Which MAINTAINERS section a file belongs to, matched the way scripts/get_maintainer.pl does.

An ``F:`` pattern that ends in ``/`` (or names a directory of the tree) covers everything below it;
any other pattern matches from the start of the path with ``*`` and ``?`` as wildcards and only
at the same depth. ``X:`` excludes. When several sections match, the one with the deepest pattern
is the file's subsystem (``mm/memory.c`` goes to "MEMORY MANAGEMENT", not to "THE REST").
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path


class _Pattern:
    """An F:/X: pattern, compiled on first use: MAINTAINERS has some 7,000 of them and a lookup
    for a pack's sections touches a few (compiling all of them took a second per review)."""

    __slots__ = ("value", "is_dir", "depth", "_regex")

    def __init__(self, value: str, is_dir: bool):
        self.value, self.is_dir, self.depth, self._regex = value, is_dir, value.count("/"), None

    @property
    def regex(self) -> re.Pattern:
        if self._regex is None:
            self._regex = _compiled(self.value)
        return self._regex


@lru_cache(maxsize=None)
def _compiled(value: str) -> re.Pattern:
    return re.compile("^" + re.escape(value).replace(r"\*", ".*").replace(r"\?", "."))


@dataclass
class Section:
    name: str
    files: list[_Pattern] = field(default_factory=list)
    excludes: list[_Pattern] = field(default_factory=list)


def _pattern(value: str, tree: Path | None) -> _Pattern:
    is_dir = value.endswith("/") or (tree is not None and "*" not in value and (tree / value).is_dir())
    if is_dir and not value.endswith("/"):
        value += "/"
    return _Pattern(value, is_dir)


def _matches(path: str, pattern: _Pattern) -> bool:
    if not pattern.regex.match(path):
        return False
    return pattern.is_dir or path.count("/") == pattern.depth


class Maintainers:
    def __init__(self, sections: list[Section]):
        self.sections = sections
        self._memo: dict[str, str] = {}
        self._named: dict[str, list[Section]] = {}  # in_section looks a section up by name, per path
        for section in sections:
            self._named.setdefault(section.name, []).append(section)

    @classmethod
    def from_tree(cls, tree: str | Path) -> Maintainers | None:
        path = Path(tree) / "MAINTAINERS"
        if not path.is_file():
            return None
        return cls.parse(path.read_text(encoding="utf-8", errors="replace"), Path(tree))

    @classmethod
    def parse(cls, text: str, tree: Path | None = None) -> Maintainers:
        if tree is None:
            return _parsed(text)  # every review of a run reads the same MAINTAINERS: parsed once
        return cls._parse(text, tree)

    @classmethod
    def _parse(cls, text: str, tree: Path | None) -> Maintainers:
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
        return any(not any(_matches(path, x) for x in section.excludes)
                   and any(_matches(path, f) for f in section.files) for section in self._named.get(name, ()))

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
                    depth = pattern.depth + (0 if pattern.is_dir else 1)
                    if depth > best_depth:
                        best, best_depth = section.name, depth
        self._memo[path] = best
        return best


@lru_cache(maxsize=4)
def _parsed(text: str) -> Maintainers:
    return Maintainers._parse(text, None)
