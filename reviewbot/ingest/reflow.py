"""Give back its lines to a reply that a web archive flattened into one paragraph.

Some archive pages (and copies pasted from them) join a whole mail into one line:
"On Fri 21-07-17, Ross wrote: > When servicing ... > Signed-off-by: Ross <r@x> The patch looks
good to me. You can add: Reviewed-by: Jan Kara <jack@x> And I really like ...". Quote markers and
trailers are what a reviewer's words must be told apart by, so lines are rebuilt from them:

- a new line starts at each quote marker (" > ", " >> ", after "wrote:" too);
- a person trailer ("Reviewed-by: Name <email>") gets a line of its own, so text that follows
  a quoted trailer is the replier's, and a trailer the replier writes is not taken as quoted;
- the signature separator " -- " starts a line.

This is a heuristic for text that has lost information; it is applied only to text that is
plainly flattened (see ``looks_flattened``) and the message says so in its defects.
"""
from __future__ import annotations

import re

_QUOTE_MARKER = re.compile(r"(?<=\S) (?=(?:> ?)*>(?: |$))")
_LEADING_QUOTE = re.compile(r"^(?:> ?)+")
_PERSON_TRAILER = re.compile(r"[A-Z][a-z]+(?:-[a-z]+)*-by: [^<>\n]{1,80}?<[^<>\s]+@[^<>\s]+>")
_SIGNATURE = re.compile(r"(?:^| )-- (?=\S)")
_MIN_FLAT_LINE = 600


def looks_flattened(text: str) -> bool:
    """One very long line carrying several quote markers: a mail whose line breaks were lost."""
    longest = max(text.split("\n"), key=len, default="")
    return len(longest) >= _MIN_FLAT_LINE and len(_QUOTE_MARKER.findall(longest)) >= 3


def reflow(text: str) -> str:
    out: list[str] = []
    for line in text.split("\n"):
        if len(line) < _MIN_FLAT_LINE:
            out.append(line)
            continue
        for part in _QUOTE_MARKER.split(line):
            out.extend(_split_part(part))
    return "\n".join(out)


def _split_part(part: str) -> list[str]:
    """One stretch that began at a quote marker (or the text before the first one)."""
    m = _LEADING_QUOTE.match(part)
    prefix = m.group(0) if m else ""
    rest = part[len(prefix):]
    lines: list[str] = []
    quoted = bool(prefix)
    pos = 0
    for t in _PERSON_TRAILER.finditer(rest):
        before = rest[pos:t.start()].strip()
        if before:
            lines.append(prefix + before if quoted else before)
        # a trailer that opens a quoted stretch is quoted; one met later was on its own line
        lines.append(prefix + t.group(0) if quoted and not before else t.group(0))
        quoted = False  # the quoted line ended with the trailer's address
        pos = t.end()
    tail = rest[pos:].strip()
    for n, chunk in enumerate(_SIGNATURE.split(tail)):
        if n:
            lines.append("-- ")
        if chunk.strip():
            lines.append(prefix + chunk.strip() if quoted else chunk.strip())
    return lines or [prefix.rstrip()]  # "> >": an empty quoted line, a paragraph break
