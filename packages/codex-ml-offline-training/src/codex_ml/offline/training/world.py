"""The torchrun world as the environment describes it, and the batch each process takes (no torch import)."""
from __future__ import annotations

import os

from codex_ml.errors import CodexMLError
from codex_ml.offline.training.config import TrainerConfig


def world_from_env() -> tuple[int, int, int]:
    """(rank, local rank, world size) as torchrun sets them; (0, 0, 1) outside torchrun."""
    return int(os.environ.get("RANK", "0")), int(os.environ.get("LOCAL_RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def per_device_batch(cfg: TrainerConfig, world_size: int) -> int:
    """``batch_size``, or ``global_batch_size`` / (world size x accumulation), which must divide exactly."""
    if not cfg.global_batch_size:
        return cfg.batch_size
    per_step = world_size * cfg.gradient_accumulation_steps
    if cfg.global_batch_size % per_step:
        raise CodexMLError(f"offline:functional: training.global_batch_size={cfg.global_batch_size} is not divisible by "
                           f"world size {world_size} x gradient_accumulation_steps {cfg.gradient_accumulation_steps}; "
                           f"use a multiple of {per_step}")
    return cfg.global_batch_size // per_step
