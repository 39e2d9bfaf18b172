"""Rule packs: a subsystem's own rules and settings, in force only on its paths.

A pack is a folder with a ``pack.yaml`` and the rules of the pack beside it (same YAML form as
rules/, ids of their own):

    name: net
    title: Networking
    paths: ["net/", "drivers/net/", "include/net/*"]   # folder prefixes or fnmatch globs
    maintainers: ["NETWORKING [GENERAL]"]               # MAINTAINERS sections: their F:/X: lines scope the pack too
    checks: [RB-ALLOC-CONTEXT]                          # analyses whose findings on these paths carry the pack's name
    severity: {RB0001: error}                           # levels of rules and analyses on these paths

A file is in a pack when a ``paths`` pattern matches it or, in a tree with a MAINTAINERS file,
the F: patterns of one of the named sections do (matched as scripts/get_maintainer.pl does).
Packs come from the package (rules/packs/), then the tree (``.reviewbot/packs/`` or the folders
its reviewbot.toml names in ``packs = [...]``), then the configuration in force (its ``packs``),
then the user's config directory (``~/.config/reviewbot/packs/``); a later pack of the same name
replaces an earlier one. reviewbot.rules.ruleset.build_rule_set is the one place that puts them
together, for every path that reviews.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from reviewbot.errors import InputError
from reviewbot.model import Severity

PACK_FILE = "pack.yaml"
_KEYS = {"name", "title", "paths", "maintainers", "checks", "severity", "doc"}


@dataclass
class Pack:
    name: str
    title: str
    folder: Path
    paths: list[str] = field(default_factory=list)
    maintainers: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    severity: dict[str, Severity] = field(default_factory=dict)
    doc: str = ""
    rules: list = field(default_factory=list)  # engine.Rule, with .pack set to this pack's name

    def covers(self, path: str, maintainers=None) -> bool:
        """Whether ``path`` is one of the pack's: a ``paths`` pattern, or a named MAINTAINERS
        section's F: patterns (``maintainers``: an ingest.maintainers.Maintainers, or None)."""
        for pattern in self.paths:
            if pattern.endswith("/") and path.startswith(pattern):
                return True
            if fnmatch.fnmatchcase(path, pattern):
                return True
        if maintainers is not None:
            return any(maintainers.in_section(name, path) for name in self.maintainers)
        return False

    def scope_text(self) -> str:
        parts = list(self.paths) + [f"MAINTAINERS: {m}" for m in self.maintainers]
        return ", ".join(parts)


def load_pack(folder: Path) -> Pack:
    from reviewbot.rules.engine import _load

    path = folder / PACK_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not a readable pack ({exc})") from None
    if not isinstance(data, dict) or not data.get("name"):
        raise InputError(f"{path}: a pack needs a name")
    unknown = set(data) - _KEYS
    if unknown:
        raise InputError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    for key in ("paths", "maintainers", "checks"):
        value = data.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{path}: {key} must be a list of strings")
    if not data.get("paths") and not data.get("maintainers"):
        raise InputError(f"{path}: a pack needs paths or maintainers to say where it applies")
    if not isinstance(data.get("severity") or {}, dict):
        raise InputError(f"{path}: severity must be a mapping of rule id to level")
    try:
        severity = {str(k): Severity(str(v).lower()) for k, v in (data.get("severity") or {}).items()}
    except ValueError:
        raise InputError(f"{path}: severity levels are info, warning or error") from None
    pack = Pack(str(data["name"]), str(data.get("title") or data["name"]), folder, data.get("paths", []),
                data.get("maintainers", []), data.get("checks", []), severity, str(data.get("doc") or "").strip())
    for rule_file in sorted(folder.glob("*.yaml")):
        if rule_file.name == PACK_FILE:
            continue
        rule = _load(rule_file)
        rule.pack = pack.name
        pack.rules.append(rule)
    return pack


def pack_folders(rules_dir: Path, tree: str | Path | None = None, extra: list[Path] | None = None,
                 user_dir: Path | None = None) -> list[Path]:
    """Every pack folder in force, package first, then the tree's, then the user's."""
    found: list[Path] = []

    def add(base: Path) -> None:
        if (base / PACK_FILE).is_file():
            found.append(base)
        elif base.is_dir():
            found.extend(sorted(p.parent for p in base.glob(f"*/{PACK_FILE}")))
    add(rules_dir / "packs")
    if tree is not None and Path(tree).is_dir():
        add(Path(tree) / ".reviewbot" / "packs")
    for folder in extra or []:
        add(folder)
    if user_dir is None:
        from platformdirs import user_config_dir

        user_dir = Path(user_config_dir("reviewbot")) / "packs"
    add(user_dir)
    return found


def load_pack_folders(folders: list[Path]) -> list[Pack]:
    """The packs of ``folders`` (in precedence order: a later pack of a name replaces an earlier
    one, in its place); a folder named twice counts once, a rule id used twice is refused."""
    packs: dict[str, Pack] = {}
    for folder in dict.fromkeys(f.resolve() for f in folders):
        pack = load_pack(folder)
        packs[pack.name] = pack
    seen: dict[str, Path] = {}
    for pack in packs.values():
        for rule in pack.rules:
            if rule.id in seen:
                raise InputError(f"{rule.path}: rule id {rule.id} already used by {seen[rule.id]}")
            seen[rule.id] = rule.path
    return list(packs.values())


def shipped_rules(rules_dir: Path) -> list:
    """The rules of the packs that ship with reviewbot (rules/packs/), for its documentation and SARIF."""
    return [rule for pack_file in sorted((rules_dir / "packs").glob(f"*/{PACK_FILE}"))
            for rule in load_pack(pack_file.parent).rules]


def maintainers_of(read) -> object | None:
    """The tree's MAINTAINERS (``read``: path -> bytes or None), parsed; None without one."""
    data = read("MAINTAINERS")
    if not data:
        return None
    from reviewbot.ingest.maintainers import Maintainers

    return Maintainers.parse(data.decode("utf-8", "replace"))
