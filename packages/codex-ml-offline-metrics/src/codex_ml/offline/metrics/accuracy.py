"""Accuracy metrics over label predictions."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from codex_ml.artifacts.files import read_json
from codex_ml.artifacts.resolver import resolve
from codex_ml.errors import MalformedArtifactError
from codex_ml.offline.metrics.plugin import WEIGHTED_ACCURACY


def _check_lengths(predictions: Sequence[Any], targets: Sequence[Any]) -> None:
    if len(predictions) != len(targets):
        raise ValueError(f"predictions and targets differ in length ({len(predictions)} vs {len(targets)}); nothing is truncated")


class WeightedAccuracy:
    """Weight of correct pairs over total weight, each pair weighing its target label's weight.

    Labels are compared as strings; a label absent from the weights weighs 1.0. Empty input gives 0.0.
    """

    name = "offline:weighted-accuracy"

    def __init__(self, weights: Mapping[str, float], *, source: Path | None = None) -> None:
        self.weights = {str(label): float(weight) for label, weight in weights.items()}
        self.source = source

    @classmethod
    def from_file(cls, path: Path) -> "WeightedAccuracy":
        data = read_json(path)
        if not isinstance(data, dict):
            raise MalformedArtifactError(f"{path}: expected a JSON object mapping labels to weights")
        for label, weight in data.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                raise MalformedArtifactError(f"{path}: weight of label {label!r} must be a non-negative number, found {weight!r}")
        return cls(data, source=path)

    def compute(self, predictions: Sequence[Any], targets: Sequence[Any]) -> float:
        _check_lengths(predictions, targets)
        total = correct = 0.0
        for prediction, target in zip(predictions, targets):
            weight = self.weights.get(str(target), 1.0)
            total += weight
            if str(prediction) == str(target):
                correct += weight
        return correct / total if total else 0.0


def load_weighted_accuracy(path: str | os.PathLike[str] | None = None) -> WeightedAccuracy:
    """Factory registered as ``offline:weighted-accuracy``; ``path`` is the weights file or its directory."""
    return WeightedAccuracy.from_file(resolve("offline:weighted-accuracy", WEIGHTED_ACCURACY, path))
