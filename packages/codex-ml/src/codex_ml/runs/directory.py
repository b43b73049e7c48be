"""One run's directory. Every file is written atomically (codex_ml.io), so a crash leaves either the
previous version of a file or the new one.

``metrics.jsonl`` is rewritten as a whole: lines are buffered and the file is replaced at most once a
second and when the run ends, which keeps each snapshot complete without paying a rewrite per step.
"""
from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from codex_ml.io import atomic_write_json, atomic_write_text

RUNS_DIR = "runs"
#: Earlier spellings of ``output_dir`` in summary.json and results.json, kept until 0.2 for scripts that read them.
DEPRECATED_FIELDS = {"run_dir": "output_dir"}


def deprecated_names(path: Path) -> dict[str, Any]:
    """The old field names with the run's ``output_dir``, and a note saying what replaces them."""
    return {**{old: str(path) for old in DEPRECATED_FIELDS},
            "deprecated_fields": {old: f"renamed {new}; {old} will be removed in codex-ml 0.2"
                                  for old, new in DEPRECATED_FIELDS.items()}}
FLUSH_SECONDS = 1.0


def default_run_path(config_name: str, base: Path | None = None, now: datetime | None = None) -> Path:
    """``runs/<UTC timestamp>-<config name>``, with ``-2``, ``-3``... when that already exists."""
    stamp = (now or datetime.now(timezone.utc)).strftime("%Y%m%d-%H%M%S")
    slug = config_name.replace("/", "-").replace("\\", "-")
    root = (base or Path.cwd()) / RUNS_DIR
    candidate = root / f"{stamp}-{slug}"
    counter = 2
    while candidate.exists():
        candidate = root / f"{stamp}-{slug}-{counter}"
        counter += 1
    return candidate


def is_main_process() -> bool:
    """False in the processes torchrun starts with ``RANK`` > 0: only rank 0 writes the run directory."""
    return os.environ.get("RANK", "0") == "0"


class RunDirectory:
    """Creates the directory and writes the run's files; ``log`` is the trainers' ``LogFn``. In a process other
    than torchrun's rank 0 it writes nothing (``writes`` is False) and every write is a no-op."""

    def __init__(self, path: Path, *, writes: bool | None = None) -> None:
        self.path = Path(path)
        self.writes = is_main_process() if writes is None else writes
        if self.writes:
            self.path.mkdir(parents=True, exist_ok=True)
        self._metrics: list[str] = []
        self._last_flush = 0.0

    def write_config(self, config_yaml: str, arguments: list[str], overrides: list[str], config_name: str) -> None:
        if not self.writes:
            return
        atomic_write_text(self.path / "config.yaml", config_yaml)
        atomic_write_json(self.path / "overrides.json",
                          {"config_name": config_name, "arguments": arguments, "hydra_overrides": overrides})

    def log(self, record: Mapping[str, Any]) -> None:
        """Append one JSON line to metrics.jsonl (flushed at most once a second, and by :meth:`close`)."""
        if not self.writes:
            return
        self._metrics.append(json.dumps(dict(record), sort_keys=True, default=str))
        if time.monotonic() - self._last_flush >= FLUSH_SECONDS:
            self.flush()

    def flush(self) -> None:
        if not self.writes:
            return
        atomic_write_text(self.path / "metrics.jsonl", "".join(line + "\n" for line in self._metrics))
        self._last_flush = time.monotonic()

    def write_json(self, name: str, data: Any) -> Path:
        if not self.writes:
            return self.path / name
        return atomic_write_json(self.path / name, data)

    def write_jsonl(self, name: str, rows: list[Mapping[str, Any]]) -> Path:
        if not self.writes:
            return self.path / name
        text = "".join(json.dumps(dict(row), sort_keys=True, default=str) + "\n" for row in rows)
        return atomic_write_text(self.path / name, text)

    def close(self) -> None:
        self.flush()
