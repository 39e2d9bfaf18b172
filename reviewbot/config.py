"""User and tree configuration: which rules run, at which severity, on which paths.

Looked up, later ones overriding earlier ones:
1. ``reviewbot.toml`` in the user's config directory (``~/.config/reviewbot/``);
2. ``[tool.reviewbot]`` in the tree's ``pyproject.toml``, then the tree's own ``reviewbot.toml``
   (or ``.reviewbot.toml``).

    disable = ["RB0003", "checkpatch:LONG_LINE"]   # rule ids (or "checkpatch:*")
    enable = ["RB0003"]                             # re-enable what an earlier file disabled
    ignore_paths = ["drivers/staging/*", "tools/"]  # fnmatch patterns or folder prefixes
    fail_on = "warning"                             # for `reviewbot check`: info, warning or error
    trailers_ignore_from = ["ci-bot@example.org"]   # b4's trailers-ignore-from: replies from these
                                                    # addresses give no trailers (also "trailers-ignore-from")
    packs = ["tools/reviewbot-packs"]               # rule pack folders (reviewbot.rules.packs), relative to the file
    [severity]
    RB0002 = "error"
"""
from __future__ import annotations

import fnmatch
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path

from reviewbot.errors import InputError
from reviewbot.model import Finding, Severity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

KNOWN_KEYS = {"disable", "enable", "ignore_paths", "fail_on", "severity", "trailers_ignore_from",
              "trailers-ignore-from", "packs"}


@dataclass
class Config:
    disabled: set[str] = field(default_factory=set)
    severities: dict[str, Severity] = field(default_factory=dict)
    ignore_paths: list[str] = field(default_factory=list)
    trailers_ignore_from: list[str] = field(default_factory=list)  # addresses whose replies give no trailers
    fail_on: Severity = Severity.WARNING
    pack_dirs: list[Path] = field(default_factory=list)  # rule packs the files name (``packs``)

    def rule_enabled(self, rule: str) -> bool:
        return not any(fnmatch.fnmatchcase(rule, pattern) for pattern in self.disabled)

    def path_ignored(self, path: str) -> bool:
        for pattern in self.ignore_paths:
            if fnmatch.fnmatchcase(path, pattern) or path.startswith(pattern.rstrip("*").rstrip("/") + "/"):
                return True
        return False

    def apply(self, findings: list[Finding]) -> list[Finding]:
        """Drop findings of disabled rules and ignored paths; set configured severities."""
        out = []
        for f in findings:
            if not self.rule_enabled(f.rule) or self.path_ignored(f.file):
                continue
            sev = self.severities.get(f.rule)
            out.append(replace(f, severity=sev) if sev else f)
        return out


def _severity(value: object, where: str) -> Severity:
    try:
        return Severity(str(value).lower())
    except ValueError:
        raise InputError(f"{where}: severity must be info, warning or error, not {value!r}") from None


def merge(config: Config, table: dict, where: str, folder: Path) -> Config:
    """``table``'s settings into ``config``; ``where`` names it in errors, ``folder`` (that of the file
    it came from) is where its relative ``packs`` folders are."""
    unknown = set(table) - KNOWN_KEYS
    if unknown:
        raise InputError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    for key in ("disable", "enable", "ignore_paths", "packs"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: {key} must be a list of strings")
    config.disabled |= set(table.get("disable", []))
    config.disabled -= set(table.get("enable", []))
    config.ignore_paths.extend(table.get("ignore_paths", []))
    for key in ("trailers_ignore_from", "trailers-ignore-from"):
        value = table.get(key, [])
        if isinstance(value, str):  # b4 writes it as one comma-separated string
            value = [v for v in value.split(",")]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InputError(f"{where}: {key} must be a list of addresses")
        config.trailers_ignore_from.extend(v.strip().lower() for v in value if v.strip())
    config.pack_dirs.extend(folder / name for name in table.get("packs", []))
    if "fail_on" in table:
        config.fail_on = _severity(table["fail_on"], where)
    severity = table.get("severity", {})
    if not isinstance(severity, dict):
        raise InputError(f"{where}: [severity] must be a table of rule = level")
    for rule, level in severity.items():
        config.severities[rule] = _severity(level, f"{where} [severity] {rule}")
    return config


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc})") from None
    except UnicodeDecodeError as exc:  # tomllib decodes as UTF-8 before it parses
        raise InputError(f"{path}: not UTF-8 (byte {exc.start}), TOML must be") from None
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def user_config_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("reviewbot")) / "reviewbot.toml"


def load_config(tree: str | Path | None = None, user_file: Path | None = None) -> Config:
    """The configuration in force for a review of ``tree`` (a plain directory or a checkout)."""
    config = Config()
    user_file = user_file if user_file is not None else user_config_path()
    if user_file.is_file():
        merge(config, _read_toml(user_file), str(user_file), user_file.parent)
    return _merge_tree(config, tree)


def tree_config(tree: str | Path | None) -> Config:
    """What the tree's own files say, without the user's: the rule packs a tree brings count for
    every review of it, the bot's too (reviewbot.rules.ruleset)."""
    return _merge_tree(Config(), tree)


def _merge_tree(config: Config, tree: str | Path | None) -> Config:
    if tree is not None and Path(tree).is_dir():
        pyproject = Path(tree) / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("reviewbot")
            if table:
                merge(config, table, f"{pyproject} [tool.reviewbot]", pyproject.parent)
        for name in ("reviewbot.toml", ".reviewbot.toml"):
            path = Path(tree) / name
            if path.is_file():
                merge(config, _read_toml(path), str(path), path.parent)
    return config
