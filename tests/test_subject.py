"""Patch subjects as people really write them."""
from __future__ import annotations

import pytest

from reviewbot.ingest.subject import parse_subject


@pytest.mark.parametrize("subject,expected", [
    ("[PATCH v3 2/5] mm: add vm_insert_mixed_mkwrite()",
     dict(subject="mm: add vm_insert_mixed_mkwrite()", version=3, index=2, total=5, is_reply=False, is_patch=True)),
    ("[RFC PATCH net-next v2 00/12] net: dsa: multi-CPU ground work",
     dict(subject="net: dsa: multi-CPU ground work", version=2, index=0, total=12, is_rfc=True)),
    ("Re: [Qemu-devel] [PATCH v4 0/2] Report format specific info for LUKS block driver",
     dict(subject="Report format specific info for LUKS block driver", version=4, index=0, total=2, is_reply=True)),
    ("AW: Re: [PATCH] dax: fix a comment", dict(subject="dax: fix a comment", version=1, index=None, is_reply=True)),
    ("Fwd: [PATCH 1/1] x86: fix it", dict(subject="x86: fix it", is_forward=True, is_reply=False, index=1, total=1)),
    ("[PATCHv2 RESEND 3/4] dax: relocate dax_load_hole()", dict(version=2, is_resend=True, index=3, total=4)),
    ("[PATCH V2.1 1/3] mm: thing", dict(version=2, index=1, total=3)),
    ("[PATCH 2/5 v3] dax: remove dax_pfn_mkwrite()", dict(version=3, index=2, total=5)),
    ("[GIT PULL] dax fixes for 4.13-rc2", dict(is_pull=True, is_patch=False, subject="dax fixes for 4.13-rc2")),
    ("[PULL 0/3] block patches", dict(is_pull=True, index=0, total=3)),
    ("[PATCH 0 of 2] Sample Mercurial patches", dict(index=0, total=2, subject="Sample Mercurial patches")),
    ("  [PATCH   v2  1/2]   mm:   spaced   out ", dict(version=2, index=1, total=2, subject="mm: spaced out")),
])
def test_subject_fields(subject, expected):
    info = parse_subject(subject)
    assert {k: getattr(info, k) for k in expected} == expected


def test_topic_prefixes_are_the_tokens_that_are_not_patch_markers():
    assert parse_subject("[RFC PATCH net-next v2 03/12] x").topic_prefixes == ["net-next"]
    assert parse_subject("[Qemu-devel] [PATCH v4 1/2] x").topic_prefixes == ["Qemu-devel"]
