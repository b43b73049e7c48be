"""``codex-ml train``: fit the model, roll the policy over the dataset, score on the evaluation set.

Every number written comes from a component's real output. A model without trainable parameters is
run over the trainer's schedule but not updated, and the summary says so (the trainer reports it).
"""
from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from codex_ml.config.compose import Composed
from codex_ml.pipeline.components import accepts
from codex_ml.pipeline.progress import progress
from codex_ml.pipeline.session import TRAIN_COMPONENTS, Session, evaluation_requests
from codex_ml.runs.directory import deprecated_names


def _rollouts(session: Session, model: Any, dataset: Any, tokenizer: Any, limit: int | None, quiet: bool) -> dict[str, Any]:
    """Per record: the model's completion, the reward model's score, the agent's action; then one update."""
    reward_model, agent = session["reward_model"], session["rl_agent"]
    records = list(itertools.islice(dataset, int(limit) if limit else None))
    trajectory, rewards, actions = [], [], []
    for index, record in enumerate(progress(records, total=len(records), desc="rollout", quiet=quiet)):
        prompt = str(record)
        completion = str(model.generate(prompt))
        reward = float(reward_model.score(prompt, completion))
        action = agent.act({"prompt": prompt, "completion": completion, "reward": reward})
        trajectory.append({"state": prompt, "action": action, "reward": reward})
        rewards.append(reward)
        actions.append(action)
        session.run.log({"phase": "rollout", "index": index, "prompt": prompt, "completion": completion,
                         "prompt_tokens": len(tokenizer.encode(prompt)), "completion_tokens": len(tokenizer.encode(completion)),
                         "reward": reward, "action": action})
    update = agent.update(trajectory) if trajectory else {}
    return {
        "records": len(records),
        "mean_reward": sum(rewards) / len(rewards) if rewards else None,
        "min_reward": min(rewards) if rewards else None,
        "max_reward": max(rewards) if rewards else None,
        "actions": dict(Counter(str(a) for a in actions)),
        "agent_update": update,
    }


def run_train(composed: Composed, *, quiet: bool = False) -> dict[str, Any]:
    config = composed.config
    requests = [(role, kind, config.get(role)) for role, kind in TRAIN_COMPONENTS] + evaluation_requests(config)
    quiet_trainer = {"progress": False} if quiet and "progress" in (config.get("training") or {}) else {}
    session = Session.open(composed, requests, extra={"training": quiet_trainer})
    with session.failure_recorded():
        return _train(session, composed, quiet)


def _train(session: Session, composed: Composed, quiet: bool) -> dict[str, Any]:
    config = composed.config
    tokenizer, model, dataset, trainer = (session[r] for r in ("tokenizer", "model", "dataset_loader", "training"))
    artefacts = session.artefacts(quiet=quiet)

    train_tokenizer = getattr(model, "tokenizer", None) or tokenizer  # a model that brings its tokenizer trains with it
    extra = {"output_dir": str(session.run.path)} if accepts(trainer.fit, "output_dir") else {}
    log = lambda record: session.run.log({"phase": "train", **dict(record)})
    fit_summary = trainer.fit(model, dataset, tokenizer=train_tokenizer, log=log, **extra)

    rollout_cfg = config.get("rollout") or {}
    rollouts = _rollouts(session, model, dataset, tokenizer, rollout_cfg.get("max_records"), quiet)

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
        session.run.log({"phase": "evaluate", **{k: row[k] for k in ("index", "prediction", "target", "label", "correct")}})
    return {k: v for k, v in result.items() if k != "rows"}
