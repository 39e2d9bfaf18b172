"""Maintainers' verdicts in replies: the set phrases, and the same words where they are no verdict."""
from __future__ import annotations

import pytest

from reviewbot.model import Message
from reviewbot.report.verdicts import verdict


def _reply(body: str) -> Message:
    return Message(msgid="r@x", from_name="Jens Axboe", from_email="axboe@kernel.dk", body=body)


@pytest.mark.parametrize("body, state, said", [
    ("On Tue, Nov 15, 2022, Christoph Hellwig wrote:\n> Looks good.\n\nQueued for 6.2, thanks.\n\n-- \nJens Axboe\n",
     "queued", "Queued for 6.2, thanks."),
    ("Thanks, applied to my block tree for 2.7.\n\nMax\n", "applied", "Thanks, applied to my block tree for 2.7."),
    ("Yikes. That's a lot of typos.\n\nThanks Ingmar, for cleaning up after my sloppy keyboarding. Pushed.\n",
     "applied", "Pushed."),
    ("Not applicable to net-next-2.6\n", "dropped", "Not applicable to net-next-2.6"),
    ("I'll let the s390 folks take this one.\n", "deferred", "I'll let the s390 folks take this one."),
    ("Both applied to the mips-fixes branch.\n", "applied", "Both applied to the mips-fixes branch."),
])
def test_set_phrases_are_verdicts(body, state, said):
    v = verdict(_reply(body), "Jens Axboe <axboe@kernel.dk>")
    assert (v.state, v.text, v.by, v.message) == (state, said, "Jens Axboe <axboe@kernel.dk>", "r@x")


@pytest.mark.parametrize("body", [
    "> Applied, thanks.\n\nThis broke the build on arm64, see below.\n",  # quoting someone else's verdict
    "Once this is applied, the helper can go away too.\n",
    "Should this be applied to stable as well?\n",
    "It should be merged through the DRM tree, I think, since it touches i915 mostly.\n",
    "The patch looks fine, but I would rather have it queued behind the fix from Jan.\n",
    "Applied?\n",
])
def test_the_same_words_elsewhere_are_no_verdict(body):
    assert verdict(_reply(body), "Jens Axboe <axboe@kernel.dk>") is None
