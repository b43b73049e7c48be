"""Checkpoints without pickles: weights and optimizer tensors as safetensors, everything else as JSON.

A checkpoint is written to a hidden temporary sibling and renamed into place with its ``manifest.json``
written last (:func:`codex_ml.runs.saves.atomic_directory`), so ``checkpoint-<step>`` either exists
complete or not at all. Pruning keeps the newest ``keep`` of the checkpoints the calling run wrote and
never touches any other.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import torch
from codex_ml.artifacts.manifest import check_manifest
from codex_ml.errors import MalformedArtifactError
from codex_ml.io import strict_json_dumps
from codex_ml.runs import saves
from codex_ml.runs.saves import atomic_directory, prune_own_checkpoints
from safetensors.torch import load_file, load_model, save_file, save_model

PATTERN = re.compile(r"^checkpoint-(\d+)$")
STATE = "trainer_state.json"


def checkpoint_dirs(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in root.iterdir() if (m := PATTERN.match(p.name)) and (p / STATE).is_file()]
    return [p for _, p in sorted(found)]


def write_manifest_last(directory: Path, name: str) -> None:
    """The ``finish`` step of an atomic save: ``manifest.json`` (source ``training``) written last."""
    saves.write_manifest_last(directory, name, "training")


def gather_full_state(module: torch.nn.Module, optimizer: torch.optim.Optimizer) -> tuple[dict, dict]:
    """An FSDP-sharded model's and optimizer's full state, gathered to rank 0 (CPU) for a checkpoint.
    A collective: every rank calls it; only rank 0's dicts are filled. The optimizer's state and param
    groups are keyed by parameter name (torch.distributed.checkpoint's full state dict)."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_state_dict

    return get_state_dict(module, optimizer, options=StateDictOptions(full_state_dict=True, cpu_offload=True))


def save_checkpoint(root: Path, step: int, module: torch.nn.Module, optimizer: torch.optim.Optimizer,
                    state: dict[str, Any], keep: int, written: list[Path] | None = None,
                    full_state: tuple[dict, dict] | None = None) -> Path:
    """Write ``root/checkpoint-<step>`` atomically. ``written``: the checkpoints this run wrote, oldest
    first; the new one is appended and only those beyond the newest ``keep`` are deleted. ``full_state``:
    what :func:`gather_full_state` returned, for a sharded model (its optimizer state keyed by name)."""
    final = root / f"checkpoint-{step:08d}"
    with atomic_directory(final, finish=lambda tmp: write_manifest_last(tmp, final.name)) as tmp:
        if full_state is None:
            save_model(module, str(tmp / "model.safetensors"))
            opt = optimizer.state_dict()
        else:  # tied weights come back as one tensor under two names: safetensors stores each name apart
            model_state, opt = full_state
            save_file({k: v.detach().cpu().contiguous().clone() for k, v in model_state.items()},
                      str(tmp / "model.safetensors"))
            state = {**state, "sharded": True}
        tensors = {f"{pid}.{key}": value.detach().cpu().contiguous() for pid, entry in opt["state"].items()
                   for key, value in entry.items() if isinstance(value, torch.Tensor)}
        scalars = {str(pid): {k: v for k, v in entry.items() if not isinstance(v, torch.Tensor)} for pid, entry in opt["state"].items()}
        save_file(tensors, str(tmp / "optimizer.safetensors"))
        save_file({"torch_cpu": torch.get_rng_state()}, str(tmp / "rng.safetensors"))
        (tmp / STATE).write_text(strict_json_dumps({**state, "step": step, "optimizer": {
            "param_groups": opt["param_groups"], "scalars": scalars}}, indent=2) + "\n")
    if written is not None:
        prune_own_checkpoints(written, final, keep)
    return final


def read_state(path: Path) -> dict[str, Any]:
    try:
        return json.loads((path / STATE).read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise MalformedArtifactError(f"{path}: not a readable checkpoint ({exc})") from exc


def load_checkpoint(path: Path, module: torch.nn.Module, optimizer: torch.optim.Optimizer, *,
                    sharded: bool = False) -> dict[str, Any]:
    """Check the checkpoint against its manifest, then restore weights, optimizer and torch RNG in place;
    return the JSON state. ``sharded``: ``module`` is FSDP-sharded; every rank reads the full state and
    keeps its own shards (the checkpoint must have been written by a sharded run)."""
    check_manifest(path)
    state = read_state(path)
    if bool(state.get("sharded")) != sharded:
        written, wanted = ("an FSDP", "DDP or one-process") if state.get("sharded") else ("a DDP or one-process", "FSDP")
        raise MalformedArtifactError(f"{path}: {written} checkpoint cannot resume a {wanted} run; resume with the "
                                     "training.strategy that wrote it")
    tensors = load_file(str(path / "optimizer.safetensors"))
    opt_state: dict[Any, dict[str, Any]] = {}
    key_of = (lambda pid: pid) if sharded else int  # a sharded run's optimizer state is keyed by parameter name
    for pid, scalars in state["optimizer"]["scalars"].items():
        opt_state[key_of(pid)] = dict(scalars)
    for name, value in tensors.items():
        pid, key = name.rsplit(".", 1)  # the state's keys (exp_avg, step) have no dots; parameter names do
        opt_state.setdefault(key_of(pid), {})[key] = value
    optimizer_state = {"state": opt_state, "param_groups": state["optimizer"]["param_groups"]}
    if sharded:
        from torch.distributed.checkpoint.state_dict import StateDictOptions, set_state_dict

        set_state_dict(module, optimizer, model_state_dict=load_file(str(path / "model.safetensors")),
                       optim_state_dict=optimizer_state, options=StateDictOptions(full_state_dict=True))
    else:
        load_model(module, str(path / "model.safetensors"))
        optimizer.load_state_dict(optimizer_state)
    torch.set_rng_state(load_file(str(path / "rng.safetensors"))["torch_cpu"])
    return state
