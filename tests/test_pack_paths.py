"""Rule packs in force the same way on every path that reviews: `review`, the bot and `archive` load
the shipped packs, the tree's, the configuration's and the user's through one function, and give
the same pack findings for the same series (the Dask path is in tests/test_archive_dask.py)."""
from __future__ import annotations

import json
import mailbox
import re
import shutil
from importlib import resources
from pathlib import Path

import jsonschema
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
from tests.bot_util import bot_cli, mbox_of, outbox_mails, policy_file, write_maildir
from tests.conftest import REPO
from tests.pack_util import (
    MINI,
    pack_findings,
    pack_setup,
    patch_mail,
    user_config_names,
    write_user_pack,
)


def test_review_bot_and_archive_give_the_same_pack_findings(tmp_path, own_home):
    tree, site, expected = pack_setup(tmp_path, own_home)
    user_config_names(own_home, site)
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(mbox_of([patch_mail()]))

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
    (reply,) = outbox_mails(tmp_path / "out")
    remarks = [line for line in reply.decode().split("\n") if line.startswith("[reviewbot ")]
    assert {line.split("] ", 2)[1] + "]" for line in remarks} >= {f"[pack {pack}]" for *_, pack in expected}
    assert "[reviewbot RB0201, error] [pack mm-fs] a new __GFP_NOFAIL allocation" in reply.decode()


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


def _review_cli(tree: Path, mbox: Path, *args: str) -> str:
    result = CliRunner().invoke(app, ["review", str(mbox), "--tree", str(tree), "--no-cache", *args])
    assert result.exit_code == 1, result.output
    return result.output


@pytest.fixture
def pack_review(tmp_path, own_home):
    tree, site, _ = pack_setup(tmp_path, own_home)
    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(mbox_of([patch_mail()]))
    return tree, mbox


def test_text_and_markdown_name_a_findings_pack_and_only_then(pack_review):
    tree, mbox = pack_review
    out = _review_cli(tree, mbox, "--format", "text")
    assert ("    fs/dax.c:337: warning [RB0201] [pack mm-fs] a new __GFP_NOFAIL allocation: the allocator may "
            "loop forever (or OOM-kill) rather than fail here\n") in out
    assert "    fs/dax.c:309: warning [RB9101] [pack dax-local] " not in out  # kmalloc is on 337
    assert "    fs/dax.c:337: warning [RB9101] [pack dax-local] dax-local asks about kmalloc(\n" in out
    assert "[pack" not in next(line for line in out.splitlines() if "[RB-ASYMMETRIC]" in line)
    out = _review_cli(tree, mbox, "--format", "markdown")
    assert "| `fs/dax.c:337` | warning | `RB0201` [pack mm-fs] | a new __GFP_NOFAIL allocation" in out
    assert "| `fs/dax.c:337` | warning | `RB9101` [pack dax-local] | dax-local asks about kmalloc( |" in out
    assert "[pack" not in next(line for line in out.splitlines() if "`RB-ASYMMETRIC`" in line)


