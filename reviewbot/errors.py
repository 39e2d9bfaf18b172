"""Expected failures, one type per layer. The CLI turns them into one line and exit code 2."""


class ReviewbotError(Exception):
    """Base of every error that is the input's fault, not a bug."""


class InputError(ReviewbotError):
    """A file, mailbox or argument reviewbot cannot use."""


class MailError(InputError):
    """A mail that cannot be decoded at all."""


class GitError(ReviewbotError):
    """Not a git tree, unknown revision, or git failed."""


class ApplyError(ReviewbotError):
    """A patch that does not apply to its base."""


class UnsafePathError(ApplyError):
    """A patch path that is absolute, uses '..', or leaves the tree."""
