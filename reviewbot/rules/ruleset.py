"""The rule set a review runs, built one way for every path that reviews: `review`, `check`, the bot,
and `archive` in its own process or on Dask workers. One builder, so the paths cannot drift apart.

A rule set is the rules of rules/ and the rule packs in force (reviewbot.rules.packs), in this
order, a later pack of a name replacing an earlier one:

1. the packs shipped in the package (rules/packs/);
2. the tree's: ``.reviewbot/packs/`` and the folders the tree's own reviewbot.toml (or
   pyproject.toml) names in ``packs = [...]``;
3. those the configuration in force names (``Config.pack_dirs``: the user's reviewbot.toml for
   review, check and archive; the ``[review]`` table of the bot's ``--config``);
4. the user's ``~/.config/reviewbot/packs/``.

build_rule_set() reads those files once and keeps their text: the text is what `archive` sends to
Dask workers (rule_set_from_texts() rebuilds the same set from it, so a worker reads nothing of its
own home or of the tree's working files), and its digest is the rule set's version (the bot's
reply Message-IDs, archive's resume keys). Scoping a pack to the tree's MAINTAINERS is per review
(for_tree), since each review has its own base.
"""
from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from reviewbot.config import Config, tree_config
from reviewbot.errors import InputError
from reviewbot.model import Finding, Severity
from reviewbot.rules.engine import RULES_DIR, Rule, load_rules
from reviewbot.rules.packs import Pack, load_pack_folders, maintainers_of, pack_folders

_SOURCES = (".yaml", ".scm")  # what a rule is made of: its YAML and the tree-sitter query it names


@dataclass
class RuleSet:
    rules: list[Rule]  # the rules of rules/, in force on every path
    packs: list[Pack]  # the packs in force, in precedence order, their rules in .rules
    texts: dict[str, str]  # "rules/<path>" and "packs/<NNN>/<path>" -> the file's text: the set as data

    @property
    def all_rules(self) -> list[Rule]:
        return self.rules + [r for p in self.packs for r in p.rules]

    @property
    def version(self) -> str:
        """A digest of every file of the set: changes when any rule or pack does."""
        digest = hashlib.sha256()
        for name, text in sorted(self.texts.items()):
            digest.update(f"{name}\0{text}\0".encode())
        return digest.hexdigest()[:16]

    def for_tree(self, read) -> ScopedRules:
        """The set bound to one tree: ``read`` (path -> bytes or None) gives its MAINTAINERS,
        read once and only when a pack names MAINTAINERS sections."""
        maintainers = maintainers_of(read) if any(p.maintainers for p in self.packs) else None
        return ScopedRules(self, maintainers)


class ScopedRules:
    """A rule set's rules with each pack rule limited to its pack's paths in this tree, and the
    packs' settings for the findings of a review of it."""

    def __init__(self, rule_set: RuleSet, maintainers):
        self.packs, self.maintainers = rule_set.packs, maintainers
        # copies: the set's own Rule objects are shared by every review of a run
        self.rules = rule_set.rules + [replace(r, in_scope=lambda path, pack=p: self.in_pack(pack, path))
                                       for p in rule_set.packs for r in p.rules]

    def in_pack(self, pack: Pack, path: str) -> bool:
        return pack.covers(path, self.maintainers)

    def decide(self, rule: str, path: str, pack: str | None, severity: Severity) -> tuple[str | None, Severity]:
        """The pack name and level a finding of ``rule`` on ``path`` carries after the packs'
        settings: each pack covering the path that lists the rule in ``checks`` or ``severity``
        names it unless one did already (its own pack, an earlier pack), and sets its level (a
        later pack's level wins)."""
        for candidate in self.packs:
            if (rule in candidate.checks or rule in candidate.severity) and self.in_pack(candidate, path):
                pack = pack or candidate.name
                severity = candidate.severity.get(rule, severity)
        return pack, severity

    def settings(self, findings: list[Finding]) -> list[Finding]:
        """The findings with the packs' settings applied on the packs' paths (decide)."""
        out = []
        for f in findings:
            pack, severity = self.decide(f.rule, f.file, f.pack, f.severity)
            out.append(f if (pack, severity) == (f.pack, f.severity) else replace(f, pack=pack, severity=severity))
        return out


def build_rule_set(tree: str | Path | None, config: Config, rules_dir: Path | None = None,
                   user_dir: Path | None = None) -> RuleSet:
    """The rules and packs in force for a review of ``tree`` under ``config`` (see the module's doc)."""
    rules_dir = RULES_DIR if rules_dir is None else rules_dir
    extra = (tree_config(tree).pack_dirs if tree is not None else []) + config.pack_dirs
    return _load(rules_dir, pack_folders(rules_dir, tree, extra, user_dir))


def rule_set_from_texts(texts: dict[str, str]) -> RuleSet:
    """The set a RuleSet.texts describes, loaded as build_rule_set loads files (on a Dask worker)."""
    with tempfile.TemporaryDirectory(prefix="reviewbot-rules-") as scratch:
        root = Path(scratch)
        (root / "rules").mkdir()
        for name, text in texts.items():
            path = root / name
            if not path.resolve().is_relative_to(root.resolve()):
                raise InputError(f"rule set file {name!r} leaves its folder")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        folders = sorted((root / "packs").iterdir()) if (root / "packs").is_dir() else []
        rule_set = _load(root / "rules", folders)
        rule_set.texts = dict(texts)  # the same names as on the driver: the same version
        return rule_set  # every query is compiled and every file read: the folder can go


def _load(rules_dir: Path, folders: list[Path]) -> RuleSet:
    """``folders``: the pack folders in precedence order."""
    rules = load_rules(rules_dir)
    packs = load_pack_folders(folders)
    seen = {r.id: r.path for r in rules}
    for rule in (r for p in packs for r in p.rules):
        if rule.id in seen:
            raise InputError(f"{rule.path}: rule id {rule.id} is one of rules/ ({seen[rule.id]})")
    texts = {f"rules/{p.relative_to(rules_dir).as_posix()}": p.read_text(encoding="utf-8")
             for p in sorted(rules_dir.rglob("*")) if p.suffix in _SOURCES and p.is_file()
             and p.relative_to(rules_dir).parts[0] != "packs"}
    for n, pack in enumerate(packs):
        texts.update({f"packs/{n:03d}/{p.relative_to(pack.folder).as_posix()}": p.read_text(encoding="utf-8")
                      for p in sorted(pack.folder.rglob("*")) if p.suffix in _SOURCES and p.is_file()})
    return RuleSet(rules, packs, texts)
