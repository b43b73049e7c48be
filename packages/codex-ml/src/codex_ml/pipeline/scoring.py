"""Scoring a model on evaluation samples: build requests, let the model answer them, aggregate metrics.

A model that implements the scoring contract (``ScoringModel``: loglikelihood, loglikelihood_rolling,
generate_until) is scored by log-likelihood, as lm-evaluation-harness scores multiple-choice and
perplexity tasks: one ``loglikelihood(prompt, delimiter + choice)`` request per choice and one
``loglikelihood_rolling(text)`` per text, all handed to the model in one call so it can batch them.
Any other model answers with ``generate(prompt)``. A prompt/target sample's choices are the distinct
targets of the whole set (before ``max_samples``), so they do not change with how many samples run.

Rows and scores: see docs/usage.md ("What evaluate writes"). Correctness per sample is exact string
equality of prediction and target; configured metrics may define their own comparison. A metric whose
``compute`` accepts ``labels`` receives the samples' labels, so weighted accuracy weighs by class.
"""
from __future__ import annotations

import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from codex_ml.errors import EvaluationError
from codex_ml.formats.evalset import PERPLEXITY, TARGET, EvalSample
from codex_ml.interfaces import ScoringModel
from codex_ml.pipeline import lm_metrics
from codex_ml.pipeline.components import ComponentConfigError
from codex_ml.utils.progress import progress

METHODS = ("loglikelihood", "generate")
#: What ``generate_until`` is asked for when a scoring model is evaluated by generation.
GENERATION_OPTIONS = {"until": ["\n"], "max_gen_toks": 32}


@dataclass(frozen=True)
class EvaluationSettings:
    """The ``evaluation.*`` keys that change how samples are scored (checked before any model loads)."""

    target_delimiter: str = " "
    add_bos_token: bool | None = None
    max_samples: int | None = None
    method: str | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> EvaluationSettings:
        node = config.get("evaluation") or {}
        delimiter = node.get("target_delimiter", " ")
        if not isinstance(delimiter, str):
            raise ComponentConfigError(f"evaluation.target_delimiter must be a string (default \" \"), found {delimiter!r}")
        bos = node.get("add_bos_token")
        if bos is not None and not isinstance(bos, bool):
            raise ComponentConfigError(f"evaluation.add_bos_token must be true, false or null (the tokenizer decides), "
                                       f"found {bos!r}")
        limit = node.get("max_samples")
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
            raise ComponentConfigError(f"evaluation.max_samples must be a positive integer or null, found {limit!r}")
        method = node.get("method")
        if method is not None and method not in METHODS:
            raise ComponentConfigError(f"evaluation.method must be null (chosen from the model), "
                                       f"{' or '.join(METHODS)}, found {method!r}")
        return cls(delimiter, bos, limit, method)


def candidates_of(samples: Sequence[EvalSample]) -> list[str]:
    """The distinct targets of the prompt/target samples, in first-seen order."""
    return list(dict.fromkeys(s.target for s in samples if s.kind == TARGET))


def scoring_method(model: Any, requested: str | None = None) -> str:
    scores = isinstance(model, ScoringModel)
    if requested == "loglikelihood" and not scores:
        raise EvaluationError(f"evaluation.method=loglikelihood, but {type(model).__name__} does not implement "
                              "loglikelihood, loglikelihood_rolling and generate_until")
    return requested or ("loglikelihood" if scores else "generate")


def _takes_labels(metric: Any) -> bool:
    try:
        return "labels" in inspect.signature(metric.compute).parameters
    except (TypeError, ValueError):
        return False


def score_samples(model: Any, samples: Sequence[EvalSample], metrics: dict[str, tuple[str, Any]],
                  settings: EvaluationSettings, *, quiet: bool) -> dict[str, Any]:
    """Score the first ``settings.max_samples`` of ``samples``; ``metrics`` maps config key -> (name, metric)."""
    method = scoring_method(model, settings.method)
    candidates = candidates_of(samples)
    chosen = list(samples[: settings.max_samples] if settings.max_samples else samples)
    if method == "loglikelihood":
        rows = _likelihood_rows(model, chosen, candidates, settings)
    else:
        rows = _generated_rows(model, chosen, quiet)
    answered = [row for row in rows if "prediction" in row]
    scores = _configured_scores(answered, metrics)
    scores.update(_likelihood_scores(rows))
    labels = [s.label for s in chosen]
    return {
        "method": method,
        "n_samples": len(rows),
        "n_correct": sum(row["correct"] for row in answered),
        "labels": {label: labels.count(label) for label in dict.fromkeys(lab for lab in labels if lab is not None)},
        "scores": scores,
        "rows": rows,
    }


def _base_row(index: int, sample: EvalSample) -> dict[str, Any]:
    if sample.kind == PERPLEXITY:
        row: dict[str, Any] = {"index": index, "text": sample.text, "label": sample.label}
    else:
        row = {"index": index, "prompt": sample.prompt, "target": sample.target, "label": sample.label}
    if sample.metadata:
        row["metadata"] = dict(sample.metadata)
    return row


