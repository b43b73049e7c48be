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


def torch_problem() -> str | None:
    """Why torch cannot be used here (None when it can)."""
    status = check_torch()
    return None if status.ok else status.problem


def require_torch() -> ModuleType:
    """Return torch, or skip the calling test/module when torch is missing or incomplete."""
    problem = torch_problem()
    if problem:
        pytest.skip(problem, allow_module_level=True)
    return importlib.import_module("torch")


def require(module: str) -> ModuleType:
    """Like ``pytest.importorskip`` but also skips when torch underneath is unusable."""
    require_torch()
    return pytest.importorskip(module)


def build(kind: str, name: str, path=None, **settings):
    """Build a registered component the way users do: the core resolves its artefact (``path`` starts the
    search) and hands the factory the resolved path."""
    from codex_ml.plugins.registries import REGISTRIES

    return REGISTRIES[kind].resolve_and_instantiate(name, path=path, **settings)


def load_gpt2_model(path=None):
    return build("models", "offline:gpt2", path)


def load_tinyllama_model(path=None):
    return build("models", "offline:tinyllama", path)


def load_gpt2_tokenizer(path=None):
    return build("tokenizers", "offline:gpt2", path)


def load_functional_trainer(path=None, **settings):
    return build("trainers", "offline:functional", path, **settings)
