"""Rule packs: a subsystem's rules and settings apply on its paths (globs or MAINTAINERS F: lines) only."""
from __future__ import annotations

import json
import re
import shutil

import pytest
from typer.testing import CliRunner

from reviewbot.c.apply import apply_series
from reviewbot.c.tree import DirTree
from reviewbot.cli import app
from reviewbot.config import Config
from reviewbot.errors import InputError
from reviewbot.ingest.load import load_mail
from reviewbot.pipeline import ReviewOptions, review_input
from reviewbot.report.json_report import render
from reviewbot.rules.engine import RuleContext, run_rules
from reviewbot.rules.packs import maintainers_of
from reviewbot.rules.ruleset import build_rule_set
from tests.conftest import FIXTURES
from tests.pack_util import write_pack

MINI = FIXTURES / "trees/mini-linux"
MAINTAINERS = FIXTURES / "packs/MAINTAINERS"
NO_USER = FIXTURES / "packs/no-user-packs"  # absent: the developer's own packs never count in tests


def _packs(tree=None, extra=None):
    return {p.name: p for p in build_rule_set(tree, Config(pack_dirs=extra or []), user_dir=NO_USER).packs}


def _maintainers():
    return maintainers_of(lambda path: MAINTAINERS.read_bytes() if path == "MAINTAINERS" else None)


PACKS = _packs()
PACK_RULES = [(pack, rule) for pack in PACKS.values() for rule in pack.rules]


def test_three_packs_ship_each_with_a_rule():
    assert {"mm-fs", "net", "drivers-devm"} <= set(PACKS)
    shipped = {r.id: r.pack for _, r in PACK_RULES}
    assert shipped.items() >= {"RB0201": "mm-fs", "RB0301": "net", "RB0401": "drivers-devm"}.items()
    assert "RB-ALLOC-CONTEXT" in PACKS["mm-fs"].checks


def _expected(text: str, patch, rule_id: str) -> set[tuple[str, int]]:
    expected = {(path, int(line)) for path, line in re.findall(r"^X-Reviewbot-Expect-At: (\S+):(\d+)$", text,
                                                                re.MULTILINE)}
    for pf in patch.patchset:
        for hunk in pf:
            for line in hunk:
                if line.is_added and f"ruleid: {rule_id}" in line.value:
                    expected.add((pf.path, line.target_line_no))
    return expected


@pytest.mark.parametrize("pack, rule", PACK_RULES, ids=[r.id for _, r in PACK_RULES])
def test_pack_rule_finds_exactly_what_its_fixtures_state_on_its_paths_only(pack, rule, monkeypatch):
    # the rule object is shared by the module: its scope is set for this test only
    monkeypatch.setattr(rule, "in_scope", lambda path: pack.covers(path))
    cases = sorted((FIXTURES / rule.id).glob("*.patch"))
    kinds = set()
    for case in cases:
        (group,) = load_mail(case).groups
        (patch,) = group.newest.patches
        (step,) = apply_series(DirTree(MINI), [patch])
        assert step.applied, case.name
        added = {path: change.added for path, change in step.changed.items() if change.after is not None}
        found = run_rules([rule], patch, RuleContext(read_after=step.tree_after.read, added=added))
        expected = _expected(case.read_text(), patch, rule.id)
        assert {(f.file, f.line) for f in found} == expected, case.name
        assert {f.pack for f in found} <= {pack.name}
        kinds.add(bool(expected))
        # every fixture touches files outside the pack or inside it; unscoped, the ok cases that sit
        # outside the pack would fire: the scope is what keeps them quiet
    assert kinds == {True, False}, f"{rule.id} needs a case with findings and one without"