def _likelihood_rows(model: Any, samples: Sequence[EvalSample], candidates: list[str],
                     settings: EvaluationSettings) -> list[dict[str, Any]]:
    options = {} if settings.add_bos_token is None else {"add_bos_token": settings.add_bos_token}
    if any(s.kind == TARGET for s in samples) and "" in candidates:
        empty = next(s for s in samples if s.kind == TARGET and s.target == "")
        raise EvaluationError(f"{empty.where or 'a sample'}: empty target: an empty answer cannot be scored by "
                              "log-likelihood (it would always win); give every sample a non-empty target")
    choices_of = {id(s): (s.choices or tuple(candidates)) for s in samples if s.kind != PERPLEXITY}
    requests = [(s.prompt, settings.target_delimiter + choice)
                for s in samples if s.kind != PERPLEXITY for choice in choices_of[id(s)]]
    answers = _checked(model.loglikelihood(requests, **options) if requests else [], requests, "loglikelihood")
    texts = [s.text for s in samples if s.kind == PERPLEXITY]
    totals = _checked(model.loglikelihood_rolling(texts, **options) if texts else [], texts, "loglikelihood_rolling")
    rows, next_answer, next_text = [], 0, 0
    for index, sample in enumerate(samples):
        row = _base_row(index, sample)
        if sample.kind == PERPLEXITY:
            row.update(loglikelihood=float(totals[next_text]), n_words=lm_metrics.n_words(sample.text or ""),
                       n_bytes=lm_metrics.n_bytes(sample.text or ""))
            next_text += 1
        else:
            choices = choices_of[id(sample)]
            mine = answers[next_answer:next_answer + len(choices)]
            next_answer += len(choices)
            lls = [float(ll) for ll, _ in mine]
            gold = sample.gold if sample.gold is not None else choices.index(sample.target)
            prediction = choices[lm_metrics.argmax(lls)]
            row.update(prediction=prediction, correct=prediction == sample.target, choices=list(choices),
                       loglikelihoods=lls, is_greedy=[bool(g) for _, g in mine],
                       acc=lm_metrics.acc(lls, gold), acc_norm=lm_metrics.acc_norm(lls, choices, gold))
        rows.append(row)
    return rows


def _checked(results: Sequence[Any], requests: Sequence[Any], method: str) -> list[Any]:
    results = list(results)
    if len(results) != len(requests):
        raise EvaluationError(f"the model's {method} returned {len(results)} results for {len(requests)} requests")
    return results


def _generated_rows(model: Any, samples: Sequence[EvalSample], quiet: bool) -> list[dict[str, Any]]:
    if any(s.kind == PERPLEXITY for s in samples):
        raise EvaluationError(f"{type(model).__name__} cannot score perplexity texts: that needs a model that "
                              "implements loglikelihood_rolling (the scoring contract)")
    until = getattr(model, "generate_until", None)
    rows = []
    for index, sample in enumerate(progress(samples, total=len(samples), desc="evaluate", quiet=quiet)):
        if callable(until):
            prediction = str(until([(sample.prompt, dict(GENERATION_OPTIONS))])[0]).strip()
        else:
            prediction = str(model.generate(sample.prompt)).strip()
        row = _base_row(index, sample)
        row.update(prediction=prediction, correct=prediction == sample.target)
        rows.append(row)
    return rows


def _configured_scores(rows: Sequence[dict[str, Any]], metrics: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    """The configured metrics over prompt samples' predictions (a perplexity set has none to score)."""
    if not rows:
        return {}
    predictions = [row["prediction"] for row in rows]
    targets = [row["target"] for row in rows]
    labels = [row["label"] for row in rows]
    scores: dict[str, Any] = {}
    for key, (name, metric) in metrics.items():
        if _takes_labels(metric) and any(label is not None for label in labels):
            value = metric.compute(predictions, targets, labels=labels)
        else:
            value = metric.compute(predictions, targets)
        scores[key] = {"metric": name, "value": float(value)}
    return scores


def _likelihood_scores(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    scores: dict[str, Any] = {}
    chosen = [row for row in rows if "acc" in row]
    for name in ("acc", "acc_norm") if chosen else ():
        values = [row[name] for row in chosen]
        scores[name] = {"metric": name, "value": sum(values) / len(values)}
        scores[f"{name}_stderr"] = {"metric": f"standard error of {name}", "value": lm_metrics.mean_stderr(values)}
    texts = [row for row in rows if "n_bytes" in row]
    if texts:
        values = lm_metrics.perplexities([r["loglikelihood"] for r in texts], [r["n_words"] for r in texts],
                                         [r["n_bytes"] for r in texts])
        for name, value in values.items():
            scores[name] = {"metric": name, "value": value if math.isfinite(value) else None}
    return scores
