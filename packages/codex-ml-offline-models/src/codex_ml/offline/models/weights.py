"""Which weight file of a checkpoint directory is loaded, and how, so no pickle runs arbitrary code.

``model.safetensors`` (or its sharded index) is always preferred. ``pytorch_model.bin`` is read only by
torch's weights-only unpickler, and only on a torch whose unpickler has no known bypass; otherwise the
load is refused with the reason and the way out (convert to safetensors on a trusted machine). The torch
threshold is :func:`codex_ml.utils.torch_checks.pickle_weights_allowed`, so ``codex-ml doctor`` agrees.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from codex_ml.errors import MalformedArtifactError, UnsafeWeightsError
from codex_ml.utils.torch_checks import HARDENED_WEIGHTS_ONLY, pickle_weights_allowed

SAFETENSORS = ("model.safetensors", "model.safetensors.index.json")
PICKLE = "pytorch_model.bin"


def weights_file(directory: Path) -> Path:
    """The file to load from ``directory``: safetensors if present, else ``pytorch_model.bin``."""
    for name in SAFETENSORS:
        if (directory / name).is_file():
            return directory / name
    if (directory / PICKLE).is_file():
        return directory / PICKLE
    raise MalformedArtifactError(f"{directory}: no weights found; expected {' or '.join(SAFETENSORS + (PICKLE,))}")


def load_pickle_state_dict(path: Path) -> dict:
    """Read ``pytorch_model.bin`` with ``torch.load(weights_only=True)``, or refuse and say why."""
    import torch

    if not pickle_weights_allowed(torch.__version__):
        minimum = ".".join(map(str, HARDENED_WEIGHTS_ONLY))
        raise UnsafeWeightsError(
            f"{path}: refusing to unpickle weights with torch {torch.__version__}; its weights-only unpickler has "
            f"known bypasses (needs torch>={minimum}). Upgrade torch, or convert the file to model.safetensors on "
            "a trusted machine."
        )
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=zipfile.is_zipfile(path))
    except Exception as exc:  # UnpicklingError, RuntimeError on non-zip files, ...
        raise UnsafeWeightsError(
            f"{path}: refused by the weights-only unpickler ({type(exc).__name__}: {str(exc).splitlines()[0][:200]}). "
            "The file holds more than tensors (possibly code); convert it to model.safetensors on a trusted machine."
        ) from exc
    if not isinstance(state, dict) or not all(hasattr(v, "shape") for v in state.values()):
        raise UnsafeWeightsError(f"{path}: expected a mapping of parameter names to tensors")
    return state
