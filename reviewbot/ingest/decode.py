"""Turn one parsed ``email`` message into text: headers decoded, body text found and decoded.

Real patch traffic declares wrong charsets, none at all, or hides the patch in an attachment;
everything here degrades to the most useful text rather than failing.

Headers are read from ``raw_items()`` and decoded here rather than through ``policy.default``'s
header objects: those drop the comments git keeps in names, raise on some malformed values, and
cost most of the parse time (each ``msg.get`` builds a new parsed header).
"""
from __future__ import annotations

import codecs
import html
import re
from email.header import decode_header
from email.message import Message as EmailMessageBase
from email.utils import getaddresses

# Attachments whose content is a patch whatever else they say.
PATCH_TYPES = {"text/x-patch", "text/x-diff", "text/diff", "application/x-patch", "application/x-diff"}
# Parts that carry a patch only if their content looks like one.
MAYBE_PATCH_TYPES = {"application/octet-stream", "text/x-csrc", "text/x-chdr", "text/x-log"}
_DIFF_START = re.compile(rb"^(diff --git |--- \S|Index: \S|diff -)", re.M)
_TAG = re.compile(r"<[^>]+>")
_ANGLE_ADDR = re.compile(r"<([^<>]*)>")
_BLOCK_TAG = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.I)
_SCRIPT = re.compile(r"(?is)<(script|style)\b.*?</\1>")
_SURROGATE = re.compile("[\udc80-\udcff]")  # raw 8-bit header bytes, as the parser keeps them
# A line break and the blanks around it, as header folding leaves them: one space when unfolded.
_FOLDING = re.compile(r"[ \t]*[\r\n]+[ \t]*")


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset when it is real, else UTF-8, else cp1252/latin-1."""
    if charset:
        charset = charset.strip().strip('"').lower()
        try:
            codecs.lookup(charset)
        except (LookupError, ValueError):
            charset = None  # "charset=y", "x-unknown", a NUL in the name: guess instead
    if charset and charset not in ("utf-8", "utf8", "us-ascii", "ascii"):
        try:
            return data.decode(charset)
        except Exception:  # wrong bytes for it, or not a text codec ("base64"): guess instead
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Mostly UTF-8 with some lines in a legacy charset (a patch to a latin-1 file, a pasted
        # log): decode line by line so the UTF-8 lines (names in sign-offs) stay right.
        return "\n".join(_decode_legacy(line) for line in data.split(b"\n"))


def _decode_legacy(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError:
        return line.decode("latin-1")


def decode_raw_header(raw: object) -> str:
    """Unfold a raw header value and decode its RFC 2047 words and undeclared 8-bit bytes."""
    text = raw if isinstance(raw, str) else str(raw)
    if _SURROGATE.search(text):
        text = decode_bytes(text.encode("ascii", "surrogateescape"), None)
    text = _FOLDING.sub(" ", text).strip()
    return decode_words(text) if "=?" in text else text


def decode_words(text: str) -> str:
    """Decode RFC 2047 encoded words; an unknown charset degrades to guessing, never raises."""
    try:
        chunks = decode_header(text)
    except Exception:  # malformed encoded words: keep them as written
        return text
    out = []
    for chunk, charset in chunks:
        out.append(decode_bytes(chunk, charset) if isinstance(chunk, bytes) else chunk)
    return _FOLDING.sub(" ", "".join(out)).strip()


def header_values(msg: EmailMessageBase, name: str) -> list[str]:
    """Every value of a header, in order, decoded; comments and odd syntax kept as written."""
    wanted = name.lower()
    return [decode_raw_header(value) for key, value in msg.raw_items() if key.lower() == wanted]


def header_value(msg: EmailMessageBase, name: str) -> str:
    """The first value of a header, decoded ("" when absent)."""
    wanted = name.lower()
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            return decode_raw_header(value)
    return ""


def addresses(msg: EmailMessageBase, name: str) -> list[str]:
    """The addresses of a To/Cc-style header as "Name <addr>" (or "addr"), names decoded.

    Split before decoding, so that a decoded name holding a comma stays one name."""
    wanted = name.lower()
    raw_values = []
    for key, value in msg.raw_items():
        if key.lower() == wanted:
            text = value if isinstance(value, str) else str(value)
            if _SURROGATE.search(text):
                text = decode_bytes(text.encode("ascii", "surrogateescape"), None)
            raw_values.append(_FOLDING.sub(" ", text))
    out = []
    for display, addr in getaddresses(raw_values):
        display = decode_words(display) if "=?" in display else display
        if addr or display:
            out.append(f"{display} <{addr}>" if display else addr)
    return out


def split_from(value: str) -> tuple[str, str]:
    """(name, address) of a decoded From value, the way ``git mailinfo`` reads it.

    The address is the last ``<...>`` (else the word holding an ``@``); the name is everything
    else, quotes and backslash escapes removed and comments kept: ``A (zzz) U Thor
    <a@b> (Comment)`` gives ``A (zzz) U Thor (Comment)``. A name that is only a comment, as in
    ``a@b (A U Thor)``, loses its parentheses. A value with no address at all gives ("", "")
    (git: "From: bogosity" names nobody).
    """
    value = " ".join((value or "").split())
    angles = list(_ANGLE_ADDR.finditer(value))
    if angles:
        angle = angles[-1]
        email, rest = angle.group(1).strip(), value[: angle.start()] + " " + value[angle.end():]
    else:
        at_word = next((w for w in value.split() if "@" in w), None)
        if at_word is None:
            return "", ""
        email, rest = at_word.strip("<>,;"), value.replace(at_word, " ", 1)
    name = " ".join(_unquote(rest).split())
    if name.startswith("(") and name.endswith(")") and name.count("(") == 1:
        name = name[1:-1].strip()
    return name, email


def _unquote(text: str) -> str:
    """Drop the double quotes of quoted strings (a quote inside a comment is text) and turn
    backslash-escaped characters into themselves."""
    out = []
    escaped = False
    depth = 0  # comment nesting
    for ch in text:
        if escaped:
            out.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"' and depth == 0:
            continue
        else:
            depth += (ch == "(") - (ch == ")" and depth > 0)
            out.append(ch)
    return "".join(out)


def body_text(msg: EmailMessageBase) -> str:
    """The message's readable text, the way git and Patchwork assemble it.

    text/plain parts in order, with patch attachments (text/x-patch, text/x-diff, and
    octet-stream or other parts whose content starts like a diff) appended; in
    multipart/alternative the text/plain part; in multipart/signed the signed part; HTML, tags
    stripped, only when there is no plain text at all. CRLF line ends become LF; a lone CR is
    content (it can be part of a patched line) and stays.
    """
    texts: list[str] = []
    htmls: list[str] = []
    _collect(msg, texts, htmls, 0)
    pieces = [unwrap_clearsigned(t) for t in texts if t] or [_html_to_text(h) for h in htmls]
    body = "".join(p if p.endswith("\n") else p + "\n" for p in pieces)
    return body.replace("\r\n", "\n")


def _content_type(part: EmailMessageBase) -> tuple[str, dict]:
    """(type, params) from one parse of the Content-Type header; text/plain when unreadable."""
    try:
        header = part.get("content-type")
        if header is None:
            return part.get_default_type(), {}
        ctype = getattr(header, "content_type", None) or str(header).split(";")[0].strip().lower()
        return ctype, dict(getattr(header, "params", {}) or {})
    except Exception:  # a malformed header policy.default cannot even represent
        return "text/plain", {}


def _collect(part: EmailMessageBase, texts: list[str], htmls: list[str], depth: int) -> None:
    if depth > 20:  # MIME nested deeper than any mailer writes: stop rather than recurse on
        return
    ctype, params = _content_type(part)
    if part.is_multipart():  # multipart/*, or message/rfc822
        subparts = [p for p in part.get_payload() if isinstance(p, EmailMessageBase)]
        if ctype == "multipart/signed" and subparts:
            subparts = subparts[:1]  # the signed content; the rest is the signature
        elif ctype == "multipart/alternative":
            kinds = [_content_type(p)[0] for p in subparts]
            if "text/plain" in kinds:
                subparts = [subparts[kinds.index("text/plain")]]
            else:
                nested = [p for p, k in zip(subparts, kinds, strict=True) if k.startswith("multipart/")]
                subparts = nested[:1] or subparts
        for sub in subparts:
            _collect(sub, texts, htmls, depth + 1)
        return
    if ctype == "text/plain" or ctype in PATCH_TYPES:
        text = decode_bytes(_part_bytes(part), params.get("charset"))
        if str(params.get("format", "")).lower() == "flowed":
            text = unflow(text, delsp=str(params.get("delsp", "")).lower() == "yes")
        texts.append(text)
    elif ctype == "text/html":
        if not _is_attachment(part):
            htmls.append(decode_bytes(_part_bytes(part), params.get("charset")))
    elif ctype in MAYBE_PATCH_TYPES or ctype.startswith("text/"):
        data = _part_bytes(part)
        if _DIFF_START.search(data[:65536]):  # a patch sent as a binary attachment
            texts.append(decode_bytes(data, params.get("charset")))


def unflow(text: str, delsp: bool = False) -> str:
    """Undo RFC 3676 format=flowed (Thunderbird's default), as git mailinfo does: a line ending
    in a space continues on the next line (the space dropped too with DelSp=yes), one leading
    space of a space-stuffed line is removed, and the "-- " signature line is kept as it is."""
    out: list[str] = []
    pending = ""
    for line in text.replace("\r\n", "\n").split("\n"):
        if line == "-- ":
            if pending:
                out.append(pending)
                pending = ""
            out.append(line)
            continue
        if line.startswith(" "):
            line = line[1:]
        if line.endswith(" "):
            pending += line[:-1] if delsp else line
            continue
        out.append(pending + line)
        pending = ""
    if pending:
        out.append(pending)
    return "\n".join(out)


def unwrap_clearsigned(text: str) -> str:
    """The signed text of an inline PGP (cleartext) signature, dash-escaping undone.

    A clear-signed patch has its "---" separator and "--- a/file" headers written "- ---" and
    "- --- a/file" (RFC 4880 7.1); left as is, no patch would be found in it."""
    begin = text.find("-----BEGIN PGP SIGNED MESSAGE-----\n")
    if begin < 0 or (begin and text[begin - 1] != "\n"):
        return text
    lines = text[begin:].split("\n")
    i = 1
    while i < len(lines) and lines[i].strip():  # armor headers ("Hash: SHA256") up to a blank line
        i += 1
    signed: list[str] = []
    for j in range(i + 1, len(lines)):
        if lines[j] == "-----BEGIN PGP SIGNATURE-----":
            end = next((k for k in range(j, len(lines)) if lines[k] == "-----END PGP SIGNATURE-----"), len(lines) - 1)
            rest = "\n".join(lines[end + 1:])
            return text[:begin] + "\n".join(signed) + "\n" + rest.lstrip("\n")
        signed.append(lines[j][2:] if lines[j].startswith("- ") else lines[j])
    return text  # no signature block: not a clear-signed message after all


def _part_bytes(part: EmailMessageBase) -> bytes:
    """The decoded payload (base64 / quoted-printable undone); the raw text when undecodable."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        try:
            raw = part.get_payload()
        except Exception:  # a charset name Python cannot even look up (a NUL in it)
            return b""
        return raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    return payload


def _is_attachment(part: EmailMessageBase) -> bool:
    try:
        return (part.get_content_disposition() or "").lower() == "attachment"
    except Exception:
        return False


def _html_to_text(text: str) -> str:
    text = _SCRIPT.sub("", text)
    text = _BLOCK_TAG.sub("\n", text)
    return html.unescape(_TAG.sub("", text))
