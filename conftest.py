"""Fixtures shared by every tests folder (tests/ and packages/*/tests): pytest loads this file for any test
under the repository root, whichever folder it is run from and whichever distributions are installed.

- every test starts with a clean plugin host and no stray CODEX_ML_* variables (``_isolated_environment``);
- caches (plugin discovery, artefact digests) of the session, subprocesses included, stay private;
- ``tests/support`` goes on ``sys.path``: ``guards`` (skip guards, build components as users do),
  ``plugin_sites`` (install fixture plugins), ``hardening_helpers`` (controlled subprocesses, fake torch),
  ``pipeline_helpers`` (the CLI in a subprocess),
  ``repo_paths`` (where things are) import by name from any tests folder;
- ``synth_fixtures`` (the tiny synthesised GPT-2 / TinyLlama checkpoints, made once per session on first
  use) is loaded as a plugin, so its fixtures are available everywhere.
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(REPO_ROOT / "tests" / "support"))

pytest_plugins = ["synth_fixtures"]

os.environ["XDG_CACHE_HOME"] = tempfile.mkdtemp(prefix="codex-ml-test-cache-")


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
