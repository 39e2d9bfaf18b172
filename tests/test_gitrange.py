"""Git ranges become the same Series/Patch objects as mail, read-only."""
from __future__ import annotations

import subprocess

import pytest

from reviewbot.errors import GitError
from reviewbot.ingest.gitrange import series_from_git

MEMORY_C = """// SPDX-License-Identifier: GPL-2.0-only
static int insert_pfn(struct vm_area_struct *vma, unsigned long addr,
\t\t\tpfn_t pfn, pgprot_t prot)
{
\treturn 0;
}
"""


def _git(repo, *args: str) -> str:
    env = {"GIT_AUTHOR_NAME": "Ross Zwisler", "GIT_AUTHOR_EMAIL": "ross.zwisler@linux.intel.com",
           "GIT_COMMITTER_NAME": "Ross Zwisler", "GIT_COMMITTER_EMAIL": "ross.zwisler@linux.intel.com",
           "GIT_AUTHOR_DATE": "2017-07-24T11:06:11-06:00", "GIT_COMMITTER_DATE": "2017-07-24T11:06:11-06:00",
           "HOME": str(repo), "PATH": "/usr/bin:/bin"}
    return subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def kernel_repo(tmp_path):
    repo = tmp_path / "linux"
    (repo / "mm").mkdir(parents=True)
    _git(repo, "init", "-q", "-b", "master")
    (repo / "mm/memory.c").write_text(MEMORY_C)
    _git(repo, "add", ".")
    _git(repo, "commit", "-q", "-m", "mm: initial")
    (repo / "mm/memory.c").write_text(MEMORY_C.replace("pgprot_t prot)", "pgprot_t prot, bool mkwrite)"))
    _git(repo, "commit", "-q", "-am", "mm: add a mkwrite flag to insert_pfn()\n\nTo be able to use the common 4k "
         "zero page in DAX.\n\nSigned-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n"
         "Reviewed-by: Jan Kara <jack@suse.cz>\n")
    (repo / "mm/memory.c").write_text(MEMORY_C.replace("return 0;", "return -EINVAL;"))
    _git(repo, "commit", "-q", "-am",
         "mm: return -EINVAL\n\nSigned-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n")
    return repo


def test_range_becomes_series_in_apply_order(kernel_repo):
    series = series_from_git(kernel_repo, "HEAD~2..HEAD")
    assert [(p.index, p.total, p.subject) for p in series.patches] == [
        (1, 2, "mm: add a mkwrite flag to insert_pfn()"), (2, 2, "mm: return -EINVAL")]
    first = series.patches[0]
    assert first.author == "Ross Zwisler <ross.zwisler@linux.intel.com>"
    assert [(t.name, t.person) for t in first.trailers] == [
        ("Signed-off-by", "Ross Zwisler <ross.zwisler@linux.intel.com>"), ("Reviewed-by", "Jan Kara <jack@suse.cz>")]
    assert first.files == ["mm/memory.c"]
    assert "+\t\t\tpfn_t pfn, pgprot_t prot, bool mkwrite)" in first.diff_text


def test_patch_id_matches_git(kernel_repo):
    series = series_from_git(kernel_repo, "HEAD~1")
    shown = _git(kernel_repo, "show", "HEAD~1")
    git_id = subprocess.run(["git", "patch-id", "--stable"], input=shown, capture_output=True,
                            text=True).stdout.split()[0]
    assert series.patches[0].patch_id == git_id


def test_repository_is_left_untouched(kernel_repo):
    before = (_git(kernel_repo, "status", "--porcelain"), _git(kernel_repo, "rev-parse", "HEAD"),
              (kernel_repo / ".git/index").read_bytes())
    series_from_git(kernel_repo, "HEAD~2..HEAD")
    after = (_git(kernel_repo, "status", "--porcelain"), _git(kernel_repo, "rev-parse", "HEAD"),
             (kernel_repo / ".git/index").read_bytes())
    assert before == after


@pytest.mark.parametrize("expr,message", [("nope..HEAD", "unknown revision"), ("--output=/tmp/x", "unknown revision")])
def test_bad_revisions_are_git_errors(kernel_repo, expr, message):
    with pytest.raises(GitError, match=message):
        series_from_git(kernel_repo, expr)


def test_not_a_repository(tmp_path):
    with pytest.raises(GitError, match="not a git repository"):
        series_from_git(tmp_path, "HEAD")


def test_root_commit_is_reviewed_against_the_empty_tree(kernel_repo):
    from reviewbot.pipeline import load_input, review_series

    root = _git(kernel_repo, "rev-list", "--max-parents=0", "HEAD").strip()
    loaded = load_input(root, str(kernel_repo))
    assert loaded.range_base == "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
    review = review_series(loaded.series[0], str(kernel_repo), range_base=loaded.range_base)
    assert review.base_source == "start of the range"
    assert [f for f in review.findings if f.rule == "RB-APPLY"] == []
    assert not any("apply" in s.reason for s in review.skipped)


def test_binary_file_and_quoted_name_leave_the_text_parts_analysed(kernel_repo):
    """A commit that changes a firmware blob, a file whose name git quotes ("a/mm/d\\303\\251j\\303\\240.c")
    and mm/memory.c: the blob is left alone, the other two are applied and analysed."""
    from reviewbot.pipeline import load_input, review_series

    (kernel_repo / "firmware.bin").write_bytes(b"\x7fELF\x00\x01")
    (kernel_repo / "mm/déjà.c").write_text("// SPDX-License-Identifier: GPL-2.0\nint deja;\n")
    _git(kernel_repo, "add", ".")
    sob = "\n\nSigned-off-by: Ross Zwisler <ross.zwisler@linux.intel.com>\n"
    _git(kernel_repo, "commit", "-qm", "mm: firmware and deja" + sob)
    (kernel_repo / "firmware.bin").write_bytes(b"\x7fELF\x00\x02\x00")
    (kernel_repo / "mm/déjà.c").write_text("// SPDX-License-Identifier: GPL-2.0\nint deja;\nint vu(void)\n{\n"
                                           "\tBUG_ON(deja);\n\treturn 0;\n}\n")
    (kernel_repo / "mm/memory.c").write_text(MEMORY_C.replace("return 0;", "BUG_ON(!pfn);\n\treturn 0;"))
    _git(kernel_repo, "commit", "-qam", "mm: touch all three" + sob)
    loaded = load_input("HEAD~1..HEAD", str(kernel_repo))
    assert '"a/mm/d\\303\\251j\\303\\240.c"' in loaded.series[0].patches[0].diff_text
    review = review_series(loaded.series[0], str(kernel_repo), range_base=loaded.range_base)
    assert [(s.what, s.reason) for s in review.skipped] == [
        ("patch 1/1: firmware.bin", "binary file: not applied; the patch's text files were")]
    assert [f for f in review.findings if f.rule == "RB-APPLY"] == []
    assert {(f.file, f.line) for f in review.findings if f.rule == "RB0001"} == {("mm/déjà.c", 5), ("mm/memory.c", 5)}
