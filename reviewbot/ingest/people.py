"""Who is who in a thread: one person under several addresses, and names printed safely in lists.

People write from several addresses (a new employer's), archives rewrite them (gmane's
"dhowells-H+wXaHxf7aLQT0dZR+AlfA@public.gmane.org", "jack@xxxxxxx") and Outlook writes names
surname first ("Bounine, Alexandre"). Two senders are one person when their addresses are the
same once such rewriting is undone, or their names are the same once put in one order.
"""
from __future__ import annotations

import re
from email.headerregistry import Address
from email.utils import formataddr

_GMANE = re.compile(r"^(?P<local>.+?)-[A-Za-z0-9+/=]{8,}@public\.gmane\.org$", re.IGNORECASE)
_OBFUSCATED = re.compile(r"@x{3,}(?:\.x+)*$", re.IGNORECASE)


def address_key(email: str) -> str:
    """The address as its owner wrote it: gmane's rewriting undone to the local part alone."""
    email = email.strip().lower()
    m = _GMANE.match(email)
    if m:
        return m.group("local")
    return email


def name_key(name: str) -> str:
    """"Bounine, Alexandre" and "Alexandre Bounine" alike; quotes, parentheses and case dropped."""
    name = re.sub(r"[\(\[][^\)\]]*[\)\]]", "", name or "").replace('"', "").replace("'", "")
    if "," in name:
        last, _, first = name.partition(",")
        name = f"{first} {last}"
    return " ".join(re.sub(r"[^\w\s.-]", " ", name.lower()).replace(".", " ").split())


def same_person(name_a: str, email_a: str, name_b: str, email_b: str) -> bool:
    if email_a and email_b:
        a, b = address_key(email_a), address_key(email_b)
        if a == b:
            return True
        if "@" not in a or "@" not in b:  # one side is a gmane local part: compare local parts
            if a.split("@")[0] == b.split("@")[0] and not (_OBFUSCATED.search(email_a) or _OBFUSCATED.search(email_b)):
                return True
    na, nb = name_key(name_a), name_key(name_b)
    return bool(na) and len(na.split()) >= 2 and na == nb


def display(name: str, email: str) -> str:
    """"Name <addr>" with the name quoted when it needs it ("Rose, Gregory V" has a comma)."""
    if not email:
        return name
    if not name:
        return email
    try:
        return str(Address(display_name=name, addr_spec=email))
    except (ValueError, IndexError, TypeError):  # an archive-mangled address the parser refuses
        return formataddr((name, email))


def first_names(name: str) -> set[str]:
    """What a person may be called in a greeting: the first word of the name (lower case)."""
    key = name_key(name)
    return {key.split()[0]} if key else set()
