"""Reviewer analyses, one module each (near-duplicates, clumped parameters, lost side effects, ...)."""
