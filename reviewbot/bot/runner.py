"""The bot's work, in three steps that can each be interrupted and resumed at any point:

1. ingest: every message the inbox has since the kept position, one transaction each (the message,
   its thread, the position after it); unreadable mail to the quarantine. Then the series of each
   thread that got a patch or a cover, by the existing detection, once per thread per batch.
2. review: each pending version once it is complete (every n/N, and the cover when the patches
   answer one), or once ``wait_minutes`` have passed with what arrived; the review and the replies
   it makes are recorded in one transaction as "planned".
3. deliver: each planned reply to the outbox or the SMTP server, recorded only after that.

A kill between any two of these loses nothing: an uncommitted message is read again, an
unrecorded review is made again (the same replies, the same Message-IDs), and a reply found in the
outbox is recorded instead of written twice.
"""
from __future__ import annotations

import json
import logging
import os
import time
import traceback
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from reviewbot.bot.outbox import DeliveryError, has_review_tag
from reviewbot.bot.policy import Policy
from reviewbot.bot.replies import PlannedReply, could_not_test_note, list_id, review_replies
from reviewbot.bot.state import State
from reviewbot.errors import ReviewbotError
from reviewbot.ingest.inbox import Inbox, InboxItem
from reviewbot.ingest.mailread import MAX_INPUT_BYTES, parse_message
from reviewbot.model import Message, Review, Series

log = logging.getLogger("reviewbot.bot")
PARSED_CACHE = 512  # parsed messages kept between the patches of a thread (memory stays flat)
DAY = 86400.0


@dataclass
class RunStats:
    messages: int = 0
    duplicates: int = 0
    quarantined: int = 0
    reviewed: int = 0
    failed: int = 0
    delivered: int = 0
    errors: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"{self.messages} new messages ({self.duplicates} duplicates, {self.quarantined} quarantined), "
                f"{self.reviewed} series reviewed, {self.failed} could not be, {self.delivered} replies delivered")


