"""Offline trainers for codex-ml: the functional trainer."""
