"""Reviewer analyses, one module each: every module has ``check_step(step, cache) -> list[Finding]``
and its own fixtures under fixtures/checks/. checkpatch.py (the tree's checkpatch.pl) runs apart,
on request."""
from reviewbot.checks import (
    alloc_context,
    asymmetric_paths,
    declarations,
    derivable_params,
    kernel_doc,
    lost_side_effects,
    near_duplicate,
    unused_export,
)

ANALYSES = (near_duplicate, lost_side_effects, derivable_params, alloc_context, asymmetric_paths, kernel_doc,
            unused_export, declarations)