def test_scope_is_what_keeps_a_rule_quiet_outside_its_pack():
    rule = next(r for _, r in PACK_RULES if r.id == "RB0201")
    (group,) = load_mail(FIXTURES / "RB0201/ok-outside-mm-fs.patch").groups
    (patch,) = group.newest.patches
    (step,) = apply_series(DirTree(MINI), [patch])
    added = {path: change.added for path, change in step.changed.items()}
    unscoped = run_rules([rule], patch, RuleContext(read_after=step.tree_after.read, added=added))
    assert [(f.file, f.rule) for f in unscoped] == [("drivers/dax/device.c", "RB0201")]


def test_maintainers_f_lines_scope_a_pack():
    maintainers = _maintainers()
    net, mm = PACKS["net"], PACKS["mm-fs"]
    # F: include/linux/netdevice.h (NETWORKING DRIVERS, NETWORKING [GENERAL]), F: lib/net_utils.c
    assert net.covers("include/linux/netdevice.h", maintainers)
    assert net.covers("lib/net_utils.c", maintainers)
    assert not net.covers("include/linux/netdevice.h")  # no MAINTAINERS: the globs alone
    assert not net.covers("lib/random.c", maintainers) and not net.covers("fs/dax.c", maintainers)
    # F: include/linux/mm.h (MEMORY MANAGEMENT); "THE REST" (F: *, F: */) is named by no pack
    assert mm.covers("include/linux/mm.h", maintainers) and not mm.covers("include/linux/mm.h")
    assert not mm.covers("kernel/fork.c", maintainers)


def _review(tree, patch_file, **options):
    (review,) = review_input(str(patch_file), str(tree), ReviewOptions(use_cache=False, config=Config(), **options))
    return review


def test_review_scopes_by_the_trees_maintainers_and_names_the_pack(tmp_path):
    patch = FIXTURES / "packs/nofail-in-mm-h.patch"
    assert [f.rule for f in _review(MINI, patch).findings if f.rule == "RB0201"] == []
    tree = tmp_path / "linux"
    shutil.copytree(MINI, tree)
    shutil.copy(MAINTAINERS, tree / "MAINTAINERS")
    review = _review(tree, patch)
    (finding,) = [f for f in review.findings if f.rule == "RB0201"]
    assert (finding.file, finding.line, finding.pack) == ("include/linux/mm.h", 76, "mm-fs")
    (as_json,) = [f for f in json.loads(render([review]))["findings"] if f["rule"] == "RB0201"]
    assert as_json["pack"] == "mm-fs"
    assert all("pack" not in f for f in json.loads(render([review]))["findings"] if f["rule"] == "RB0101")


def test_an_analysis_listed_by_a_pack_carries_its_name_on_the_packs_paths():
    review = _review(MINI, FIXTURES / "checks/alloc-context/gfp-fs-under-fault-handler-locks.patch")
    assert [(f.rule, f.file, f.pack) for f in review.findings if f.rule == "RB-ALLOC-CONTEXT"] == [
        ("RB-ALLOC-CONTEXT", "fs/dax.c", "mm-fs")]


def test_packs_from_the_tree_and_the_config_replace_and_extend_the_packaged_ones(tmp_path):
    tree = tmp_path / "linux"
    write_pack(tree / ".reviewbot/packs/net", "net", ["net/ipv4/"], ("RB9001", r"\bkmalloc\("))
    write_pack(tmp_path / "site/dax", "dax", ["fs/dax.c"], severity={"RB0001": "error"})
    packs = _packs(tree, [tmp_path / "site"])
    assert packs["net"].paths == ["net/ipv4/"] and [r.id for r in packs["net"].rules] == ["RB9001"]
    assert packs["dax"].severity["RB0001"].value == "error" and "mm-fs" in packs


def test_a_pack_setting_changes_severity_on_its_paths_only(tmp_path):
    (tree := tmp_path / "linux").mkdir()
    shutil.copytree(MINI, tree, dirs_exist_ok=True)
    write_pack(tree / ".reviewbot/packs/dax-strict", "dax-strict", ["fs/dax.c"],
                severity={"RB-ALLOC-CONTEXT": "error"})
    review = _review(tree, FIXTURES / "checks/alloc-context/gfp-fs-under-fault-handler-locks.patch")
    assert [(f.severity.value, f.pack) for f in review.findings if f.rule == "RB-ALLOC-CONTEXT"] == [
        ("error", "mm-fs")]  # mm-fs names it first; dax-strict's level applies on fs/dax.c


