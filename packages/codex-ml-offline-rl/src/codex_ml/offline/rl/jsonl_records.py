"""JSONL datasets of this distribution: RL prompts (``offline:rl-prompts``) and preference pairs
(``offline:preferences``); one JSON object per line, blank lines ignored."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codex_ml.artifacts.files import read_text
from codex_ml.errors import MalformedArtifactError


class JsonlRecords:
    def __init__(self, records: list[dict[str, Any]], *, source: Path | None = None) -> None:
        self.records, self.source = records, source

    @classmethod
    def from_file(cls, path: Path) -> JsonlRecords:
        records = []
        for number, line in enumerate(read_text(path).splitlines(), start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise MalformedArtifactError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            if not isinstance(record, dict):
                raise MalformedArtifactError(f"{path}:{number}: expected a JSON object, found {type(record).__name__}")
            records.append(record)
        return cls(records, source=Path(path))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.records)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.records[index]


def load_rl_prompts(path: str | os.PathLike[str]) -> JsonlRecords:
    """Factory registered as ``offline:rl-prompts``: ``{"prompt": ...}`` records (``path`` resolved by the registry)."""
    return JsonlRecords.from_file(Path(path))


def load_preferences(path: str | os.PathLike[str]) -> JsonlRecords:
    """Factory registered as ``offline:preferences``: ``{"prompt", "chosen", "rejected"}`` records."""
    return JsonlRecords.from_file(Path(path))
