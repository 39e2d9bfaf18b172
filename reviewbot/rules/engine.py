"""Declarative review rules: YAML files under rules/, run over what a patch adds.

A rule is data: id, severity, scope, message, documentation, and what it matches:
- ``pattern``: a regular expression over each added line of C code (comments and string
  literals blanked first), optionally limited by ``only_if_file_matches`` (a regex that must match the rest
  of the file after the patch, e.g. "the file already uses EXPORT_SYMBOL_GPL");
- ``query``: a tree-sitter query (.scm beside the YAML) run on the file after the patch; the
  ``@finding`` capture must start on an added line;
- ``condition``: one of the commit-message checks below, for ``scope: commit-message``.
Messages interpolate ``{match}`` (the matched text) and the query's captures by name.
"""
from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from reviewbot.c.parse import LANGUAGE, blank_annotations, parse
from reviewbot.errors import InputError
from reviewbot.model import Finding, Patch, Severity
from reviewbot.rules import conditions


def default_rules_dir() -> Path:
    """REVIEWBOT_RULES (e.g. a site's own pack), else the pack a wheel carries (setup.py copies the
    top-level rules/ to reviewbot/rules/pack/), else rules/ of the checkout an editable install runs from."""
    if os.environ.get("REVIEWBOT_RULES"):
        return Path(os.environ["REVIEWBOT_RULES"])
    packaged = Path(__file__).resolve().parent / "pack"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent.parent / "rules"


RULES_DIR = default_rules_dir()
SCOPES = {"added-lines", "commit-message"}
_STRING_OR_COMMENT = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|/\*.*?\*/|//.*$', re.DOTALL | re.MULTILINE)


@dataclass
class Rule:
    id: str
    name: str
    severity: Severity
    scope: str
    message: str
    doc: str
    summary: str
    path: Path
    pattern: re.Pattern | None = None
    query: object | None = None  # tree_sitter.Query
    condition: str | None = None
    files: list[str] = field(default_factory=lambda: ["*.c", "*.h"])
    only_if_file_matches: re.Pattern | None = None
    unless_function_matches: re.Pattern | None = None  # query rules: skip when the enclosing function matches
    hint: str | None = None
    match_comments: bool = False  # pattern rules: match the line as written, comments included
    skip_first_lines: int = 0  # a file's first lines (licence, copyright) are not checked
    pack: str | None = None  # the rule pack it belongs to (rules/packs/<name>/), None: every path
    in_scope: Callable[[str], bool] | None = None  # set for pack rules: whether a path is the pack's


@dataclass
class RuleContext:
    """What a rule may look at besides the patch; each capability is None when unavailable."""

    read_after: Callable[[str], bytes | None] | None = None
    commit_subject: Callable[[str], str | None] | None = None  # sha prefix -> subject, None if unknown
    # path -> {line: text} of added lines where they landed in the tree (hunks may apply with an
    # offset); None: take the line numbers the patch states
    added: dict[str, dict[int, str]] | None = None
    # paths -> subjects of the recent commits touching them, newest first (git log), None if no history
    path_log: Callable[[list[str]], list[str]] | None = None


def load_rules(directory: Path = RULES_DIR) -> list[Rule]:
    if not directory.is_dir():
        raise InputError(f"no rules folder at {directory} (set REVIEWBOT_RULES)")
    # rules/packs/ holds the subsystem packs (reviewbot.rules.packs): loaded with their scope, not here
    rules = [_load(p) for p in sorted(directory.rglob("*.yaml")) if p.relative_to(directory).parts[0] != "packs"]
    seen: dict[str, Path] = {}
    for r in rules:
        if r.id in seen:
            raise InputError(f"{r.path}: rule id {r.id} already used by {seen[r.id]}")
        seen[r.id] = r.path
    return sorted(rules, key=lambda r: r.id)


