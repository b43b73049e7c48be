"""Line datasets: one record per line of a UTF-8 text file."""
from __future__ import annotations

import os
import random
from collections.abc import Iterator
from pathlib import Path

from codex_ml.artifacts.files import read_text


class LineDataset:
    """Records in file order, or shuffled once with ``random.Random(seed)`` when ``shuffle`` is set.

    Blank lines are kept: a record is exactly one line, so counts match ``wc -l``.
    """

    def __init__(self, records: list[str], *, source: Path | None = None, shuffle: bool = False, seed: int = 7) -> None:
        self.records = list(records)
        if shuffle:
            random.Random(seed).shuffle(self.records)
        self.source, self.shuffle, self.seed = source, shuffle, seed

    @classmethod
    def from_file(cls, path: Path, *, shuffle: bool = False, seed: int = 7) -> LineDataset:
        return cls(read_text(path).splitlines(), source=Path(path), shuffle=shuffle, seed=seed)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[str]:
        return iter(self.records)

    def __getitem__(self, index: int) -> str:
        return self.records[index]


def load_tiny_corpus(path: str | os.PathLike[str], *, shuffle: bool = False, seed: int = 7) -> LineDataset:
    """Factory registered as ``offline:tiny-corpus``; ``path`` is a text file or its directory."""
    return LineDataset.from_file(Path(path), shuffle=shuffle, seed=seed)