def test_sarif_names_the_pack_of_a_result_and_of_a_pack_rule(pack_review):
    tree, mbox = pack_review
    data = json.loads(_review_cli(tree, mbox, "--format", "sarif"))
    schema = json.loads(resources.files("reviewbot.report").joinpath("schemas", "sarif-schema-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(data)
    run = data["runs"][0]
    rules = {r["id"]: r for r in run["tool"]["driver"]["rules"]}
    assert rules["RB0201"]["properties"] == {"scope": "added-lines", "pack": "mm-fs"}
    # a pack of the tree's own: its rule's documentation too
    assert rules["RB9101"]["properties"] == {"scope": "added-lines", "pack": "dax-local"}
    assert rules["RB9101"]["fullDescription"]["text"] == "The dax-local pack's own rule."
    assert "pack" not in rules["RB-ASYMMETRIC"]["properties"]
    results = {(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"]): r for r in run["results"]}
    assert results[("RB0201", 337)]["properties"] == {"patch": 1, "series": "dax: count PMD faults", "pack": "mm-fs"}
    assert "pack" not in next(r for r in run["results"] if r["ruleId"] == "RB-ASYMMETRIC")["properties"]


def test_json_keeps_its_shape_and_adds_the_pack(pack_review):
    tree, mbox = pack_review
    data = json.loads(_review_cli(tree, mbox, "--format", "json"))
    (nofail,) = [f for f in data["findings"] if f["rule"] == "RB0201"]
    assert nofail == {"file": "fs/dax.c", "line": 337, "rule": "RB0201", "severity": "warning",
                      "message": "a new __GFP_NOFAIL allocation: the allocator may loop forever (or OOM-kill) rather "
                                 "than fail here", "patch": 1,
                      "hint": "handle the failure; if there is truly no failure policy, say why in the commit message",
                      "pack": "mm-fs"}


def test_the_reply_mail_names_the_pack_where_it_names_the_rule(pack_review, tmp_path):
    tree, mbox = pack_review
    result = CliRunner().invoke(app, ["review", str(mbox), "--tree", str(tree), "--no-cache", "--format", "email",
                                      "-o", str(tmp_path / "replies.mbox")])
    assert result.exit_code == 1, result.output
    (reply,) = mailbox.mbox(str(tmp_path / "replies.mbox"))
    body = reply.get_payload(decode=True).decode()
    lines = body.split("\n")
    at = lines.index("> +\tstat = kmalloc(sizeof(*stat), GFP_NOFS | __GFP_NOFAIL); /* ruleid: RB0201 */")
    remarks = [line for line in lines[at + 1:] if line.startswith("[reviewbot ")]
    assert remarks[:2] == [
        "[reviewbot RB0201, warning] [pack mm-fs] a new __GFP_NOFAIL allocation: the allocator may loop forever "
        "(or OOM-kill) rather than fail here",
        "[reviewbot RB9101, warning] [pack dax-local] dax-local asks about kmalloc("]
    (other,) = [line for line in lines if line.startswith("[reviewbot RB-ASYMMETRIC, info] ")]
    assert "[pack" not in other


def readme_pack() -> dict[str, str]:
    """The example pack of the README's "Rule packs" section: file name -> text, as written there."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    found = dict(re.findall(r"^`\.reviewbot/packs/dax/([\w.-]+)`\n```yaml\n(.*?)```\n", text, re.MULTILINE | re.DOTALL))
    assert set(found) == {"pack.yaml", "RB9001-dax-gfp-nofs.yaml"}, "the README's example pack is gone"
    return found


def _rules_for(tree: Path, path: str) -> str:
    result = CliRunner().invoke(app, ["rules", "--for", path, "--tree", str(tree)])
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("where", ["tree", "tree's reviewbot.toml", "user's reviewbot.toml", "user's packs"])
def test_a_pack_added_as_the_readme_says_applies_and_rules_for_lists_it(where, tmp_path, own_home):
    tree = tmp_path / "linux"
    shutil.copytree(MINI, tree)
    folder = {"tree": tree / ".reviewbot/packs/dax",
              "tree's reviewbot.toml": tree / "tools/reviewbot-packs/dax",
              "user's reviewbot.toml": tmp_path / "site/dax",
              "user's packs": own_home / ".config/reviewbot/packs/dax"}[where]
    folder.mkdir(parents=True)
    for name, text in readme_pack().items():
        (folder / name).write_text(text)
    if where == "tree's reviewbot.toml":
        (tree / "reviewbot.toml").write_text('packs = ["tools/reviewbot-packs"]\n')
    elif where == "user's reviewbot.toml":
        (own_home / ".config/reviewbot").mkdir(parents=True)
        (own_home / ".config/reviewbot/reviewbot.toml").write_text(f'packs = ["{tmp_path / "site"}"]\n')

    listed = _rules_for(tree, "fs/dax.c")
    section = listed[listed.index("pack dax: DAX (fs/dax.c, drivers/dax/; from "):]
    assert f"from {folder.resolve()})\n" in section
    assert re.search(r"^  RB9001  warning  added-lines  A new GFP_NOFS allocation in DAX code", section, re.M)
    assert "  RB-ASYMMETRIC  findings here carry the pack's name\n  RB-ASYMMETRIC  severity warning here\n" in section
    assert re.search(r"^RB-ASYMMETRIC +warning ", listed, re.M)  # the level in force on fs/dax.c
    elsewhere = _rules_for(tree, "mm/memory.c")
    assert "pack dax" not in elsewhere and re.search(r"^RB-ASYMMETRIC +info ", elsewhere, re.M)

    mbox = tmp_path / "series.mbox"
    mbox.write_bytes(mbox_of([patch_mail()]))
    findings = json.loads(_review_cli(tree, mbox, "--format", "json"))["findings"]
    assert {(f["file"], f["line"], f["rule"], f["severity"]) for f in findings if f.get("pack") == "dax"} == {
        ("fs/dax.c", 337, "RB9001", "warning"), ("fs/dax.c", 378, "RB-ASYMMETRIC", "warning")}


def test_rules_for_shows_what_the_configuration_changes_on_the_path(tmp_path):
    tree = tmp_path / "linux"
    shutil.copytree(MINI, tree)
    (tree / "reviewbot.toml").write_text('disable = ["RB0002"]\nignore_paths = ["fs/cramfs/"]\n'
                                         '[severity]\nRB0001 = "error"\n')
    listed = _rules_for(tree, "fs/cramfs/inode.c")
    lines = listed.splitlines()
    assert lines[0] == "fs/cramfs/inode.c is in the configuration's ignore_paths: no finding is reported there"
    assert re.search(r"^RB0001 +error +added-lines +New code calls BUG", listed, re.M)
    assert not re.search(r"^ *RB0002 ", listed, re.M)
    assert lines[-1] == "disabled by the configuration: RB0002"
    assert _rules_for(tree, "fs/dax.c").splitlines()[0].startswith("RB-ALLOC-CONTEXT ")
