"""Optimizer and generator state as safetensors plus JSON: agent checkpoints hold no pickles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file


def save_optimizer(optimizer: torch.optim.Optimizer, directory: Path) -> dict[str, Any]:
    """Tensors to ``optimizer.safetensors``; returns the JSON part (param groups and scalar state)."""
    state = optimizer.state_dict()
    tensors = {
        f"{pid}.{key}": value.detach().cpu().contiguous()
        for pid, entry in state["state"].items()
        for key, value in entry.items()
        if isinstance(value, torch.Tensor)
    }
    save_file(tensors, str(directory / "optimizer.safetensors"))
    scalars = {
        str(pid): {k: v for k, v in entry.items() if not isinstance(v, torch.Tensor)}
        for pid, entry in state["state"].items()
    }
    return {"param_groups": state["param_groups"], "scalars": scalars}


def load_optimizer(optimizer: torch.optim.Optimizer, directory: Path, saved: dict[str, Any]) -> None:
    tensors = load_file(str(directory / "optimizer.safetensors"))
    state: dict[int, dict[str, Any]] = {int(pid): dict(scalars) for pid, scalars in saved["scalars"].items()}
    for name, value in tensors.items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    optimizer.load_state_dict({"state": state, "param_groups": saved["param_groups"]})


def save_generator(generator: torch.Generator, path: Path) -> None:
    save_file({"state": generator.get_state()}, str(path))


def load_generator(generator: torch.Generator, path: Path) -> None:
    generator.set_state(load_file(str(path))["state"])


def write_json(path: Path, data: Any) -> None:
    from codex_ml.io import atomic_write_json

    atomic_write_json(path, data)


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