def _load(path: Path) -> Rule:
    """A rule file; packs bring them from the tree and the user's folders too, so anything wrong in
    one is an InputError naming the file (exit 2), never a crash."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not a readable YAML rule ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a rule is a YAML mapping (id, name, severity, scope, message, doc, ...)")
    try:
        return _rule(path, data)
    except (ValueError, TypeError, AttributeError, re.error) as exc:
        raise InputError(f"{path}: {exc}") from None


def _rule(path: Path, data: dict) -> Rule:
    missing = [k for k in ("id", "name", "severity", "scope", "message", "doc") if not data.get(k)]
    if missing:
        raise InputError(f"{path}: missing {', '.join(missing)}")
    if data["scope"] not in SCOPES:
        raise InputError(f"{path}: scope must be one of {', '.join(sorted(SCOPES))}")
    kinds = [k for k in ("pattern", "query", "condition") if data.get(k)]
    if len(kinds) != 1:
        raise InputError(f"{path}: a rule has exactly one of pattern, query, condition")
    if data.get("condition") and data["condition"] not in conditions.CONDITIONS:
        raise InputError(f"{path}: unknown condition {data['condition']!r}")
    query = None
    if data.get("query"):
        from tree_sitter import Query

        source = (path.parent / str(data["query"])).resolve()
        if not source.is_relative_to(path.parent.resolve()):
            raise InputError(f"{path}: query {data['query']!r} is not in the rule's folder")
        try:
            query = Query(LANGUAGE, source.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read its query ({exc})") from None
    doc = data["doc"].strip()
    return Rule(
        id=str(data["id"]), name=data["name"], severity=Severity(data["severity"]), scope=data["scope"],
        message=data["message"].strip(), doc=doc, summary=data.get("summary") or doc.splitlines()[0], path=path,
        pattern=re.compile(data["pattern"]) if data.get("pattern") else None, query=query,
        condition=data.get("condition"), files=data.get("files", ["*.c", "*.h"]),
        only_if_file_matches=re.compile(data["only_if_file_matches"], re.MULTILINE)
        if data.get("only_if_file_matches") else None,
        unless_function_matches=re.compile(data["unless_function_matches"])
        if data.get("unless_function_matches") else None,
        hint=data.get("hint"), match_comments=bool(data.get("match_comments")),
        skip_first_lines=int(data.get("skip_first_lines") or 0))


def code_only(line: str) -> str:
    """The line with comments and string/char literals blanked (same length)."""
    return _STRING_OR_COMMENT.sub(lambda m: " " * len(m.group(0)), line)


def added_lines(patch: Patch) -> dict[str, dict[int, str]]:
    """path -> {post-image line number: text} of every line the patch adds."""
    out: dict[str, dict[int, str]] = {}
    for pf in patch.patchset:
        if pf.is_removed_file or pf.is_binary_file:
            continue
        path = pf.path
        lines = out.setdefault(path, {})
        for hunk in pf:
            for line in hunk:
                if line.is_added and line.target_line_no is not None:
                    lines[line.target_line_no] = line.value.rstrip("\n")
    return out


def run_rules(rules: list[Rule], patch: Patch, context: RuleContext | None = None) -> list[Finding]:
    context = context or RuleContext()
    findings: list[Finding] = []
    parsed: dict[str, dict[int, str]] | None = context.added

    def added() -> dict[str, dict[int, str]]:
        """Read from the diff only when a rule needs it: a commit-message rule does not, so it still
        runs on a patch whose diff a mailer broke."""
        nonlocal parsed
        if parsed is None:
            parsed = added_lines(patch) if patch.has_diff else {}
        return parsed

    for rule in rules:
        if rule.scope == "commit-message":
            if rule.in_scope is not None and not any(rule.in_scope(p) for p in added()):
                continue
            for line, message, *severity in conditions.CONDITIONS[rule.condition](patch, context):
                found = _finding(rule, "(commit message)", line, patch, {"match": message})
                if severity:
                    found.severity = severity[0]
                findings.append(found)
            continue
        for path, lines in added().items():
            if not any(fnmatch.fnmatch(path, pat) for pat in rule.files):
                continue
            if rule.in_scope is not None and not rule.in_scope(path):
                continue
            if rule.pattern is not None:
                findings.extend(_pattern_findings(rule, path, lines, patch, context))
            elif rule.query is not None and context.read_after is not None:
                findings.extend(_query_findings(rule, path, lines, patch, context))
    return findings


def _pattern_findings(rule: Rule, path: str, lines: dict[int, str], patch: Patch,
                      context: RuleContext) -> list[Finding]:
    out = []
    after_text = None
    for number, text in sorted(lines.items()):
        if number <= rule.skip_first_lines:
            continue
        m = rule.pattern.search(text if rule.match_comments else code_only(text))
        if not m:
            continue
        if rule.only_if_file_matches is not None:
            if after_text is None:
                data = context.read_after(path) if context.read_after else None
                after_text = data.decode("utf-8", "replace").split("\n") if data else []
            rest = "\n".join(t for i, t in enumerate(after_text, 1) if i not in lines)
            if not rule.only_if_file_matches.search(rest):
                continue
        out.append(_finding(rule, path, number, patch, {"match": m.group(0).strip()}))
    return out


def _query_findings(rule: Rule, path: str, lines: dict[int, str], patch: Patch,
                    context: RuleContext) -> list[Finding]:
    from tree_sitter import QueryCursor

    data = context.read_after(path)
    if data is None:
        return []
    source = blank_annotations(data)
    root = parse(source, blank=False).root_node
    out = []
    for _, captures in QueryCursor(rule.query).matches(root):
        for node in captures.get("finding", []):
            line = node.start_point[0] + 1
            if line not in lines:
                continue
            if rule.unless_function_matches is not None:
                fn = node
                while fn is not None and fn.type != "function_definition":
                    fn = fn.parent
                body = source[fn.start_byte:fn.end_byte].decode("utf-8", "replace") if fn is not None else ""
                if rule.unless_function_matches.search(body):
                    continue
            values = {name: source[nodes[0].start_byte:nodes[0].end_byte].decode("utf-8", "replace")
                      for name, nodes in captures.items()}
            values.setdefault("match", values.get("finding", ""))
            out.append(_finding(rule, path, line, patch, values))
    return out


def _finding(rule: Rule, path: str, line: int, patch: Patch, values: dict[str, str]) -> Finding:
    try:
        message = rule.message.format(**values)
    except (KeyError, IndexError):
        message = rule.message
    return Finding(path, line, rule.id, rule.severity, message, patch.index, rule.hint, pack=rule.pack)

