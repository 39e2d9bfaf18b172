"""RB0101 follows checkpatch's NO_AUTHOR_SIGN_OFF / FROM_SIGN_OFF_MISMATCH: a sign-off by the author
under another address, or with the name quoted, is the author's, and says what differs."""
from __future__ import annotations

import pytest

from reviewbot.ingest.load import load_mail
from reviewbot.model import Patch, Severity
from reviewbot.rules.conditions import person
from reviewbot.rules.engine import load_rules, run_rules
from tests.conftest import FIXTURES

(RB0101,) = [r for r in load_rules() if r.id == "RB0101"]


def _findings(patch: Patch):
    return [(f.line, f.severity, f.message) for f in run_rules([RB0101], patch)]


def _mail(name: str) -> Patch:
    (group,) = load_mail(FIXTURES / "RB0101" / name).groups
    (patch,) = group.newest.patches
    return patch


def _commit(author: str, message: str) -> Patch:
    """A patch as gitrange reads a commit: the author is "name <email>", never quoted."""
    return Patch(1, 1, "add sysctl to disallow unprivileged CLONE_NEWUSER by default", author, message)


def test_signoff_under_another_address_is_a_warning_naming_both():
    assert _findings(_mail("warn-signs-off-under-another-address.patch")) == [
        (4, Severity.WARNING, "From:/Signed-off-by: email address mismatch: the author Serge Hallyn "
                              "<serge.hallyn@canonical.com> signs off as 'Serge Hallyn <serge.hallyn@ubuntu.com>'")]


def test_quoted_name_with_a_comma_is_compared_unquoted():
    assert _findings(_mail("ok-quoted-name.patch")) == []
    [(line, severity, message)] = _findings(_mail("warn-quoted-name-another-address.patch"))
    assert (line, severity) == (5, Severity.WARNING)
    assert message.startswith("From:/Signed-off-by: email address mismatch: ")
    assert message.endswith("""signs off as '"Lee, Chun-Yi" <jlee@suse.com>'""")


def test_commit_author_with_a_comma_in_the_name():
    message = ("Whether the signature on ko file is stripped or not, the hash can be\ncompared by kernel.\n\n"
               'Cc: David Howells <dhowells@redhat.com>\nSigned-off-by: "Lee, Chun-Yi" <jlee@suse.com>\n')
    assert _findings(_commit("Lee, Chun-Yi <jlee@suse.com>", message)) == []
    [(line, severity, _)] = _findings(_commit("Lee, Chun-Yi <joeyli.kernel@gmail.com>", message))
    assert (line, severity) == (5, Severity.WARNING)


def test_someone_else_signing_off_is_still_the_error():
    message = "This is a short-term patch.\n\nSigned-off-by: Ben Hutchings <benh@debian.org>\n"
    assert _findings(_commit("Serge Hallyn <serge.hallyn@canonical.com>", message)) == [
        (3, Severity.ERROR, "the author Serge Hallyn <serge.hallyn@canonical.com> does not sign off")]


def test_same_address_other_spelling_and_subaddress():
    same_addr = "Fix it.\n\nSigned-off-by: Kirill Shutemov <kirill.shutemov@linux.intel.com>\n"
    [(_, severity, message)] = _findings(_commit("Kirill A. Shutemov <kirill.shutemov@linux.intel.com>", same_addr))
    assert severity is Severity.WARNING and message.startswith("From:/Signed-off-by: email name mismatch")
    sub = "Fix it.\n\nSigned-off-by: Jan Kara <jack+stable@suse.cz>\n"
    [(_, _, message)] = _findings(_commit("Jan Kara <jack@suse.cz>", sub))
    assert message.startswith("From:/Signed-off-by: email subaddress mismatch")
    # an exact sign-off anywhere wins over a partial one before it
    both = "Fix it.\n\nSigned-off-by: Jan Kara <jack@suse.com>\nSigned-off-by: Jan Kara <jack@suse.cz>\n"
    assert _findings(_commit("Jan Kara <jack@suse.cz>", both)) == []


@pytest.mark.parametrize("written, expected", [
    ('"Lee, Chun-Yi" <jlee@suse.com>', ("Lee, Chun-Yi", "jlee@suse.com")),
    ("Lee, Chun-Yi <jlee@suse.com>", ("Lee, Chun-Yi", "jlee@suse.com")),
    ("Dwaipayan Ray (Dwai) <Dwaipayanray1@gmail.com>", ("Dwaipayan Ray", "dwaipayanray1@gmail.com")),
    ('"Theodore Ts\'o" <tytso@mit.edu>', ("Theodore Ts'o", "tytso@mit.edu")),
    ("jack@suse.cz", ("", "jack@suse.cz")),
])
def test_person(written, expected):
    assert person(written) == expected
