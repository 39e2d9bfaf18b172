"""Ingest layer: mail and git in, model objects out. Imports nothing from analysis or report."""
