"""One run's directory, owned by one process at a time.

Opening it takes an exclusive lock (:mod:`codex_ml.runs.lock`); a directory that already holds a run is
refused unless the run resumes it (``training.resume=true``) or ``overwrite=true`` says to replace it.
Leftovers of interrupted saves are removed at start (:mod:`codex_ml.runs.saves`). ``metrics.jsonl`` is
append-only (:mod:`codex_ml.runs.metrics_log`); every other file is written atomically as strict JSON.
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from codex_ml.errors import RunDirectoryExistsError
from codex_ml.io import atomic_write_json, atomic_write_text, strict_json_dumps
from codex_ml.runs.lock import LOCK_NAME, RunLock
from codex_ml.runs.metrics_log import MetricsLog
from codex_ml.runs.saves import remove_partial_saves

RUNS_DIR = "runs"
METRICS = "metrics.jsonl"
#: Earlier spellings of ``output_dir`` in summary.json and results.json, kept until 0.2 for scripts that read them.
DEPRECATED_FIELDS = {"run_dir": "output_dir"}


def deprecated_names(path: Path) -> dict[str, Any]:
    """The old field names with the run's ``output_dir``, and a note saying what replaces them."""
    return {**{old: str(path) for old in DEPRECATED_FIELDS},
            "deprecated_fields": {old: f"renamed {new}; {old} will be removed in codex-ml 0.2"
                                  for old, new in DEPRECATED_FIELDS.items()}}


def default_run_path(config_name: str, base: Path | None = None, now: datetime | None = None) -> Path:
    """``runs/<UTC timestamp>-<config name>``, with ``-2``, ``-3``... when that already exists.

    The folder is created here (``mkdir`` without ``exist_ok`` claims a name atomically), so two runs
    started in the same second never get the same directory."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    slug = config_name.replace("/", "-").replace("\\", "-")
    root = (base or Path.cwd()) / RUNS_DIR
    candidate, counter = root / f"{stamp}-{slug}", 2
    if not is_main_process():
        return candidate  # torchrun ranks other than 0 write nothing, so they claim nothing
    root.mkdir(parents=True, exist_ok=True)
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            candidate = root / f"{stamp}-{slug}-{counter}"
            counter += 1


def holds_a_run(path: Path) -> bool:
    """Whether ``path`` has anything in it besides the lock file."""
    return path.is_dir() and any(p.name != LOCK_NAME for p in path.iterdir())


def is_main_process() -> bool:
    """False in the processes torchrun starts with ``RANK`` > 0: only rank 0 writes the run directory."""
    return os.environ.get("RANK", "0") == "0"


class _NoLog:
    """The metrics log of a process that writes nothing (torchrun ranks other than 0)."""

    bytes_written = 0

    def append(self, record: Mapping[str, Any]) -> None:
        pass

    def sync(self) -> None:
        pass

    def rewind(self, step: int, phase: str = "train") -> int:
        return 0

    def close(self) -> None:
        pass


class RunDirectory:
    """Locks the directory and writes the run's files; ``log`` is the trainers' ``LogFn``.

    ``resume``: continue the run already there (its metrics.jsonl is kept, to be rewound by the trainer);
    ``overwrite``: delete what is there first. Neither: the directory must be new or empty. In a process
    other than torchrun's rank 0 it takes no lock and writes nothing (``writes`` is False).
    """

    def __init__(self, path: Path, *, resume: bool = False, overwrite: bool = False, writes: bool | None = None) -> None:
        self.path = Path(path)
        self.writes = is_main_process() if writes is None else writes
        self.lock: RunLock | None = None
        self.metrics: MetricsLog | _NoLog = _NoLog()
        if not self.writes:
            return
        self.lock = RunLock.acquire(self.path)
        try:
            if holds_a_run(self.path) and not resume:
                if not overwrite:
                    raise RunDirectoryExistsError(
                        f"{self.path} already holds a run: pass training.resume=true (rl.resume=true for "
                        "codex-ml rl) to continue it, overwrite=true to replace it, or choose another output_dir")
                self._clear()
            remove_partial_saves(self.path)
            self.metrics = MetricsLog(self.path / METRICS)
        except BaseException:
            self.lock.release()
            raise

    def _clear(self) -> None:
        for entry in self.path.iterdir():
            if entry.name == LOCK_NAME:
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()

    def write_config(self, config_yaml: str, arguments: list[str], overrides: list[str], config_name: str) -> None:
        if not self.writes:
            return
        atomic_write_text(self.path / "config.yaml", config_yaml)
        atomic_write_json(self.path / "overrides.json",
                          {"config_name": config_name, "arguments": arguments, "hydra_overrides": overrides})

    def log(self, record: Mapping[str, Any]) -> None:
        """Append one JSON line to metrics.jsonl (flushed at once)."""
        self.metrics.append(record)

    def flush(self) -> None:
        self.metrics.sync()

    def write_json(self, name: str, data: Any) -> Path:
        if not self.writes:
            return self.path / name
        return atomic_write_json(self.path / name, data)

    def write_jsonl(self, name: str, rows: list[Mapping[str, Any]]) -> Path:
        if not self.writes:
            return self.path / name
        text = "".join(strict_json_dumps(dict(row), sort_keys=True) + "\n" for row in rows)
        return atomic_write_text(self.path / name, text)

    def close(self) -> None:
        """Sync and close metrics.jsonl (idempotent); the lock stays until :meth:`release`."""
        self.metrics.close()

    def release(self) -> None:
        """Close metrics.jsonl and release the lock (idempotent)."""
        self.close()
        if self.lock is not None:
            self.lock.release()
            self.lock = None


class PhaseLog:
    """The ``log`` callable handed to a component: adds ``phase`` to each record and exposes the run log's
    ``sync`` (call at checkpoints) and ``rewind`` (call on resume with the checkpoint's step)."""

    def __init__(self, metrics: MetricsLog, phase: str) -> None:
        self._metrics = metrics
        self.phase = phase

    def __call__(self, record: Mapping[str, Any]) -> None:
        self._metrics.append({"phase": self.phase, **dict(record)})

    def sync(self) -> None:
        self._metrics.sync()

    def rewind(self, step: int) -> int:
        return self._metrics.rewind(step, phase=self.phase)


__all__ = ["PhaseLog", "RunDirectory", "RunDirectoryExistsError", "default_run_path", "holds_a_run"]
