"""The functional trainer's settings: the shipped defaults, then a trainer file, then keyword overrides.

The defaults have one home, the ``trainer_functional.json`` shipped in this distribution (the seed layout's
``data/offline/trainer_functional.json``): it names every key. A trainer file found elsewhere
(``path``, ``$CODEX_ML_FUNCTIONAL_TRAINER_CONFIG``, ...) may name only the keys it changes. Unknown keys
are errors. Only the first six keys apply to models without parameters; the rest configure the PyTorch
loop (``torch_loop``).
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from codex_ml.artifacts.files import read_json_object
from codex_ml.errors import InvalidSettingError, MalformedArtifactError, UnknownSettingError

_POSITIVE_INTS = ("gradient_accumulation_steps", "max_steps", "log_interval", "batch_size", "keep_checkpoints")
_NON_NEGATIVE = ("warmup_steps", "eval_interval", "checkpoint_interval", "weight_decay", "max_grad_norm", "min_lr_ratio",
                 "global_batch_size", "eval_max_blocks")

#: Allowed values of the choice keys.
CHOICES = {
    "precision": ("fp32", "bf16", "fp16"),
    "lr_scheduler": ("linear", "cosine", "constant"),
    "strategy": ("ddp", "fsdp"),
    "compile_mode": ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs"),
}
REPORTERS = ("jsonl", "tensorboard", "mlflow")

#: Keys that may change between a run and its resumption without changing what is computed.
RESUME_FREE_KEYS = frozenset({"log_interval", "eval_interval", "checkpoint_interval", "keep_checkpoints", "output_dir",
                              "resume", "force_resume", "progress", "device", "compile", "compile_backend",
                              "compile_mode", "gradient_checkpointing",
                              "report_to", "eval_max_blocks", "token_cache"})

#: Expected JSON types per key (bool is never accepted as a number).
_TYPES: dict[str, type | tuple[type, ...]] = {
    "learning_rate": float, "gradient_accumulation_steps": int, "max_steps": int, "log_interval": int,
    "batch_size": int, "seed": int, "warmup_steps": int, "weight_decay": float, "max_grad_norm": float,
    "min_lr_ratio": float, "block_size": int, "eval_fraction": float, "eval_interval": int,
    "checkpoint_interval": int, "keep_checkpoints": int, "output_dir": str, "resume": (bool, str),
    "force_resume": bool, "progress": bool, "device": str, "precision": str, "compile": bool,
    "compile_backend": str, "compile_mode": str,
    "gradient_checkpointing": bool, "lr_scheduler": str, "strategy": str, "global_batch_size": int,
    "report_to": list, "eval_max_blocks": int, "token_cache": bool,
}


@dataclass(frozen=True)
class TrainerConfig:
    """Every setting of ``offline:functional``. No defaults here: they live in the shipped
    ``fixtures/trainer_functional.json`` (see :func:`shipped_defaults`)."""

    learning_rate: float
    gradient_accumulation_steps: int
    max_steps: int
    log_interval: int
    batch_size: int
    seed: int
    #: Linear warmup from 0 over this many steps, then linear decay to ``min_lr_ratio * learning_rate``.
    warmup_steps: int
    min_lr_ratio: float
    #: AdamW decoupled weight decay, applied to matrices only (not biases, norms).
    weight_decay: float
    #: Clip the global gradient norm to this; 0 turns clipping off.
    max_grad_norm: float
    #: Tokens per packed training sequence (the model predicts each of them).
    block_size: int
    #: Fraction of records held out for the evaluation loss and perplexity (0: none).
    eval_fraction: float
    #: Evaluate every N steps as well as before and after training; 0: only before and after.
    eval_interval: int
    #: Write a checkpoint every N steps (needs ``output_dir``); 0: none.
    checkpoint_interval: int
    keep_checkpoints: int
    #: Checkpoints go to ``output_dir/checkpoints``, the final model to ``output_dir/final``; "" writes nothing.
    output_dir: str
    #: ``true``: continue from the latest checkpoint in ``output_dir`` (fresh start if none); a path: that checkpoint.
    resume: bool | str
    #: Resume even when the checkpoint was written with a different configuration or data.
    force_resume: bool
    #: Progress bar on an interactive terminal.
    progress: bool
    #: ``auto`` (CUDA, then MPS, then CPU), ``cpu``, ``cuda``, ``cuda:N`` or ``mps``; under torchrun ``cuda`` is
    #: each process's ``cuda:LOCAL_RANK``.
    device: str
    #: ``fp32``, or autocast to ``bf16`` / ``fp16`` (fp16 adds a gradient scaler; CUDA/MPS only).
    precision: str
    #: ``torch.compile`` the model before training.
    compile: bool
    #: ``torch.compile``'s backend (``inductor``; ``aot_eager`` or ``eager`` to check a model traces without
    #: generating code), as HF's ``torch_compile_backend``.
    compile_backend: str
    #: ``torch.compile``'s mode: ``default``, ``reduce-overhead`` (CUDA graphs), ``max-autotune``, ...
    compile_mode: str
    #: Recompute activations in the backward pass (models with ``gradient_checkpointing_enable``).
    gradient_checkpointing: bool
    #: ``linear`` or ``cosine`` decay to ``min_lr_ratio`` x peak after warmup, or ``constant`` after warmup.
    lr_scheduler: str
    #: Under torchrun: ``ddp`` (DistributedDataParallel) or ``fsdp`` (``fully_shard``).
    strategy: str
    #: Blocks per optimisation step over all processes; 0: ``batch_size`` x world size x accumulation.
    #: When set, ``batch_size`` is derived from it and the world size must divide it.
    global_batch_size: int
    #: Where metrics go: any of ``jsonl`` (the run's metrics.jsonl), ``tensorboard``, ``mlflow``.
    report_to: tuple[str, ...]
    #: At most this many held-out blocks per evaluation pass (0: all of them).
    eval_max_blocks: int
    #: Tokenise the corpus once into a memory-mapped file under the cache directory, reused by later runs.
    token_cache: bool

    @classmethod
    def field_types(cls) -> dict[str, type | tuple[type, ...]]:
        return dict(_TYPES)

    @classmethod
    def build(cls, file_values: Mapping[str, Any], overrides: Mapping[str, Any], *, source: Path | None = None) -> TrainerConfig:
        types = cls.field_types()
        unknown = sorted(set(overrides) - set(types))
        if unknown:
            raise UnknownSettingError(
                f"offline:functional: unknown setting(s) {', '.join(map(repr, unknown))}; known: {', '.join(types)}"
            )
        for key, value in file_values.items():
            _check(f"{source}" if source else "offline:functional", key, value, types[key], from_file=True)
        for key, value in overrides.items():
            _check("offline:functional (training overrides)", key, value, types[key], from_file=False)
        merged = {**file_values, **overrides}
        if "report_to" in merged:
            merged["report_to"] = tuple(merged["report_to"])
        return cls(**merged)

    @classmethod
    def from_file(cls, path: Path, overrides: Mapping[str, Any]) -> TrainerConfig:
        """The shipped defaults, updated by the trainer file at ``path`` and then by ``overrides``."""
        values = read_json_object(path, optional=cls.field_types(), allow_extra=False)
        return cls.build({**shipped_defaults(), **values}, overrides, source=path)

    def to_dict(self) -> dict[str, Any]:
        values = dataclasses.asdict(self)
        values["report_to"] = list(self.report_to)
        return values

    def training_hash(self) -> str:
        """SHA-256 of the keys that change what is computed; a resumed run must match it."""
        values = {k: v for k, v in self.to_dict().items() if k not in RESUME_FREE_KEYS}
        return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def shipped_defaults() -> dict[str, Any]:
    """Every key's default, read from the ``trainer_functional.json`` this distribution ships."""
    from codex_ml.offline.training.plugin import FUNCTIONAL_CONFIG

    path = Path(str(resources.files(FUNCTIONAL_CONFIG.package).joinpath(FUNCTIONAL_CONFIG.fixture_path)))
    values = read_json_object(path, optional=TrainerConfig.field_types(), allow_extra=False)
    missing = sorted(set(TrainerConfig.field_types()) - set(values))
    if missing:
        raise MalformedArtifactError(f"{path}: the shipped defaults lack {', '.join(missing)}; reinstall "
                                     "codex-ml-offline-training")
    return values


