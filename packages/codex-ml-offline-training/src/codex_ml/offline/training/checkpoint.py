"""Checkpoints without pickles: weights and optimizer tensors as safetensors, everything else as JSON.

A checkpoint is written to a hidden temporary folder and renamed into place, so ``checkpoint-<step>``
either exists complete or not at all; only the newest ``keep`` are kept.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import torch
from codex_ml.errors import MalformedArtifactError
from safetensors.torch import load_file, load_model, save_file, save_model

PATTERN = re.compile(r"^checkpoint-(\d+)$")
STATE = "trainer_state.json"


def checkpoint_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if (m := PATTERN.match(p.name)) and (p / STATE).is_file()]
    return [p for _, p in sorted(found)]


def _fsync_dir(path: Path) -> None:
    for file in path.iterdir():
        with open(file, "rb") as handle:
            os.fsync(handle.fileno())


def save_checkpoint(root: Path, step: int, module: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    state: dict[str, Any], keep: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    final = root / f"checkpoint-{step:08d}"
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=root))
    try:
        save_model(module, str(tmp / "model.safetensors"))
        opt = optimizer.state_dict()
        tensors = {f"{pid}.{key}": value.detach().cpu().contiguous() for pid, entry in opt["state"].items()
                   for key, value in entry.items() if isinstance(value, torch.Tensor)}
        scalars = {str(pid): {k: v for k, v in entry.items() if not isinstance(v, torch.Tensor)} for pid, entry in opt["state"].items()}
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        save_file({"torch_cpu": torch.get_rng_state()}, str(tmp / "rng.safetensors"))
        (tmp / STATE).write_text(json.dumps({**state, "step": step, "optimizer": {"param_groups": opt["param_groups"],
                                                                               "scalars": scalars}}, indent=2) + "\n")
        _fsync_dir(tmp)
        if final.exists():
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in checkpoint_dirs(root)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def read_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / STATE).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise MalformedArtifactError(f"{path}: not a readable checkpoint ({exc})") from exc


def load_checkpoint(path: Path, module: torch.nn.Module, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """Restore weights, optimizer and torch RNG in place; return the JSON state."""
    state = read_state(path)
    load_model(module, str(path / "model.safetensors"))
    tensors = load_file(str(path / "optimizer.safetensors"))
    opt_state: dict[int, dict[str, Any]] = {}
    for pid, scalars in state["optimizer"]["scalars"].items():
        opt_state[int(pid)] = dict(scalars)
    for name, value in tensors.items():
        pid, key = name.split(".", 1)
        opt_state.setdefault(int(pid), {})[key] = value
    optimizer.load_state_dict({"state": opt_state, "param_groups": state["optimizer"]["param_groups"]})
    torch.set_rng_state(load_file(str(path / "rng.safetensors"))["torch_cpu"])
    return state
