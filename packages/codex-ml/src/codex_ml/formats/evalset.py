"""The evaluation-set format: JSON Lines, one object per sample.

Each line holds ``prompt`` (string), ``target`` (string: the expected answer) and optionally ``label``
(string: the sample's class, which weighted metrics use to weigh it). Blank lines are skipped; any
other key is kept as metadata. A bad line is reported with its file and line number.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codex_ml.artifacts.files import read_text
from codex_ml.errors import MalformedArtifactError


@dataclass(frozen=True)
class EvalSample:
    prompt: str
    target: str
    label: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str) -> EvalSample:
        for key in ("prompt", "target"):
            if key not in data:
                raise MalformedArtifactError(f"{where}: missing required key {key!r} (each sample needs prompt and target)")
            if not isinstance(data[key], str):
                raise MalformedArtifactError(f"{where}: {key!r} must be a string, found {json.dumps(data[key])}")
        label = data.get("label")
        if label is not None and not isinstance(label, str):
            raise MalformedArtifactError(f"{where}: 'label' must be a string, found {json.dumps(label)}")
        extra = {k: v for k, v in data.items() if k not in ("prompt", "target", "label")}
        return cls(data["prompt"], data["target"], label, extra)


class EvalSet:
    """A sized, re-iterable list of :class:`EvalSample`."""

    def __init__(self, samples: Iterable[EvalSample], *, source: Path | None = None) -> None:
        self.samples = list(samples)
        self.source = source

    @classmethod
    def from_file(cls, path: Path) -> EvalSet:
        samples = []
        for number, line in enumerate(read_text(path).splitlines(), 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise MalformedArtifactError(f"{where}: invalid JSON at column {exc.colno}: {exc.msg}") from exc
            if not isinstance(data, dict):
                raise MalformedArtifactError(f"{where}: expected a JSON object with prompt and target")
            samples.append(EvalSample.from_mapping(data, where))
        if not samples:
            raise MalformedArtifactError(f"{path}: the evaluation set has no samples")
        return cls(samples, source=Path(path))

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[EvalSample]:
        return iter(self.samples)

    def __getitem__(self, index: int) -> EvalSample:
        return self.samples[index]


def as_samples(dataset: Iterable[Any], source: str) -> list[EvalSample]:
    """Accept any dataset of :class:`EvalSample` or mappings with prompt/target/label."""
    samples = []
    for index, record in enumerate(dataset):
        if isinstance(record, EvalSample):
            samples.append(record)
        elif isinstance(record, Mapping):
            samples.append(EvalSample.from_mapping(record, f"{source} record {index}"))
        else:
            raise MalformedArtifactError(
                f"{source} record {index}: an evaluation sample needs prompt and target, found {type(record).__name__}"
            )
    return samples