class Bot:
    def __init__(self, state: State, policy: Policy, tree: str, outbox, quarantine: Path,
                 clock=time.time, use_cache: bool = True):
        self.state = state
        self.policy = policy
        self.tree = tree
        self.outbox = outbox
        self.quarantine = Path(quarantine)
        self.clock = clock
        self.use_cache = use_cache
        self.stop = False  # set from a signal handler: finish the message in hand, then return
        self.stats = RunStats()
        self._parsed: OrderedDict[str, Message] = OrderedDict()
        self._rule_set = None

    @property
    def rule_set(self):
        """The rules and packs in force (reviewbot.rules.ruleset, as `review` builds them: the
        shipped packs, the tree's, those [review] names, the user's), built once per run."""
        if self._rule_set is None:
            from reviewbot.rules.ruleset import build_rule_set

            self._rule_set = build_rule_set(self.tree, self.policy.review)
        return self._rule_set

    # -- 1. ingest -------------------------------------------------------------------------------
    def ingest(self, inbox: Inbox) -> None:
        for item in inbox.read_since(self.state.position(inbox.spec)):
            if self.stop:
                return
            self.ingest_item(inbox.spec, item)
        self.settle()

    def settle(self) -> None:
        """Assemble the series of every thread that got a patch or cover since the last time, each
        thread in one transaction (a kill leaves the rest marked for the next run)."""
        for thread in self.state.dirty_threads():
            if self.stop:
                return
            with self.state.transaction():
                self._update_series(thread)
                self.state.clean(thread)

    def ingest_item(self, spec: str, item: InboxItem) -> None:
        reason = item.error or _unreadable(item.raw)
        msg = None
        if reason is None:
            try:
                msg = parse_message(item.raw, item.origin)
            except Exception as exc:  # a stranger's mail must never stop the bot
                reason = f"cannot decode: {type(exc).__name__}: {exc}"
        if msg is not None and not any(k.lower() in ("from", "message-id", "subject") for k, _ in msg.headers):
            msg, reason = None, "no mail headers (From, Subject, Message-ID)"
        if msg is None:
            self._quarantine(spec, item, reason or "unreadable")
            return
        from reviewbot.ingest.series import classify

        kind = classify(msg).kind
        with self.state.transaction():
            thread = self.state.thread_of(msg.parent_ids) or (msg.references[0] if msg.references else None) \
                or msg.in_reply_to or msg.msgid
            added = self.state.add_message(msgid=msg.msgid, thread=thread, kind=kind, list_id=list_id(msg),
                                           subject=msg.subject, from_email=msg.from_email.lower(),
                                           date=msg.date.isoformat() if msg.date else None, inbox=spec,
                                           origin=item.origin, raw=item.raw)
            if not added:  # the same Message-ID again (cross-posted, re-delivered): one message
                self.state.advance(spec, item.position, False, duplicate=True)
                self.stats.duplicates += 1
                return
            if kind in ("patch", "cover"):
                self.state.mark_dirty(thread)
            self.state.advance(spec, item.position, True)
        self._remember(msg)
        self.stats.messages += 1

    def _quarantine(self, spec: str, item: InboxItem, reason: str) -> None:
        import hashlib

        # named by content: a maildir offers a file again after a move to cur/ (another origin)
        key = item.raw if item.raw.strip() else item.origin.encode()
        name = hashlib.sha256(spec.encode() + b"\0" + key).hexdigest()[:40]
        for sub in ("tmp", "new", "cur"):
            (self.quarantine / sub).mkdir(parents=True, exist_ok=True)
        target = self.quarantine / "new" / name
        if not target.exists():
            note = f"X-Reviewbot-Quarantine: {' '.join(reason.split())[:900]}\nX-Reviewbot-Origin: {item.origin}\n"
            tmp = self.quarantine / "tmp" / name
            tmp.write_bytes(note.encode("utf-8", "replace") + item.raw)
            os.replace(tmp, target)
        with self.state.transaction():
            again = self.state.quarantined(name)
            if not again:
                self.state.add_quarantine(name, spec, item.origin, reason)
            self.state.advance(spec, item.position, False)
        self.stats.quarantined += 0 if again else 1

    def _remember(self, msg: Message) -> None:
        self._parsed[msg.msgid] = msg
        self._parsed.move_to_end(msg.msgid)
        while len(self._parsed) > PARSED_CACHE:
            self._parsed.popitem(last=False)

    def _thread_messages(self, thread: str) -> list[Message]:
        out = []
        for stored in self.state.thread_messages(thread):
            msg = self._parsed.get(stored.msgid)
            if msg is None:
                msg = parse_message(stored.raw, f"state:{stored.seq}")
                self._remember(msg)
            out.append(msg)
        return out

    def _thread_series(self, thread: str) -> list[tuple[str, Series, list[Message]]]:
        """(ident, series) of every version with patches in the thread, by the existing detection."""
        from reviewbot.ingest.series import find_series_groups

        messages = self._thread_messages(thread)
        found = []
        for group in find_series_groups(messages):
            for s in group.versions:
                if s.patches and not s.is_pull_request:
                    found.append((_ident(thread, s), s, messages))
        return found

    def _update_series(self, thread: str) -> None:
        now = self.clock()
        for ident, s, messages in self._thread_series(thread):
            known = {m.msgid for m in messages}
            head = s.cover or s.patches[0].message
            msgids = ([s.cover.msgid] if s.cover else []) + [p.message.msgid for p in s.patches if p.message]
            # patches that answer a message we do not have: their cover letter is on its way
            cover_expected = s.cover is None and any(
                p.message is not None and p.message.in_reply_to and p.message.in_reply_to not in known
                for p in s.patches)
            series_id, _ = self.state.upsert_series(
                ident=ident, thread=thread, subject=s.subject, sender=_sender(s), version=s.version,
                total=s.expected_total, have=[p.index for p in s.patches],
                subjects=sorted({p.subject.lower() for p in s.patches}), msgids=msgids, cover=s.cover is not None,
                cover_expected=cover_expected, list_id=list_id(head) if head else None, now=now)
            self._supersede(series_id, s)

    def _supersede(self, series_id: int, s: Series) -> None:
        """A newer version supersedes an older one still pending (also when the newer came first)."""
        subjects = {p.subject.lower() for p in s.patches}
        for row in self.state.other_versions(_sender(s), series_id):
            if row["version"] == s.version:
                continue
            same = row["subject"].lower() == s.subject.lower() or subjects & set(json.loads(row["subjects"]))
            if not same:
                continue
            if row["version"] < s.version and row["status"] == "pending":
                self.state.decide(row["id"], "superseded", f"superseded by v{s.version} (series {series_id})")
            elif row["version"] > s.version:
                mine = self.state.series_by_id(series_id)
                if mine["status"] == "pending":
                    self.state.decide(series_id, "superseded", f"superseded by v{row['version']} (series {row['id']})")

    # -- 2. review -------------------------------------------------------------------------------
    def review_due(self) -> None:
        now = self.clock()
        for row in self.state.pending_series():
            if self.stop:
                return
            have = set(json.loads(row["have"]))
            complete = all(i in have for i in range(1, row["total"] + 1)) and \
                (row["cover"] or not row["cover_expected"])
            if complete or now - row["first_seen"] >= self.policy.wait_minutes * 60:
                self.review_row(row)

    def rebuild(self, row) -> Series | None:
        for ident, s, _ in self._thread_series(row["thread"]):
            if ident == row["ident"]:
                return s
        return None

    def review_row(self, row) -> None:
        """Review one version and record the outcome with its planned replies in one transaction."""
        series = self.rebuild(row)
        planned: list[PlannedReply] = []
        findings = None
        if series is None:
            status, reason = "failed", "its mails can no longer be assembled into the series"
        else:
            status, reason, review = self._review(series, row["list_id"])
            if review is not None:
                findings = len(review.findings)
                self._write_report(row, review, status, reason)
                if status == "reviewed":
                    planned = review_replies(review, self.policy, self.rule_set.version, _missing_note(series))
                elif status == "failed" and self.policy.could_not_test:
                    note = could_not_test_note(series, reason, self.policy, self.rule_set.version)
                    planned = [note] if note else []
        with self.state.transaction():
            current = self.state.series_by_id(row["id"])
            if current is None or current["status"] != "pending":
                return  # decided meanwhile (superseded by a version that came in)
            self.state.decide(row["id"], status, reason, findings)
            for reply in planned:
                why = self._hold(reply, row["list_id"])
                self.state.plan_reply(msgid=reply.msgid, series_id=row["id"], version=row["version"],
                                      patch=reply.patch, patch_msgid=reply.patch_msgid, list_id=row["list_id"],
                                      author=reply.author.lower(), raw=reply.raw,
                                      status="suppressed" if why else "planned", reason=why)
        if status == "reviewed":
            self.stats.reviewed += 1
        elif status == "failed":
            self.stats.failed += 1

    def _review(self, series: Series, lid: str | None) -> tuple[str, str | None, Review | None]:
        if not self.policy.watches_list(lid):
            return "skipped", f"list {lid or '(no List-Id)'} is not watched", None
        files = sorted({f for p in series.patches for f in _files(p)})
        if not self.policy.watches_paths(files):
            return "skipped", "touches no watched path", None
        from reviewbot.pipeline import ReviewOptions, review_series

        try:
            review = review_series(series, self.tree, ReviewOptions(config=self.policy.review, use_cache=self.use_cache,
                                                                    rule_set=self.rule_set))
        except ReviewbotError as exc:
            return "failed", str(exc), None
        except Exception as exc:  # an analysis that crashed: recorded, the bot goes on
            log.error("review of %r crashed:\n%s", series.subject, traceback.format_exc())
            return "failed", f"internal error: {type(exc).__name__}: {exc}", None
        not_applied = [s.patch for s in review.skipped if s.patch is not None and "does not apply" in s.reason]
        if not_applied and len(not_applied) == len(series.patches):
            return "failed", f"does not apply to {review.base_source} base {review.base}", review
        notes = []
        if not_applied:
            notes.append("patch " + ", ".join(f"{i}/{series.expected_total}" for i in not_applied) + " did not apply")
        if series.missing:
            notes.append("reviewed without patch " + ", ".join(f"{i}/{series.expected_total}" for i in series.missing))
        return "reviewed", "; ".join(notes) or None, review

    def _hold(self, reply: PlannedReply, lid: str | None) -> str | None:
        """Why a reply is not to be sent (quiet mode, opt-out, a rate limit), or None."""
        if self.policy.quiet:
            return "quiet mode"
        who = self.policy.opted_out(reply.author, lid)
        if who:
            return f"opted out: {who}"
        since = self.clock() - DAY
        if self.policy.rate_per_list and lid and \
                self.state.replies_since(since, list_id=lid) >= self.policy.rate_per_list:
            return f"rate limit: {self.policy.rate_per_list} replies a day to {lid}"
        if self.policy.rate_per_author and \
                self.state.replies_since(since, author=reply.author.lower()) >= self.policy.rate_per_author:
            return f"rate limit: {self.policy.rate_per_author} replies a day to {reply.author}"
        return None

    def _write_report(self, row, review: Review, status: str, reason: str | None) -> None:
        if self.policy.reports is None:
            return
        from reviewbot.report.json_report import review_dict

        data = review_dict(review)
        data["bot"] = {"series_id": row["id"], "status": status, "reason": reason,
                       "message_ids": json.loads(row["msgids"]), "list_id": row["list_id"]}
        self.policy.reports.mkdir(parents=True, exist_ok=True)
        target = self.policy.reports / f"series-{row['id']}-v{row['version']}.json"
        tmp = target.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, target)

    # -- 3. deliver ------------------------------------------------------------------------------
    def deliver(self) -> None:
        for msgid, raw in self.state.planned_replies():
            if self.stop:
                return
            if has_review_tag(raw):  # never: people give review tags, the bot does not
                with self.state.transaction():
                    self.state.delivered(msgid, "suppressed", "carries a review tag of its own")
                continue
            try:
                self.outbox.deliver(msgid, raw)
            except DeliveryError as exc:
                self.note_error(str(exc))
                return  # the server or disk is down: the rest waits for the next pass
            with self.state.transaction():
                self.state.delivered(msgid, self.outbox.status)
            self.stats.delivered += 1

    def note_error(self, text: str) -> None:
        self.stats.errors.append(text)
        log.error("%s", text)
        with self.state.transaction():
            self.state.set_meta("last_error", f"{time.strftime('%Y-%m-%d %H:%M:%S')} {text}")

    def run_once(self, inbox: Inbox) -> RunStats:
        self.ingest(inbox)
        if not self.stop:
            self.review_due()
        if not self.stop:
            self.deliver()
        return self.stats


def _unreadable(raw: bytes) -> str | None:
    if not raw.strip():
        return "empty"
    if len(raw) > MAX_INPUT_BYTES:
        return f"larger than {MAX_INPUT_BYTES} bytes"
    head = raw[:8192]
    if b"\x00" in head and b":" not in head.split(b"\n", 1)[0]:
        return "binary data, not mail"
    return None


def _sender(s: Series) -> str:
    msg = s.cover or (s.patches[0].message if s.patches else None)
    return msg.from_email.lower() if msg else ""


def _ident(thread: str, s: Series) -> str:
    return f"{thread}|v{s.version}|{s.expected_total}|{_sender(s)}"


def _files(patch) -> list[str]:
    try:
        return patch.files
    except Exception:  # a diff unidiff cannot read touches no path we can name
        return []


def _missing_note(series: Series) -> str:
    if not series.missing:
        return ""
    listed = ", ".join(f"{i}/{series.expected_total}" for i in series.missing)
    return f"Patch {listed} of this series had not arrived when it was reviewed; this review is without it."
