"""Shared fixtures: every test starts with a clean plugin host and no stray CODEX_ML_* variables."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # make tests/guards.py importable as `guards`

# Caches (plugin discovery, artefact digests) of this test session, subprocesses included, stay private.
os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="codex-ml-test-cache-")

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No CODEX_ML_* variable leaks in from the caller, the project root is an empty folder so the
    repository's own artifacts/ never changes a test's outcome, and hash-cache writes stay private."""
    for name in list(os.environ):
        if name.startswith("CODEX_ML_"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(tmp_path_factory.mktemp("project")))
    monkeypatch.setenv("CODEX_ML_CACHE_DIR", str(tmp_path_factory.mktemp("hash-cache")))  # never ~/.cache
    from codex_ml.plugins.manager import reset_host

    reset_host()
    yield
    reset_host()


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
