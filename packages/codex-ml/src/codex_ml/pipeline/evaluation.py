"""``codex-ml evaluate``: run the model on the evaluation set and compute the configured metrics.

Writes ``results.json`` (scores, config, versions, seeds, artefact hashes, time taken) and
``samples.jsonl`` (one line per sample: prompt, target, label, prediction, correct), so any score can
be traced back to its inputs, as lm-evaluation-harness does.
"""
from __future__ import annotations

from typing import Any

from codex_ml.config.compose import Composed
from codex_ml.errors import ComponentConfigError
from codex_ml.pipeline.session import Preflight, Session, evaluation_requests
from codex_ml.runs.directory import deprecated_names


def run_evaluate(composed: Composed, *, quiet: bool = False, preflight: Preflight | None = None) -> dict[str, Any]:
    config = composed.config
    requests = evaluation_requests(config)
    if not requests:
        raise ComponentConfigError("nothing to evaluate on: set evaluation.dataset.plugin (e.g. offline:tiny-eval)")
    if len(requests) == 1:
        raise ComponentConfigError("no metrics configured: add one, e.g. metrics/offline/accuracy")
    session = Session.open(composed, [("model", "models", config.get("model")), *requests], preflight=preflight)
    with session.failure_recorded():
        return _evaluate(session, composed, quiet)


def _evaluate(session: Session, composed: Composed, quiet: bool) -> dict[str, Any]:
    config = composed.config
    artefacts = session.artefacts(quiet=quiet)
    result = session.score_evaluation(session["model"], quiet=quiet)
    session.run.write_jsonl("samples.jsonl", result["rows"])
    record = session.write_provenance(artefacts)
    results = {
        "command": "evaluate",
        "config_name": composed.config_name,
        "output_dir": str(session.run.path),
        **deprecated_names(session.run.path),
        "components": session.components(),
        "method": result["method"],
        "n_samples": result["n_samples"],
        "n_correct": result["n_correct"],
        "labels": result["labels"],
        "scores": result["scores"],
        "config": config,
        "versions": {"python": record["python"]["version"], **record["distributions"], **record["libraries"]},
        "seeds": record["seeds"],
        "artefacts": record["artefacts"],
        "git": record["git"],
        "time_taken_seconds": session.elapsed(),
    }
    session.run.write_json("results.json", results)
    return results