def test_a_pack_without_a_scope_is_refused(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p/pack.yaml").write_text("name: everywhere\n")
    with pytest.raises(InputError, match="needs paths or maintainers"):
        _packs(None, [tmp_path / "p"])


_HEAD = "id: RB9001\nname: x\nscope: added-lines\nmessage: m\n"
BROKEN_RULES = {
    "a list": "- id: RB9001\n",
    "an unknown severity": _HEAD + "severity: fatal\ndoc: d\npattern: x\n",
    "a broken pattern": _HEAD + "severity: info\ndoc: d\npattern: 'foo('\n",
    "a number for a text": _HEAD + "severity: info\ndoc: 5\npattern: x\n",
    "a query outside its folder": _HEAD + "severity: info\ndoc: d\nquery: ../../../etc/passwd\n",
    "a query tree-sitter refuses": _HEAD + "severity: info\ndoc: d\nquery: q.scm\n",
}


@pytest.mark.parametrize("what", sorted(BROKEN_RULES))
def test_a_broken_rule_in_a_trees_pack_is_one_line_naming_the_file_and_exit_2(tmp_path, capsys, what):
    """Packs come from the tree and the user's folders: a broken rule there is bad input, not a crash."""
    tree = tmp_path / "linux"
    folder = tree / ".reviewbot/packs/mine"
    write_pack(folder, "mine", ["mm/"])
    (folder / "RB9001-broken.yaml").write_text(BROKEN_RULES[what])
    (folder / "q.scm").write_text("(call_expression function: (nonsense_node)) @x\n")
    from reviewbot.cli import run

    assert run(["rules", "--tree", str(tree)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("reviewbot: error: ") and "RB9001-broken.yaml" in line
    with pytest.raises(InputError, match="RB9001-broken.yaml"):
        _packs(tree)


def test_a_pack_severity_that_is_not_a_mapping_is_refused(tmp_path):
    write_pack(tmp_path / "p", "mine", ["mm/"])
    (tmp_path / "p/pack.yaml").write_text("name: mine\npaths: [mm/]\nseverity: [RB0001]\n")
    with pytest.raises(InputError, match="severity must be a mapping"):
        _packs(None, [tmp_path / "p"])


def test_rules_for_a_path_lists_its_packs():
    runner = CliRunner()
    out = runner.invoke(app, ["rules", "--for", "net/core/gro_cells.c", "--tree", str(MINI)])
    assert out.exit_code == 0
    assert "pack net: Networking" in out.output and "  RB0301  info" in out.output
    assert "RB0201" not in out.output and "pack mm-fs" not in out.output
    assert re.search(r"^RB0101 +error", out.output, re.MULTILINE)
    out = runner.invoke(app, ["rules", "--for", "fs/dax.c", "--tree", str(MINI)])
    assert "pack mm-fs" in out.output and "RB-ALLOC-CONTEXT  findings here carry the pack's name" in out.output
    assert "RB0301" not in out.output and "RB0401" not in out.output


def test_a_pack_folder_named_in_the_trees_config_is_found_whatever_the_trees_path(tmp_path):
    """The folder of a config file was once taken from its printed name, cut at " [": a tree at
    ".../lin [wip]" lost the packs its reviewbot.toml names."""
    tree = tmp_path / "lin [wip]"
    write_pack(tree / "mypacks/site", "site", ["fs/"], ("RB9001", r"\bkmalloc\("))
    (tree / "reviewbot.toml").write_text('packs = ["mypacks"]\n')
    assert [r.id for r in _packs(tree)["site"].rules] == ["RB9001"]
