"""Turn one parsed ``email`` message into text: headers decoded, body text found and decoded.

Real patch traffic declares wrong charsets, none at all, or hides the patch in an attachment;
everything here degrades to the most useful text rather than failing.
"""
from __future__ import annotations

import codecs
import html
import re
from email.header import decode_header, make_header
from email.message import EmailMessage
from email.message import Message as EmailMessageBase

# Attachments whose content is a patch even when their type says otherwise.
PATCH_TYPES = {"text/x-patch", "text/x-diff", "text/x-patch; charset", "application/x-patch", "text/diff",
               "application/x-diff", "text/x-log"}
_DIFF_START = re.compile(rb"^(diff --git |--- \S|Index: \S|diff -)", re.M)
_TAG = re.compile(r"<[^>]+>")
_ANGLE_ADDR = re.compile(r"<([^<>]*)>")
_BLOCK_TAG = re.compile(r"<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>", re.I)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Decode with the declared charset when it is real, else UTF-8, else cp1252/latin-1."""
    tried: list[str] = []
    if charset:
        charset = charset.strip().strip('"').lower()
        try:
            codecs.lookup(charset)
            tried.append(charset)
        except (LookupError, ValueError):
            pass  # "charset=y", "x-unknown", a NUL in the name: fall through to guessing
    for enc in tried + ["utf-8"]:
        try:
            return data.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def header_text(msg: EmailMessageBase, name: str) -> str:
    """A header as unfolded, decoded text ("" when absent); never raises on malformed headers."""
    try:
        value = msg.get(name)
    except Exception:  # policy.default raises on some malformed headers: use the raw value
        value = None
        for key, raw in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
            if key.lower() == name.lower():
                value = raw
                break
    if value is None:
        return ""
    try:
        text = str(value)
    except Exception:
        text = getattr(value, "_raw", "") or ""
    if "=?" in text:  # encoded words left over (compat parsing or malformed spacing)
        try:
            text = str(make_header(decode_header(text)))
        except Exception:
            pass
    return " ".join(text.replace("\r", "").split())


def raw_header_text(msg: EmailMessageBase, name: str) -> str:
    """A header exactly as written (comments kept), unfolded, encoded words and raw 8-bit decoded.

    ``policy.default`` renders address headers without their comments; git keeps them in names.
    """
    raw = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return "" if raw is None else decode_raw_header(raw)


def decode_raw_header(raw: object) -> str:
    """Unfold a raw header value and decode its encoded words and undeclared 8-bit bytes."""
    text = raw if isinstance(raw, str) else str(raw)
    if any("\udc80" <= ch <= "\udcff" for ch in text):  # the parser keeps raw 8-bit bytes as surrogates
        text = decode_bytes(text.encode("ascii", "surrogateescape"), None)
    text = " ".join(text.split())
    if "=?" in text:
        try:
            text = str(make_header(decode_header(text)))
        except Exception:  # malformed encoded words: keep them as written
            pass
    return " ".join(text.split())


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


def header_all(msg: EmailMessageBase, name: str) -> list[str]:
    try:
        values = msg.get_all(name) or []
    except Exception:
        values = [raw for key, raw in msg.raw_items() if key.lower() == name.lower()]
    out = []
    for v in values:
        try:
            out.append(" ".join(str(v).split()))
        except Exception:
            continue
    return out


def _part_bytes(part: EmailMessageBase) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw.encode("utf-8", "surrogateescape")
        return b""
    return payload


def _part_text(part: EmailMessageBase) -> str:
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    return decode_bytes(_part_bytes(part), charset)


def _is_attachment(part: EmailMessageBase) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
    except Exception:
        disposition = ""
    return disposition == "attachment"


def _html_to_text(text: str) -> str:
    text = _BLOCK_TAG.sub("\n", text)
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", "", text)
    return html.unescape(_TAG.sub("", text))


def body_text(msg: EmailMessageBase) -> str:
    """The message's readable text: text/plain parts, patch attachments appended, HTML as a last resort."""
    texts: list[str] = []
    htmls: list[str] = []
    _collect(msg, texts, htmls)
    body = "\n".join(t for t in texts if t) if texts else "\n".join(_html_to_text(h) for h in htmls)
    # CRLF line ends become LF; a lone CR is content (it can be part of a patched line) and stays.
    return body.replace("\r\n", "\n")


def _collect(part: EmailMessageBase, texts: list[str], htmls: list[str]) -> None:
    try:
        ctype = part.get_content_type()
    except Exception:
        ctype = "text/plain"
    if part.is_multipart():
        subparts = part.get_payload()
        if not isinstance(subparts, list):
            return
        if ctype == "multipart/signed" and subparts:
            _collect(subparts[0], texts, htmls)  # the signed content; the rest is the signature
            return
        if ctype == "multipart/alternative":
            plain = [p for p in subparts if _safe_type(p) == "text/plain"]
            if plain:
                _collect(plain[0], texts, htmls)
                return
            for p in subparts:
                if _safe_type(p).startswith("multipart/"):
                    _collect(p, texts, htmls)
                    return
        for p in subparts:
            _collect(p, texts, htmls)
        return
    if ctype == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            _collect(inner[0], texts, htmls)
        return
    if ctype == "text/plain" or ctype in PATCH_TYPES:
        texts.append(_part_text(part))
    elif ctype == "text/html" and not _is_attachment(part):
        htmls.append(_part_text(part))
    elif ctype in ("application/octet-stream", "text/x-csrc", "text/x-chdr") or ctype.startswith("text/"):
        data = _part_bytes(part)
        if _DIFF_START.search(data[:65536]):  # a patch sent as a binary attachment
            texts.append(decode_bytes(data, None))


def _safe_type(part: EmailMessageBase) -> str:
    try:
        return part.get_content_type()
    except Exception:
        return "text/plain"


def is_email_message(obj: object) -> bool:
    return isinstance(obj, (EmailMessage, EmailMessageBase))
