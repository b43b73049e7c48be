"""How a model answers an evaluation prompt.

A model that can score continuations (``score_candidates(prompt, candidates)`` or
``loglikelihood(prompt, continuation)``) picks the likeliest of the evaluation set's distinct targets,
as lm-evaluation-harness does for multiple choice; any other model answers with ``generate(prompt)``.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def scoring_method(model: Any) -> str:
    if callable(getattr(model, "score_candidates", None)):
        return "loglikelihood"
    if callable(getattr(model, "loglikelihood", None)):
        return "loglikelihood"
    return "generate"


def predict(model: Any, prompt: str, candidates: Sequence[str]) -> tuple[str, list[float] | None]:
    """The prediction and, for scoring models, each candidate's log-likelihood."""
    if callable(getattr(model, "score_candidates", None)):
        scores = [float(s) for s in model.score_candidates(prompt, list(candidates))]
    elif callable(getattr(model, "loglikelihood", None)):
        scores = [float(model.loglikelihood(prompt, candidate)) for candidate in candidates]
    else:
        return str(model.generate(prompt)).strip(), None
    best = max(range(len(candidates)), key=scores.__getitem__)
    return candidates[best], scores
