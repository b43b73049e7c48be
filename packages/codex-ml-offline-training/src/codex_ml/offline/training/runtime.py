"""Where and how the loop runs: the device, the precision, and the torch.distributed process group.

Everything here is decided before a run directory exists, so a device or precision the machine cannot
do fails with one line and leaves nothing behind. Under ``torchrun`` (``WORLD_SIZE`` > 1) the process
group uses NCCL on CUDA and gloo otherwise; rank 0 alone writes files.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

import torch
from codex_ml.errors import DeviceError
from codex_ml.offline.training.config import TrainerConfig
from codex_ml.offline.training.world import per_device_batch, world_from_env

DTYPES = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def resolve_device(name: str, local_rank: int = 0) -> torch.device:
    """``auto``: CUDA, then MPS, then CPU. A device the machine lacks is an error, never a silent CPU run."""
    mps = getattr(torch.backends, "mps", None)
    has_mps = bool(mps is not None and mps.is_available())
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "mps" if has_mps else "cpu"
    if name.startswith("cuda"):
        if not torch.cuda.is_available():
            raise DeviceError(f"offline:functional: training.device={name} but torch {torch.__version__} sees no CUDA "
                              "device; use training.device=cpu (or auto), or install a CUDA build of torch")
        index = int(name.split(":", 1)[1]) if ":" in name else local_rank
        if index >= torch.cuda.device_count():
            raise DeviceError(f"offline:functional: training.device={name} but only {torch.cuda.device_count()} CUDA "
                              f"device(s) exist (cuda:0..cuda:{torch.cuda.device_count() - 1})")
        return torch.device("cuda", index)
    if name == "mps" and not has_mps:
        raise DeviceError("offline:functional: training.device=mps but MPS is not available here; use cpu or auto")
    return torch.device(name)


def check_precision(precision: str, device: torch.device) -> None:
    """bf16 needs hardware support on CUDA; fp16 needs CUDA or MPS (as accelerate requires)."""
    if precision == "bf16" and device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise DeviceError(f"offline:functional: training.precision=bf16 but {torch.cuda.get_device_name(device)} "
                          "has no bfloat16 support; use training.precision=fp16 or fp32")
    if precision == "fp16" and device.type == "cpu":
        raise DeviceError("offline:functional: training.precision=fp16 needs a CUDA or MPS device; on CPU use "
                          "training.precision=bf16 or fp32")


def check_environment(cfg: TrainerConfig) -> None:
    """Everything about the machine that can be refused before any file is written."""
    _, local_rank, world = world_from_env()
    per_device_batch(cfg, world)
    device = resolve_device(cfg.device, local_rank)
    check_precision(cfg.precision, device)


@dataclass
class Runtime:
    device: torch.device
    precision: str
    rank: int = 0
    local_rank: int = 0
    world_size: int = 1
    owns_group: bool = False

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    def autocast(self) -> contextlib.AbstractContextManager[Any]:
        if self.precision == "fp32":
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device.type, dtype=DTYPES[self.precision])

    def grad_scaler(self) -> Any:
        """A scaler for fp16 (loss scaling keeps small gradients representable); None otherwise."""
        return torch.amp.GradScaler(self.device.type) if self.precision == "fp16" else None

    def all_reduce_sum(self, value: torch.Tensor) -> torch.Tensor:
        if self.distributed:
            torch.distributed.all_reduce(value, op=torch.distributed.ReduceOp.SUM)
        return value

    def global_count(self, local: int) -> int:
        """``local`` summed over the world (one small collective; on the device NCCL needs)."""
        if not self.distributed:
            return local
        return int(self.all_reduce_sum(torch.tensor(local, device=self.device)).item())

    def barrier(self) -> None:
        if self.distributed:
            torch.distributed.barrier()

    def close(self) -> None:
        if self.owns_group and torch.distributed.is_initialized():
            torch.distributed.destroy_process_group()

    def describe(self) -> dict[str, Any]:
        return {"device": str(self.device), "precision": self.precision, "world_size": self.world_size}


def start(cfg: TrainerConfig) -> Runtime:
    """Resolve the device and precision; join the process group when torchrun started this process."""
    rank, local_rank, world = world_from_env()
    device = resolve_device(cfg.device, local_rank)
    check_precision(cfg.precision, device)
    owns = False
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        torch.distributed.init_process_group(backend=backend)
        owns = True
    return Runtime(device, cfg.precision, rank, local_rank, world, owns)
