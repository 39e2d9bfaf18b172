"""Declarative rules engine: loads rules/*.yaml (+ .scm) and runs them over a series."""
