"""A real public-inbox v2 inbox for tests, made and fed with public-inbox's own tools (Debian's
``public-inbox`` package). Tests that need it skip, saying why, when the tools are not installed."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ADDRESS = "linux-mm@kvack.org"
MISSING = ("public-inbox is not installed (Debian package 'public-inbox'; .ci/run installs it): "
           "the public-inbox inbox tests need its public-inbox-init and public-inbox-mda")

needs_public_inbox = pytest.mark.skipif(
    shutil.which("public-inbox-init") is None or shutil.which("public-inbox-mda") is None, reason=MISSING)


class RealPublicInbox:
    """``public-inbox-init -V2`` in ``root``; ``deliver`` runs ``public-inbox-mda`` as the MTA would."""

    def __init__(self, root: Path, name: str = "test"):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.path = root / name
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PI_"))}
        self.env.update(HOME=str(root), PI_CONFIG=str(root / "pi-config"), ORIGINAL_RECIPIENT=ADDRESS,
                        GIT_CONFIG_NOSYSTEM="1", GIT_CONFIG_GLOBAL=os.devnull)
        self._run(["public-inbox-init", "-V2", name, str(self.path), f"http://example.invalid/{name}", ADDRESS])
        # No spam filter here (spamc is not installed, and real list mail is not what it should judge).
        self._run(["git", "config", "-f", str(root / "pi-config"), "publicinboxmda.spamcheck", "none"])

    def _run(self, argv: list[str], data: bytes | None = None) -> subprocess.CompletedProcess:
        proc = subprocess.run(argv, input=data, capture_output=True, env=self.env, cwd=self.root)
        if proc.returncode != 0:
            raise AssertionError(f"{argv[0]} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
        return proc

    def deliver(self, raw: bytes) -> None:
        self._run(["public-inbox-mda", "--no-precheck"], raw)

    def remove(self, raw: bytes) -> None:
        """``public-inbox-learn rm``: the message is taken out of the inbox (a commit removing ``m``)."""
        self._run(["public-inbox-learn", "rm"], raw)

    @property
    def spec(self) -> str:
        return f"public-inbox:{self.path}"
