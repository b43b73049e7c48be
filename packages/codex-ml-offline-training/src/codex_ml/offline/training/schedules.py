"""Learning-rate schedules as pure functions of the step, so a resumed run needs only the step number.

All three warm up linearly from ``learning_rate / warmup_steps`` to ``learning_rate`` over ``warmup_steps``;
then ``linear`` and ``cosine`` decay to ``min_lr_ratio * learning_rate`` at ``max_steps`` (as HF's
``get_cosine_with_min_lr_schedule_with_warmup``), and ``constant`` holds the peak.
"""
from __future__ import annotations

import math

from codex_ml.offline.training.config import TrainerConfig


def learning_rate(cfg: TrainerConfig, step: int) -> float:
    """Rate for 0-based ``step``."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    if cfg.lr_scheduler == "constant":
        return cfg.learning_rate
    span = max(1, cfg.max_steps - cfg.warmup_steps)
    progress = min(1.0, (step - cfg.warmup_steps) / span)
    if cfg.lr_scheduler == "cosine":
        shape = 0.5 * (1.0 + math.cos(math.pi * progress))
    else:
        shape = 1.0 - progress
    return cfg.learning_rate * (cfg.min_lr_ratio + (1.0 - cfg.min_lr_ratio) * shape)
