"""Offline datasets for codex-ml: the tiny corpus and the labelled evaluation set."""
