"""Skip guards for optional heavy dependencies.

An incomplete or stub torch counts as missing: tests that need torch skip with the reason instead of
failing on an AttributeError deep inside.
"""
from __future__ import annotations

import importlib
from types import ModuleType

import pytest


def _torch_problem() -> str | None:
    try:
        torch = importlib.import_module("torch")
    except Exception as exc:  # noqa: BLE001 - any import failure means "no usable torch"
        return f"torch is not importable ({type(exc).__name__}: {exc})"
    for module in ("torch.nn", "torch.utils.data"):
        try:
            importlib.import_module(module)
        except Exception as exc:  # noqa: BLE001
            return f"torch is incomplete: {module} fails to import ({exc})"
    data = importlib.import_module("torch.utils.data")
    if not hasattr(data, "Dataset") or not hasattr(torch, "tensor"):
        return "torch is incomplete (a stub or partial install)"
    return None


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
