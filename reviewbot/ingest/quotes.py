"""Find the message a header-less reply answers from the text it quotes.

Replies copied out of web archives lose Message-ID, In-Reply-To and often the subject; what is
left is the attribution ("On Fri 21-07-17, Ross Zwisler wrote:") and the quoted text. The parent
is a message whose own text shares enough word 5-grams with that quote (at least ``MIN_SHARED``
of them and ``MIN_SHARE`` of the quote); of those, the one the quote starts with, since a reply
quotes what it answers first (a reply to a cover letter that repeats patch 1's description still
answers the cover). Quoted lines of a candidate are not counted, so a reply that quotes the same
text never wins over the original.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from reviewbot.model import Message, own_lines

_WORD = re.compile(r"[a-z0-9_]+")
# Word 5-grams, at least 8 of them and 15% of the quote shared (module docstring): a quoted line or two
# of boilerplate ("Signed-off-by", a greeting) never makes a parent on its own.
SHINGLE = 5
MIN_SHARED = 8
MIN_SHARE = 0.15


def _shingle_list(text: str) -> list[int]:
    words = _WORD.findall(text.lower())
    return [hash(tuple(words[i:i + SHINGLE])) for i in range(max(0, len(words) - SHINGLE + 1))]


def _shingles(text: str) -> set[int]:
    return set(_shingle_list(text))


def quoted_text(body: str) -> str:
    return "\n".join(line.lstrip("> ") for line in body.split("\n") if line.lstrip().startswith(">"))




def quoted_parent(reply: Message, candidates: Iterable[Message],
                  cache: dict[str, set[int]] | None = None) -> str | None:
    """Message-ID of the candidate the reply quotes most, or None when none is quoted enough."""
    ordered = _shingle_list(quoted_text(reply.body))
    quote = set(ordered)
    if len(quote) < MIN_SHARED:
        return None
    cache = cache if cache is not None else {}
    best, best_key = None, None
    for cand in candidates:
        if cand.msgid == reply.msgid:
            continue
        own = cache.get(cand.msgid)
        if own is None:
            own = cache[cand.msgid] = _shingles("\n".join(own_lines(cand.body)))
        shared = len(quote & own)
        if shared < MIN_SHARED or shared < MIN_SHARE * len(quote):
            continue
        first = next(n for n, h in enumerate(ordered) if h in own)
        key = (first, -shared)
        if best_key is None or key < best_key:
            best, best_key = cand.msgid, key
    return best
