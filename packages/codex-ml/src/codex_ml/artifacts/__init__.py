"""Finding offline artefacts: one resolver shared by every component.

Names resolve on first access (PEP 562): ``codex_ml.plugins.spec`` imports ``codex_ml.artifacts.spec``,
and listing commands must not pay for the resolver (importlib.resources, tempfile, shutil) they never use.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {"ArtifactSpec": "spec", "Candidate": "resolver", "Resolution": "resolver", "project_root": "resolver",
            "resolve": "resolver"}

__all__ = ["ArtifactSpec", "Candidate", "Resolution", "project_root", "resolve"]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"codex_ml.artifacts.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'codex_ml.artifacts' has no attribute {name!r}")
