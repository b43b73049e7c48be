"""``codex-ml train``: fit the model, roll the RL agent over the dataset's prompts, score on the evaluation set.

Every number written comes from a component's real output. A model without trainable parameters is
run over the trainer's schedule but not updated, and the summary says so (the trainer reports it).
"""
from __future__ import annotations

import itertools
import math
import os
import time
from collections import Counter
from typing import Any

from codex_ml.config.compose import Composed
from codex_ml.formats.records import prompt_of
from codex_ml.pipeline.components import accepts
from codex_ml.pipeline.rollout import WeightedReward, check_update, make_states, rollout
from codex_ml.pipeline.session import TRAIN_COMPONENTS, Preflight, Session, evaluation_requests
from codex_ml.runs.directory import PhaseLog, deprecated_names
from codex_ml.utils.progress import progress


def _rollouts(session: Session, dataset: Any, tokenizer: Any, rollout_cfg: dict[str, Any],
              quiet: bool) -> dict[str, Any]:
    """One pass of the RL agent contract over the dataset: per record the agent acts on the prompt (from
    ``rollout.prompt_field``), the reward model scores its completion; then one ``update`` with every step
    whose reward is finite."""
    reward = WeightedReward({"reward_model": (1.0, session["reward_model"])})
    agent = session["rl_agent"]
    limit = rollout_cfg.get("max_records")
    began = time.perf_counter()
    records = list(itertools.islice(dataset, None if limit is None else int(limit)))  # 0: no rollouts
    prompts = [prompt_of(record, rollout_cfg.get("prompt_field"), index=i) for i, record in enumerate(records)]
    steps = []
    group_size = int(getattr(agent, "group_size", 1))  # a group-baseline agent samples G completions per prompt
    states = make_states(prompts, group_size, tokenizer.encode)  # one group number per record
    for group in progress(range(len(prompts)), total=len(prompts), desc="rollout", quiet=quiet):
        steps.extend(rollout(agent, states[group * group_size:(group + 1) * group_size], reward).steps)
    for index, step in enumerate(steps):
        session.run.log({"phase": "rollout", "index": index, "prompt": step["prompt"], "completion": step["completion"],
                         "prompt_tokens": len(step["prompt_ids"]), "completion_tokens": len(step["completion_ids"]),
                         "reward": step["reward"]})
    finite = [step for step in steps if math.isfinite(step["reward"])]
    rewards = [step["reward"] for step in finite]
    update = check_update(agent, agent.update(finite)) if finite else {}
    return {
        "records": len(records),
        "skipped_non_finite": len(steps) - len(finite),
        "mean_reward": sum(rewards) / len(rewards) if rewards else None,
        "min_reward": min(rewards) if rewards else None,
        "max_reward": max(rewards) if rewards else None,
        "completions": dict(Counter(step["completion"] for step in steps)),
        "agent_update": update,
        "seconds": round(time.perf_counter() - began, 3),
    }


def run_train(composed: Composed, *, quiet: bool = False, preflight: Preflight | None = None) -> dict[str, Any]:
    config = composed.config
    requests = [(role, kind, config.get(role)) for role, kind in TRAIN_COMPONENTS] + evaluation_requests(config)
    quiet_trainer = {"progress": False} if quiet and "progress" in (config.get("training") or {}) else {}
    session = Session.open(composed, requests, extra={"training": quiet_trainer}, preflight=preflight)
    with session.failure_recorded():
        return _train(session, composed, quiet)


def _train(session: Session, composed: Composed, quiet: bool) -> dict[str, Any]:
    config = composed.config
    tokenizer, model, dataset, trainer = (session[r] for r in ("tokenizer", "model", "dataset_loader", "training"))
    artefacts = session.artefacts(quiet=quiet)

    train_tokenizer = getattr(model, "tokenizer", None) or tokenizer  # a model that brings its tokenizer trains with it
    extra = {"output_dir": str(session.run.path)} if accepts(trainer.fit, "output_dir") else {}
    log = PhaseLog(session.run.metrics, "train")  # trainers call log.rewind(step) on resume, log.sync() at checkpoints
    fit_summary = trainer.fit(model, dataset, tokenizer=train_tokenizer, log=log, **extra)
    if not session.run.writes:  # a torchrun process other than rank 0: training was its whole share
        return {"command": "train", "rank": os.environ.get("RANK"), "training": fit_summary}

    rollout_cfg = config.get("rollout") or {}
    rollouts = _rollouts(session, dataset, tokenizer, rollout_cfg, quiet)

    evaluation = None
    if "evaluation.dataset" in session.planned:
        evaluation = _evaluate(session, model, quiet)
    session.run.close()

    summary = {
        "command": "train",
        "config_name": composed.config_name,
        "output_dir": str(session.run.path),
        **deprecated_names(session.run.path),
        "components": session.components(),
        "trained": bool(fit_summary.get("trained")) if isinstance(fit_summary, dict) else None,
        "world_size": fit_summary.get("world_size", 1) if isinstance(fit_summary, dict) else 1,
        "training": fit_summary,
        "rollouts": rollouts,
        "evaluation": evaluation,
        "time_taken_seconds": session.elapsed(),
    }
    session.run.write_json("summary.json", summary)
    session.write_provenance(artefacts)
    return summary


def _evaluate(session: Session, model: Any, quiet: bool) -> dict[str, Any]:
    """The trained model's scores; per-sample rows go to the run log, not the summary."""
    result = session.score_evaluation(model, quiet=quiet)
    for row in result["rows"]:
        fields = ("index", "prediction", "target", "label", "correct", "loglikelihood")
        session.run.log({"phase": "evaluate", **{k: row[k] for k in fields if k in row}})
    return {k: v for k, v in result.items() if k != "rows"}
