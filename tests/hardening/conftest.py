"""Hardening tests: every test gets a private hash cache."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_hash_cache(_isolated_environment, monkeypatch, tmp_path_factory):
    """Hash-cache writes go to a temporary folder, never the user's ~/.cache."""
    monkeypatch.setenv("CODEX_ML_CACHE_DIR", str(tmp_path_factory.mktemp("hash-cache")))
