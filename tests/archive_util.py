"""A small kernel-like git history of topic merges, for the archive tests."""
from __future__ import annotations

import os
import shutil
import subprocess

from tests.conftest import FIXTURES

MINI = FIXTURES / "trees/mini-linux"
V3 = FIXTURES / "series/insert-pfn-mkwrite-v3"


def git(repo, *args: str, date: str = "2025-01-10T10:00:00+00:00", input: str | None = None) -> str:
    env = {"GIT_AUTHOR_NAME": "Ross Zwisler", "GIT_AUTHOR_EMAIL": "ross.zwisler@linux.intel.com",
           "GIT_COMMITTER_NAME": "Andrew Morton", "GIT_COMMITTER_EMAIL": "akpm@linux-foundation.org",
           "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "HOME": str(repo), "PATH": os.environ["PATH"]}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True,
                          input=input).stdout


def make_history(root):
    """mini-linux with its MAINTAINERS, then: the v3 mkwrite series merged as a topic (Feb 2025), a
    commit straight on master (not a series), and a one-patch topic adding a BUG_ON without a
    sign-off (Mar 2025)."""
    repo = root / "linux"
    shutil.copytree(MINI, repo)
    shutil.copy(FIXTURES / "archive/MAINTAINERS", repo / "MAINTAINERS")
    git(repo, "init", "-q", "-b", "master")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "Linux 6.1 excerpt")
    git(repo, "tag", "start")
    git(repo, "checkout", "-q", "-b", "mkwrite")
    git(repo, "am", "-q", *sorted(str(p) for p in V3.glob("v3-000[1-9]-*.patch")))
    git(repo, "checkout", "-q", "master")
    git(repo, "merge", "-q", "--no-ff", "mkwrite", "-m", "Merge branch 'mkwrite'", date="2025-02-03T10:00:00+00:00")
    (repo / "README").write_text("Linux kernel\n")
    git(repo, "add", "README")
    git(repo, "commit", "-q", "-m", "README: add", date="2025-02-10T10:00:00+00:00")
    git(repo, "checkout", "-q", "-b", "dax-hole")
    dax = (repo / "fs/dax.c").read_text()
    (repo / "fs/dax.c").write_text(dax.replace("\tret = vmf_insert_mixed(vmf->vma, vaddr, pfn, false);\n",
                                               "\tBUG_ON(!vmf->vma);\n\tret = vmf_insert_mixed(vmf->vma, vaddr, "
                                               "pfn, false);\n", 1))
    git(repo, "commit", "-q", "-am", "dax: check the vma of a hole fault", date="2025-03-01T10:00:00+00:00")
    git(repo, "checkout", "-q", "master")
    git(repo, "merge", "-q", "--no-ff", "dax-hole", "-m", "Merge branch 'dax-hole'", date="2025-03-05T10:00:00+00:00")
    return repo
