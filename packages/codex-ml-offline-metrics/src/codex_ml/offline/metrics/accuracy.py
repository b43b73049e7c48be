"""Accuracy metrics over label predictions."""
from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from codex_ml.artifacts.files import read_json
from codex_ml.errors import MalformedArtifactError


def _check_lengths(predictions: Sequence[Any], targets: Sequence[Any]) -> None:
    if len(predictions) != len(targets):
        raise ValueError(f"predictions and targets differ in length ({len(predictions)} vs {len(targets)}); nothing is truncated")


def _fraction_equal(predictions: Sequence[Any], targets: Sequence[Any], key: Callable[[Any], str]) -> float:
    """Share of pairs equal under ``key``; accuracy and exact match differ only in the key."""
    _check_lengths(predictions, targets)
    if not targets:
        return 0.0
    return sum(key(p) == key(t) for p, t in zip(predictions, targets)) / len(targets)


class WeightedAccuracy:
    """Weight of correct pairs over total weight, each pair weighing its target label's weight.

    Labels are compared as strings; a label absent from the weights weighs 1.0. Empty input gives 0.0.
    When the samples carry class labels (an evaluation set's ``label``), pass them as ``labels``: each
    pair then weighs its label's weight while correctness still compares prediction and target.
    """

    name = "offline:weighted-accuracy"

    def __init__(self, weights: Mapping[str, float], *, source: Path | None = None) -> None:
        self.weights = {str(label): float(weight) for label, weight in weights.items()}
        self.source = source

    @classmethod
    def from_file(cls, path: Path) -> WeightedAccuracy:
        data = read_json(path)
        if not isinstance(data, dict):
            raise MalformedArtifactError(f"{path}: expected a JSON object mapping labels to weights")
        for label, weight in data.items():
            if isinstance(weight, bool) or not isinstance(weight, (int, float)) or weight < 0:
                raise MalformedArtifactError(f"{path}: weight of label {label!r} must be a non-negative number, found {weight!r}")
        return cls(data, source=path)

    def compute(self, predictions: Sequence[Any], targets: Sequence[Any], *, labels: Sequence[Any] | None = None) -> float:
        """``labels`` (one per pair, ``None`` allowed) weigh pairs by label instead of by target."""
        _check_lengths(predictions, targets)
        if labels is not None:
            _check_lengths(labels, targets)
        keys = targets if labels is None else [t if lab is None else lab for lab, t in zip(labels, targets)]
        total = correct = 0.0
        for prediction, target, key in zip(predictions, targets, keys):
            weight = self.weights.get(str(key), 1.0)
            total += weight
            if str(prediction) == str(target):
                correct += weight
        return correct / total if total else 0.0


class Accuracy:
    """Fraction of pairs whose prediction equals the target, compared as strings. Empty input gives 0.0."""

    name = "offline:accuracy"

    def compute(self, predictions: Sequence[Any], targets: Sequence[Any]) -> float:
        return _fraction_equal(predictions, targets, str)


_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = re.compile(r"[^\w\s]")


def normalise_answer(text: Any) -> str:
    """Lowercase, drop punctuation and the articles a/an/the, collapse whitespace (SQuAD-style)."""
    lowered = _PUNCTUATION.sub(" ", str(text).lower())
    return " ".join(_ARTICLES.sub(" ", lowered).split())


class ExactMatch:
    """Fraction of pairs equal after :func:`normalise_answer`, so ``"Tiny offline model."`` matches
    ``"tiny offline model"``. Empty input gives 0.0."""

    name = "offline:exact-match"

    def compute(self, predictions: Sequence[Any], targets: Sequence[Any]) -> float:
        return _fraction_equal(predictions, targets, normalise_answer)


def load_weighted_accuracy(path: str | os.PathLike[str]) -> WeightedAccuracy:
    """Factory registered as ``offline:weighted-accuracy``; ``path`` is the weights file or its directory."""
    return WeightedAccuracy.from_file(Path(path))
