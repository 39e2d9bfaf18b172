#!/usr/bin/env python3
"""Make the whole Linux 6.1 tree available as a local git repository, once.

Installs Debian's ``linux-source-6.1`` (apt), unpacks its tarball into the cache directory,
commits every file (``git add --force``: the tarball's .gitignore files would hide some .c/.h),
tags the commit ``base`` and prints the repository's path. A second run only prints the path.

    python bench/linux_tree.py            # -> ~/.cache/reviewbot/linux-6.1
    REVIEWBOT_LINUX=/data/linux python bench/linux_tree.py

Then ``../shared/tools/make-noise-base.sh <path>`` adds the noise-base..noise-tip range.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

PACKAGE = "linux-source-6.1"


def default_path() -> Path:
    if os.environ.get("REVIEWBOT_LINUX"):
        return Path(os.environ["REVIEWBOT_LINUX"])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "reviewbot" / "linux-6.1"


def _run(argv: list[str], cwd: Path | None = None, env: dict | None = None) -> str:
    return subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def _tarball() -> Path:
    found = sorted(glob.glob(f"/usr/src/{PACKAGE}.tar.*"))
    if found:
        return Path(found[-1])
    if os.geteuid() != 0:
        sys.exit(f"{PACKAGE} is not installed and this is not root: apt-get install {PACKAGE}")
    print(f"installing {PACKAGE} with apt-get ...", file=sys.stderr)
    apt_env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=apt_env, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", PACKAGE], check=True,
                   env=apt_env, stdout=subprocess.DEVNULL)
    found = sorted(glob.glob(f"/usr/src/{PACKAGE}.tar.*"))
    if not found:
        sys.exit(f"{PACKAGE} installed but no /usr/src/{PACKAGE}.tar.* found")
    return Path(found[-1])


def _safe_members(tar: tarfile.TarFile, strip: str):
    for member in tar.getmembers():
        name = member.name
        if not name.startswith(strip + "/"):
            continue
        member.name = name[len(strip) + 1:]
        if not member.name or member.name.startswith("/") or ".." in Path(member.name).parts:
            continue
        if member.issym() or member.islnk() or member.isfile() or member.isdir():
            yield member


def make_tree(dest: Path) -> Path:
    if (dest / ".git").is_dir() and _run(["git", "tag", "--list", "base"], cwd=dest).strip():
        return dest
    tarball = _tarball()
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    print(f"unpacking {tarball} ...", file=sys.stderr)
    with tarfile.open(tarball) as tar:
        top = tar.next().name.split("/")[0]
        tar.extractall(tmp, members=list(_safe_members(tar, top)), filter="tar")
    env = dict(os.environ, GIT_AUTHOR_NAME="linux-source", GIT_AUTHOR_EMAIL="linux-source@localhost",
               GIT_COMMITTER_NAME="linux-source", GIT_COMMITTER_EMAIL="linux-source@localhost",
               GIT_AUTHOR_DATE="2024-01-01T00:00:00Z", GIT_COMMITTER_DATE="2024-01-01T00:00:00Z")
    _run(["git", "init", "-q", "-b", "master"], cwd=tmp, env=env)
    print("committing every file (git add --force) ...", file=sys.stderr)
    _run(["git", "add", "--force", "--all", "."], cwd=tmp, env=env)
    _run(["git", "commit", "-q", "--no-verify", "-m", f"{PACKAGE} from {tarball.name}"], cwd=tmp, env=env)
    _run(["git", "tag", "base"], cwd=tmp, env=env)
    on_disk = sum(1 for p in tmp.rglob("*") if p.suffix in (".c", ".h") and p.is_file() and ".git" not in p.parts)
    in_git = sum(1 for line in _run(["git", "ls-files"], cwd=tmp).splitlines() if line.endswith((".c", ".h")))
    if on_disk != in_git:
        sys.exit(f"only {in_git} of {on_disk} .c/.h files were committed")
    shutil.rmtree(dest, ignore_errors=True)
    tmp.rename(dest)
    print(f"{in_git} .c/.h files committed", file=sys.stderr)
    return dest


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else default_path()
    print(make_tree(target))
