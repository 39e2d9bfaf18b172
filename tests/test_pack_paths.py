"""Rule packs in force the same way on every path that reviews: `review`, the bot and `archive` load
the shipped packs, the tree's, the configuration's and the user's through one function, and give
the same pack findings for the same series (the Dask path is in tests/test_archive_dask.py)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from reviewbot.archive.runner import run_archive
from reviewbot.archive.sources import load_items
from reviewbot.archive.store import read_results
from reviewbot.archive.task import build_context
from reviewbot.cli import app
from reviewbot.config import load_config
from reviewbot.errors import InputError
from reviewbot.rules.ruleset import build_rule_set, rule_set_from_texts
from tests.bot_util import bot_cli, policy_file, write_maildir
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


def test_review_bot_and_archive_give_the_same_pack_findings(tmp_path, own_home):
    tree, site, expected = pack_setup(tmp_path, own_home)
    user_config_names(own_home, site)
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(b"From reviewbot-test Thu Jan  1 00:00:00 1970\n" + patch_mail() + b"\n")

    result = CliRunner().invoke(app, ["review", str(mbox), "--tree", str(tree), "--format", "json", "--no-cache"])
    assert result.exit_code == 1, result.output
    assert pack_findings(json.loads(result.output)["findings"]) == expected

    items = load_items(f"mbox:{mbox}", str(tree))
    run_archive(items, build_context(str(tree), use_cache=False), tmp_path / "archive")
    (line,) = read_results(tmp_path / "archive/results.jsonl")
    assert pack_findings(line["findings"]) == expected

    # the bot reads its own --config, not the user's reviewbot.toml: the site pack comes from [review]
    write_user_pack(tmp_path / "home")  # the HOME bot_cli gives the process
    write_maildir(tmp_path / "inbox", [patch_mail()])
    config = policy_file(tmp_path, f'reports = "{tmp_path / "reports"}"\n[review]\npacks = ["{site}"]\n')
    run = bot_cli(tmp_path, "run", "--inbox", f"maildir:{tmp_path / 'inbox'}", "--tree", str(tree), "--state",
                  str(tmp_path / "state.sqlite3"), "--outbox", str(tmp_path / "out"), "--config", str(config),
                  "--once", "--no-cache")
    assert run.returncode == 0, run.stderr
    (report,) = (tmp_path / "reports").glob("*.json")
    assert pack_findings(json.loads(report.read_text())["findings"]) == expected


def test_a_rule_set_sent_as_text_is_the_rule_set_built_from_the_files(tmp_path, own_home):
    tree, site, _ = pack_setup(tmp_path, own_home)
    user_config_names(own_home, site)
    built = build_rule_set(tree, load_config(tree))
    sent = rule_set_from_texts(built.texts)
    assert [p.name for p in built.packs] == ["drivers-devm", "mm-fs", "net", "dax-local", "dax-gfp", "site-strict",
                                             "user-extra"]

    def shape(rule_set):
        return ([r.id for r in rule_set.all_rules], [(p.name, p.paths, p.maintainers, p.checks, p.severity)
                                                     for p in rule_set.packs], rule_set.version)
    assert shape(sent) == shape(built)
    assert {r.id: r.pack for r in sent.all_rules}["RB9101"] == "dax-local"


def test_the_rule_set_version_follows_every_pack_in_force(tmp_path, own_home):
    tree, site, _ = pack_setup(tmp_path, own_home)
    before = build_rule_set(tree, load_config(tree)).version
    assert build_rule_set(tree, load_config(tree)).version == before
    rule = tree / ".reviewbot/packs/dax-local/RB9101-dax-local.yaml"
    rule.write_text(rule.read_text().replace("severity: warning", "severity: error"))
    assert build_rule_set(tree, load_config(tree)).version != before


def test_a_rule_set_file_that_would_leave_its_folder_is_refused():
    with pytest.raises(InputError, match="leaves its folder"):
        rule_set_from_texts({"rules/../../evil.yaml": "id: X\n"})
