"""What the bot answers, to whom and how often: a TOML file (``bot run --config FILE``).

    [bot]
    lists = ["linux-mm.kvack.org"]      # List-Id values to watch; empty or absent: every list
    paths = ["mm/", "fs/dax.c"]         # only series touching these (prefixes or fnmatch patterns)
    reply_threshold = "warning"         # the least severity that makes a reply (info, warning, error)
    quiet = false                       # true: review and write reports, send no mail
    opt_out = ["someone@example.org", "netdev.vger.kernel.org"]   # authors or List-Ids never answered
    rate_per_list = 50                  # at most this many replies per list per day (0: no limit)
    rate_per_author = 10                # ... per author per day
    from = "reviewbot <reviewbot@example.org>"
    signature = "reviewbot, run by Jane Doe <jane@example.org>"
    cc = "list"                         # Cc: the list the patch came from ("list"), everyone the
                                        # patch was sent to ("all"), or nobody ("none")
    reports = "/var/lib/reviewbot/reports"   # one JSON report per reviewed version
    wait_minutes = 60                   # review an incomplete version after this long
    poll_seconds = 60                   # --follow: how often to look for new mail
    could_not_test = false              # answer a series that cannot be reviewed with a short note
    [review]                            # the reviewbot.toml settings: disable, enable, ignore_paths, severity,
    disable = ["checkpatch:*"]          # on top of the tree's own reviewbot.toml
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.config import Config, _read_toml, _severity, merge, tree_config
from reviewbot.errors import InputError
from reviewbot.model import Severity
from reviewbot.report.email_reply import DEFAULT_FROM

_BOT_KEYS = {"lists", "paths", "reply_threshold", "quiet", "opt_out", "rate_per_list", "rate_per_author", "from",
             "signature", "cc", "reports", "wait_minutes", "poll_seconds", "could_not_test"}


@dataclass
class Policy:
    lists: list[str] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    reply_threshold: Severity = Severity.WARNING
    quiet: bool = False
    opt_out: list[str] = field(default_factory=list)
    rate_per_list: int = 0
    rate_per_author: int = 0
    from_address: str = DEFAULT_FROM
    signature: str = ""
    cc: str = "list"
    reports: Path | None = None
    wait_minutes: float = 60.0
    poll_seconds: float = 60.0
    could_not_test: bool = False
    review: Config = field(default_factory=Config)

    def watches_list(self, list_id: str | None) -> bool:
        return not self.lists or (list_id is not None and list_id.lower() in {x.lower() for x in self.lists})

    def watches_paths(self, files: list[str]) -> bool:
        if not self.paths:
            return True
        return any(_path_matches(f, pattern) for f in files for pattern in self.paths)

    def opted_out(self, author_email: str, list_id: str | None) -> str | None:
        """The opt-out entry that covers this author or list, if any."""
        names = {x.lower() for x in self.opt_out}
        if author_email and author_email.lower() in names:
            return author_email
        if list_id and list_id.lower() in names:
            return list_id
        return None


def _path_matches(path: str, pattern: str) -> bool:
    return fnmatch.fnmatchcase(path, pattern) or path == pattern.rstrip("/") or \
        path.startswith(pattern.rstrip("*").rstrip("/") + "/")


def _strings(table: dict, key: str, where: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{where}: {key} must be a list of strings")
    return value


def _number(table: dict, key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise InputError(f"{where}: {key} must be a number >= 0")
    return value


def _flag(table: dict, key: str, where: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise InputError(f"{where}: {key} must be true or false")
    return value


def load_policy(path: Path | None, tree: str | Path | None = None) -> Policy:
    """The policy in ``path`` (defaults for every setting it leaves out); defaults alone for None.
    Its review settings start from what ``tree``'s own reviewbot.toml says (the maintainers'
    disable/severity/ignore_paths count for the bot as for `review`), then its ``[review]`` table."""
    policy = Policy(review=tree_config(tree) if tree is not None else Config())
    if path is None:
        return policy
    data = _read_toml(Path(path))
    unknown = set(data) - {"bot", "review"}
    if unknown:
        raise InputError(f"{path}: unknown table(s) {', '.join(sorted(unknown))} (the bot reads [bot] and [review])")
    table = data.get("bot", {})
    where = f"{path} [bot]"
    unknown = set(table) - _BOT_KEYS
    if unknown:
        raise InputError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    policy.lists = _strings(table, "lists", where)
    policy.paths = _strings(table, "paths", where)
    policy.opt_out = _strings(table, "opt_out", where)
    if "reply_threshold" in table:
        policy.reply_threshold = _severity(table["reply_threshold"], f"{where} reply_threshold")
    policy.quiet = _flag(table, "quiet", where)
    policy.could_not_test = _flag(table, "could_not_test", where)
    policy.rate_per_list = int(_number(table, "rate_per_list", 0, where))
    policy.rate_per_author = int(_number(table, "rate_per_author", 0, where))
    policy.wait_minutes = _number(table, "wait_minutes", policy.wait_minutes, where)
    policy.poll_seconds = _number(table, "poll_seconds", policy.poll_seconds, where)
    for key, attr in (("from", "from_address"), ("signature", "signature")):
        if key in table:
            if not isinstance(table[key], str):
                raise InputError(f"{where}: {key} must be a string")
            setattr(policy, attr, table[key])
    cc = table.get("cc", "list")
    if cc not in ("list", "all", "none"):
        raise InputError(f"{where}: cc must be \"list\", \"all\" or \"none\", not {cc!r}")
    policy.cc = cc
    if "reports" in table:
        if not isinstance(table["reports"], str):
            raise InputError(f"{where}: reports must be a directory path")
        policy.reports = Path(table["reports"]).expanduser()
    if "review" in data:
        merge(policy.review, data["review"], f"{path} [review]", Path(path).parent)
    return policy
