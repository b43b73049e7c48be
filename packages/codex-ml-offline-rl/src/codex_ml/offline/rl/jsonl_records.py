"""JSONL datasets of this distribution: RL prompts (``offline:rl-prompts``) and preference pairs
(``offline:preferences``); one JSON object per line, blank lines ignored."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codex_ml.artifacts.files import read_jsonl_objects


class JsonlRecords:
    def __init__(self, records: list[dict[str, Any]], *, source: Path | None = None) -> None:
        self.records, self.source = records, source

    @classmethod
    def from_file(cls, path: Path) -> JsonlRecords:
        return cls([record for _, record in read_jsonl_objects(path)], source=Path(path))

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
