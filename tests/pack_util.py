"""Rule packs written as the README says, for the tests of packs on every path that reviews."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
# fs/dax.c: +309 "struct dax_pmd_stat *stat;", +337 "stat = kmalloc(sizeof(*stat), GFP_NOFS | __GFP_NOFAIL);"
PATCH = FIXTURES / "RB0201/bad-nofail-in-fs.patch"
MSGID = "20161004055557.dax-pmd-stat-1-ross.zwisler@linux.intel.com"


def write_pack(folder: Path, name: str, paths: list[str], rule: tuple[str, str] | None = None,
               severity: dict | None = None) -> None:
    """A pack as the README says to write one: pack.yaml and its rules beside it."""
    folder.mkdir(parents=True)
    lines = [f"name: {name}", f"title: {name} (test)", f"paths: {json.dumps(paths)}"]
    if severity:
        lines.append(f"severity: {json.dumps(severity)}")
    (folder / "pack.yaml").write_text("\n".join(lines) + "\n")
    if rule:
        rule_id, pattern = rule
        (folder / f"{rule_id}-{name}.yaml").write_text(
            f"id: {rule_id}\nname: {name}-rule\nseverity: warning\nscope: added-lines\n"
            f"pattern: '{pattern}'\nmessage: \"{name} asks about {{match}}\"\ndoc: |\n  The {name} pack's own rule.\n")


def pack_setup(root: Path, home: Path) -> tuple[Path, Path, set]:
    """mini-linux with a pack in the tree's .reviewbot/packs/ and one its reviewbot.toml names, a site
    pack for the configuration to name, and a pack in the user's config directory. Returns (tree,
    site packs folder, the pack findings every path must give as (file, line, rule, severity, pack))."""
    tree = root / "linux"
    shutil.copytree(MINI, tree)
    write_pack(tree / ".reviewbot/packs/dax-local", "dax-local", ["fs/dax.c"], ("RB9101", r"\bkmalloc\("))
    site = root / "site-packs"
    write_pack(site / "site-strict", "site-strict", ["fs/"], ("RB9102", r"\bdax_pmd_stat\b"),
               severity={"RB0201": "error"})
    write_pack(tree / "tools/reviewbot-packs/dax-gfp", "dax-gfp", ["fs/dax.c"], ("RB9104", r"\bGFP_NOFS\b"))
    (tree / "reviewbot.toml").write_text('packs = ["tools/reviewbot-packs"]\n')
    write_user_pack(home)
    expected = {("fs/dax.c", 337, "RB0201", "error", "mm-fs"),  # shipped rule, the site pack's level
                ("fs/dax.c", 337, "RB9101", "warning", "dax-local"),
                ("fs/dax.c", 309, "RB9102", "warning", "site-strict"),
                ("fs/dax.c", 337, "RB9104", "warning", "dax-gfp"),
                ("fs/dax.c", 337, "RB9103", "warning", "user-extra")}
    return tree, site, expected


def write_user_pack(home: Path) -> None:
    write_pack(home / ".config/reviewbot/packs/user-extra", "user-extra", ["fs/"], ("RB9103", r"sizeof\(\*stat\)"))


def user_config_names(home: Path, site: Path) -> None:
    (home / ".config/reviewbot/reviewbot.toml").write_text(f'packs = ["{site}"]\n')


def patch_mail() -> bytes:
    """The fixture as a list delivers it: with a Message-ID and the list in To."""
    head, body = PATCH.read_bytes().split(b"\n", 1)[1].split(b"\n\n", 1)
    return (head + f"\nMessage-ID: <{MSGID}>\nTo: linux-fsdevel@vger.kernel.org\n"
            "List-Id: <linux-fsdevel.vger.kernel.org>\n\n".encode() + body)


def pack_findings(findings: list[dict]) -> set:
    return {(f["file"], f["line"], f["rule"], f["severity"], f["pack"]) for f in findings if f.get("pack")}
