"""``metrics.jsonl`` as an append-only log: one strict-JSON line per record, written and flushed at once.

Appending costs the size of the record, so a long run writes O(steps) bytes (the file is never
rewritten). Lines reach the kernel on every record, so they survive a killed process; :meth:`sync`
fsyncs them to disk and trainers call it when they save a checkpoint. On resume, :meth:`rewind` cuts
the file back to the checkpoint's step (and drops a torn last line), so the continued history equals
an uninterrupted run's.
"""
from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codex_ml.io import strict_json_dumps


class MetricsLog:
    """Append-only JSONL file; ``bytes_written`` counts what this process appended."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._handle = open(self.path, "ab")  # noqa: SIM115 - the log stays open for the run
        self.bytes_written = 0

    def append(self, record: Mapping[str, Any]) -> None:
        line = (strict_json_dumps(dict(record), sort_keys=True) + "\n").encode("utf-8")
        self._handle.write(line)
        self._handle.flush()
        self.bytes_written += len(line)

    def sync(self) -> None:
        """Flush and fsync: the lines written so far are on disk."""
        if self._handle.closed:
            return
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def rewind(self, step: int, phase: str = "train") -> int:
        """Keep the lines up to the last ``phase`` record with ``step <= step``; drop everything after it
        (later steps, later phases, a torn last line). Returns how many lines were kept."""
        self._handle.flush()
        keep_bytes = kept = 0
        offset = lines = 0
        with open(self.path, "rb") as handle:
            for raw in handle:
                offset += len(raw)
                lines += 1
                if not raw.endswith(b"\n"):
                    break  # torn by a crash mid-write
                try:
                    record = json.loads(raw)
                except ValueError:
                    break
                if isinstance(record, dict) and record.get("phase") == phase:
                    if not isinstance(record.get("step"), int) or record["step"] > step:
                        break
                    keep_bytes, kept = offset, lines
        self._handle.close()
        with open(self.path, "r+b") as handle:
            handle.truncate(keep_bytes)
            os.fsync(handle.fileno())
        self._handle = open(self.path, "ab")  # noqa: SIM115 - the log stays open for the run
        return kept

    def close(self) -> None:
        if not self._handle.closed:
            self.sync()
            self._handle.close()


__all__ = ["MetricsLog"]