def _check(where: str, key: str, value: Any, expected: type | tuple[type, ...], *, from_file: bool) -> None:
    reason = _problem(key, value, expected)
    if reason:
        raise InvalidSettingError(f"{where}: {key}: {reason}", key=key, reason=reason, from_file=from_file)


def _problem(key: str, value: Any, expected: type | tuple[type, ...]) -> str | None:
    """Why ``value`` is not acceptable for ``key``, or None."""
    if expected is float:
        ok, what = not isinstance(value, bool) and isinstance(value, (int, float)), "a number"
    elif expected is int:
        ok, what = not isinstance(value, bool) and isinstance(value, int), "an integer"
    elif expected is bool:
        ok, what = isinstance(value, bool), "true or false"
    elif expected is str:
        ok, what = isinstance(value, str), "a string"
    elif expected is list:
        ok, what = isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value), "a list of names"
    else:
        ok, what = isinstance(value, (bool, str)), "true, false or a path"
    if not ok:
        return f"must be {what}, found {value!r}"
    if expected is float and not math.isfinite(value):
        return f"must be a finite number, found {value!r}"
    if key in _POSITIVE_INTS and value < 1:
        return f"must be at least 1, found {value!r}"
    if key in _NON_NEGATIVE and value < 0:
        return f"must not be negative, found {value!r}"
    if key == "learning_rate" and not value > 0:
        return f"must be positive, found {value!r}"
    if key == "block_size" and value < 2:
        return f"must be at least 2, found {value!r}"
    if key in CHOICES and value not in CHOICES[key]:
        return f"must be one of {', '.join(CHOICES[key])}, found {value!r}"
    if key == "device" and not _valid_device(value):
        return f"must be auto, cpu, cuda, cuda:N or mps, found {value!r}"
    if key == "report_to":
        unknown = [v for v in value if v not in REPORTERS]
        if unknown:
            return f"knows {', '.join(REPORTERS)}; found {', '.join(map(repr, unknown))}"
    if key in ("eval_fraction", "min_lr_ratio") and not 0 <= value < 1 + (key == "min_lr_ratio"):
        return f"must be in [0, 1{']' if key == 'min_lr_ratio' else ')'}, found {value!r}"
    return None


def _valid_device(value: str) -> bool:
    if value in ("auto", "cpu", "cuda", "mps"):
        return True
    prefix, _, index = value.partition(":")
    return prefix == "cuda" and index.isdigit()
