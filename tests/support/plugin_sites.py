"""Install the fixture plugin distributions (fixtures/plugins/*) into throw-away site folders.

They are real distributions with real entry-point metadata, installed with pip into a ``--target``
folder, so discovery sees exactly what it would see in a user's environment.
"""
from __future__ import annotations

import subprocess
import sys
from importlib import metadata
from pathlib import Path

from repo_paths import FIXTURES

FIXTURE_PLUGINS = FIXTURES / "plugins"


def install(target: Path, *names: str) -> Path:
    """pip-install the named fixture plugins into ``target`` (no dependencies, no build isolation)."""
    sources = [str(FIXTURE_PLUGINS / name) for name in names]
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-index", "--target", str(target), *sources],
        check=True,
    )
    return target


def entry_points(site: Path, group: str = "codex_ml") -> list[metadata.EntryPoint]:
    """Entry points of the distributions installed in ``site`` only."""
    return [ep for dist in metadata.distributions(path=[str(site)]) for ep in dist.entry_points if ep.group == group]
