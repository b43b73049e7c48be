"""Skip guards for optional heavy dependencies.

An incomplete or stub torch counts as missing: tests that need torch skip with the reason instead of
failing on an AttributeError deep inside. The verdict comes from ``codex_ml.utils.torch_checks``, the
same check ``python -m codex_ml.utils.torch_checks`` and ``codex-ml doctor`` run, so they cannot disagree.
"""
from __future__ import annotations

import importlib
from types import ModuleType

import pytest

from codex_ml.utils.torch_checks import check_torch


def _torch_problem() -> str | None:
    status = check_torch()
    return None if status.ok else status.problem


def require_torch() -> ModuleType:
    """Return torch, or skip the calling test/module when torch is missing or incomplete."""
    problem = _torch_problem()
    if problem:
        pytest.skip(problem, allow_module_level=True)
    return importlib.import_module("torch")


def require(module: str) -> ModuleType:
    """Like ``pytest.importorskip`` but also skips when torch underneath is unusable."""
    require_torch()
    return pytest.importorskip(module)
