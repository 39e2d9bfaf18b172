"""`reviewbot series` / `trailers` from the command line: good input, and bad input as one line + exit 2."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from reviewbot.cli import app

runner = CliRunner()


def _run(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "reviewbot", *args], input=stdin, capture_output=True,
                          timeout=120, env=dict(os.environ, NO_COLOR="1"))


def test_series_lists_versions_and_missing(corpus):
    result = runner.invoke(app, ["series", str(corpus / "patchew/data/0012-incomplete-series.mbox")])
    assert result.exit_code == 0
    assert "v4 1/2 missing 2: Report format specific info for LUKS block driver" in result.output


def test_series_from_stdin(corpus):
    proc = _run("series", "-", stdin=(corpus / "patchew/data/0004-multiple-patch-reviewed.mbox").read_bytes())
    assert proc.returncode == 0
    assert b"v4 2/2 complete: Report format specific info for LUKS block driver" in proc.stdout


@pytest.mark.parametrize("make", ["missing", "junk_dir", "binary", "empty_file"])
def test_bad_input_is_one_line_and_exit_2(tmp_path, make):
    if make == "missing":
        target = tmp_path / "nope.mbox"
    elif make == "junk_dir":
        target = tmp_path / "junk"
        target.mkdir()
        (target / "a.bin").write_bytes(os.urandom(4096))
        (target / "b.bin").write_bytes(b"\x00\x01" * 100)
    elif make == "binary":
        target = tmp_path / "big.bin"
        with open(target, "wb") as fh:  # 50 MB of binary junk
            chunk = os.urandom(1 << 20)
            for _ in range(50):
                fh.write(chunk)
    else:
        target = tmp_path / "empty.mbox"
        target.write_bytes(b"")
    for command in ("series", "trailers"):
        proc = _run(command, str(target))
        assert proc.returncode == 2
        err = proc.stderr.decode()
        assert "Traceback" not in err
        assert len(err.strip().splitlines()) == 1 and err.startswith("reviewbot: error: ")


def test_empty_stdin_is_an_error():
    proc = _run("trailers", "-", stdin=b"")
    assert proc.returncode == 2
    assert proc.stderr.decode().strip() == "reviewbot: error: no input on stdin"
