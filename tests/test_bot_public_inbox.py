"""The bot on a real public-inbox v2 inbox, fed by public-inbox-mda as a list server would."""
from __future__ import annotations

import json
import re
from email import message_from_bytes
from email.policy import default as default_policy

from tests.bot_util import MINI, V2, V3, bot_cli, outbox_mails, policy_file, series_mails
from tests.conftest import needs_corpus
from tests.publicinbox_util import RealPublicInbox, needs_public_inbox


@needs_public_inbox
@needs_corpus
def test_bot_follows_a_public_inbox_across_deliveries(corpus, tmp_path):
    pi = RealPublicInbox(tmp_path / "pi")
    lkml = sorted((corpus / "notmuch/corpora/lkml/cur").iterdir())
    for raw in series_mails(V2) + [f.read_bytes() for f in lkml[:4]]:
        pi.deliver(raw)
    state = tmp_path / "state.sqlite3"
    args = ("run", "--inbox", pi.spec, "--tree", str(MINI), "--state", str(state), "--outbox",
            str(tmp_path / "out"), "--config", str(policy_file(tmp_path)), "--once")
    first = bot_cli(tmp_path, *args)
    assert first.returncode == 0, first.stderr
    status = json.loads(bot_cli(tmp_path, "status", "--state", str(state), "--format", "json").stdout)
    assert status["messages"] == 7
    (inbox,) = status["inboxes"]
    assert inbox["inbox"] == pi.spec and re.fullmatch(r"0:[0-9a-f]{40}", inbox["position"])
    assert [message_from_bytes(m, policy=default_policy)["Subject"] for m in outbox_mails(tmp_path / "out")] == [
        "Re: [PATCH v2 1/2] mm: add a mkwrite parameter to vmf_insert_mixed()"]
    for raw in series_mails(V3) + [f.read_bytes() for f in lkml[4:8]]:
        pi.deliver(raw)
    second = bot_cli(tmp_path, *args)
    assert second.returncode == 0, second.stderr
    assert second.stderr.decode().startswith("reviewbot bot: 8 new messages (0 duplicates, 0 quarantined), "
                                             "1 series reviewed")
    subjects = sorted(message_from_bytes(m, policy=default_policy)["Subject"] for m in outbox_mails(tmp_path / "out"))
    assert subjects == ["Re: [PATCH v2 1/2] mm: add a mkwrite parameter to vmf_insert_mixed()",
                        "Re: [PATCH v3 1/3] mm: add a mkwrite parameter to vmf_insert_mixed()"]
    status = json.loads(bot_cli(tmp_path, "status", "--state", str(state), "--format", "json").stdout)
    assert status["messages"] == 15 and status["series"]["reviewed"] == 2
    third = bot_cli(tmp_path, *args)
    assert third.stderr.decode().startswith("reviewbot bot: 0 new messages")
    assert len(outbox_mails(tmp_path / "out")) == 2
