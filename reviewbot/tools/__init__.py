"""Maintenance tools for reviewbot's own sources (run with python -m), not part of a review."""
