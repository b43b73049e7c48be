"""Scoring a model on evaluation samples: one row per sample, then every configured metric over all rows.

Correctness per sample is exact string equality of prediction and target; metrics may define their
own comparison (exact match normalises). A metric whose ``compute`` accepts ``labels`` receives the
samples' labels, so weighted accuracy weighs samples by class.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Sequence
from typing import Any

from codex_ml.formats.evalset import EvalSample
from codex_ml.pipeline.predict import predict, scoring_method
from codex_ml.utils.progress import progress


def _takes_labels(metric: Any) -> bool:
    try:
        return "labels" in inspect.signature(metric.compute).parameters
    except (TypeError, ValueError):
        return False


def candidates_of(samples: Sequence[EvalSample]) -> list[str]:
    """The distinct targets, in first-seen order: the choices a scoring model picks from."""
    return list(dict.fromkeys(sample.target for sample in samples))


def score_samples(model: Any, samples: Sequence[EvalSample], metrics: dict[str, tuple[str, Any]], *, quiet: bool) -> dict[str, Any]:
    """Predict every sample and compute every metric. ``metrics`` maps config key -> (name, metric)."""
    candidates = candidates_of(samples)
    rows = []
    for index, sample in enumerate(progress(samples, total=len(samples), desc="evaluate", quiet=quiet)):
        prediction, candidate_scores = predict(model, sample.prompt, candidates)
        row = {"index": index, "prompt": sample.prompt, "target": sample.target, "label": sample.label,
               "prediction": prediction, "correct": prediction == sample.target}
        if candidate_scores is not None:
            row["candidate_loglikelihoods"] = dict(zip(candidates, candidate_scores))
        if sample.metadata:
            row["metadata"] = dict(sample.metadata)
        rows.append(row)
    predictions = [row["prediction"] for row in rows]
    targets = [sample.target for sample in samples]
    labels = [sample.label for sample in samples]
    scores: dict[str, Any] = {}
    for key, (name, metric) in metrics.items():
        if _takes_labels(metric) and any(label is not None for label in labels):
            value = metric.compute(predictions, targets, labels=labels)
        else:
            value = metric.compute(predictions, targets)
        scores[key] = {"metric": name, "value": float(value)}
    perplexity = getattr(model, "perplexity", None)
    if callable(perplexity):
        value = float(perplexity([f"{s.prompt} {s.target}" for s in samples]))
        scores["perplexity"] = {"metric": "perplexity of prompt + target", "value": value if math.isfinite(value) else None}
    return {
        "method": scoring_method(model),
        "n_samples": len(rows),
        "n_correct": sum(row["correct"] for row in rows),
        "labels": {label: labels.count(label) for label in dict.fromkeys(l for l in labels if l is not None)},
        "scores": scores,
        "rows": rows,
    }
