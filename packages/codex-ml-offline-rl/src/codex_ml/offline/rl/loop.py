"""``codex-ml rl``: the RL-from-rewards loop, the same for every agent (GRPO, RLOO, the scripted baseline).

Per step: take ``rl.prompts_per_step`` prompts (a seeded order, reshuffled each epoch), let the agent
act G times on each (G = the agent's ``group_size``, 1 for agents without one), score every completion
with the weighted reward models, hand the trajectory to ``update``, log one line to ``metrics.jsonl``.
A step whose rewards are not all finite is logged and skipped; ``rl.max_bad_steps`` of them in a row
stop the run, after a checkpoint so nothing already trained is lost. A non-finite loss stops the run
at once without saving, so the last checkpoint is the last good state.

The run directory is the training one, with the same guarantees (:mod:`codex_ml.runs`): config.yaml,
overrides.json, metrics.jsonl (append-only, synced at each checkpoint, rewound to the checkpoint's step
on resume), ``checkpoints/checkpoint-<step>/`` (agent state + loop position), ``final/``
(``save_pretrained`` for model policies), summary.json, provenance.json. Checkpoints and final/ are
written to a temporary sibling and renamed into place with ``manifest.json`` written last; leftovers of
interrupted saves are removed at start; pruning deletes only checkpoints this process wrote (never
another run's, nor those of an earlier attempt that this one resumes).
``rl.resume=true`` continues from the newest checkpoint in ``output_dir`` (checked against its manifest)
and gives bitwise the same result on CPU as an uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_ml.artifacts.manifest import check_manifest
from codex_ml.config.compose import Composed
from codex_ml.errors import NonFiniteLossError, NonFiniteRewardError, RLConfigError
from codex_ml.formats.records import prompt_of
from codex_ml.io import atomic_write_json
from codex_ml.offline.rl.setting_types import type_problems
from codex_ml.pipeline.rollout import WeightedReward, check_update, make_states, rollout
from codex_ml.pipeline.session import Preflight, Session
from codex_ml.runs.saves import atomic_directory, prune_own_checkpoints, remove_partial_saves, write_manifest_last
from codex_ml.utils.progress import progress

CHECKPOINT_PREFIX = "checkpoint-"
LOOP_STATE = "loop_state.json"
#: Settings that may change between a run and its resumption.
RESUME_FREE = ("steps", "resume", "checkpoint_interval", "keep_checkpoints", "log_completions")


@dataclass(frozen=True)
class LoopSettings:
    steps: int = 50
    prompts_per_step: int = 2
    checkpoint_interval: int = 10  # 0: only at the end
    keep_checkpoints: int = 2
    max_bad_steps: int = 3  # non-finite reward steps in a row before the run stops
    resume: Any = False  # false, true (newest in output_dir/checkpoints) or a checkpoint directory
    log_completions: int = 1  # completions per step copied into metrics.jsonl (0: none)

    @classmethod
    def from_config(cls, node: Any) -> LoopSettings:
        node = dict(node or {})
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(node) - known)
        if unknown:
            raise RLConfigError(f"rl: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        given = {k: v for k, v in node.items() if v is not None}
        problems = type_problems(cls, given, prefix="rl.")
        if problems:
            raise RLConfigError("; ".join(problems))
        settings = cls(**given)
        for key in ("steps", "prompts_per_step", "max_bad_steps", "keep_checkpoints"):
            if int(getattr(settings, key)) < 1:
                raise RLConfigError(f"rl.{key}={getattr(settings, key)} must be >= 1")
        return settings


class PromptOrder:
    """Prompts in a seeded shuffled order per epoch; ``(epoch, cursor)`` is all a checkpoint stores."""

    def __init__(self, n: int, seed: int, epoch: int = 0, cursor: int = 0) -> None:
        self.n, self.seed, self.epoch, self.cursor = n, seed, epoch, cursor
        self._order = self._permutation()

    def _permutation(self) -> list[int]:
        order = list(range(self.n))
        random.Random(self.seed * 1_000_003 + self.epoch).shuffle(order)
        return order

    def take(self, count: int) -> list[int]:
        chosen = []
        for _ in range(count):
            if self.cursor == self.n:
                self.epoch, self.cursor = self.epoch + 1, 0
                self._order = self._permutation()
            chosen.append(self._order[self.cursor])
            self.cursor += 1
        return chosen

    def position(self) -> dict[str, int]:
        return {"epoch": self.epoch, "cursor": self.cursor}


def _reward_requests(config: dict[str, Any]) -> list[tuple[str, str, Any]]:
    rewards = config.get("rewards") or {}
    if not rewards:
        raise RLConfigError(
            "no reward model configured: add one under `rewards`, e.g. "
            "+rewards.length.plugin=offline:length (see docs/rl.md)"
        )
    return [(f"rewards.{name}", "reward_models", node) for name, node in rewards.items() if node]


def _weights(config: dict[str, Any], names: list[str]) -> dict[str, float]:
    given = dict(config.get("reward_weights") or {})
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise RLConfigError(
            f"reward_weights names {', '.join(unknown)}, which is not under rewards ({', '.join(names)})"
        )
    for name, weight in given.items():
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not math.isfinite(weight):
            raise RLConfigError(f"reward_weights.{name}={weight!r}: must be a finite number")
    return {name: float(given.get(name, 1.0)) for name in names}


def _config_hash(config: dict[str, Any]) -> str:
    comparable = {k: v for k, v in config.items() if k not in ("output_dir", "rl")}
    comparable["rl"] = {k: v for k, v in (config.get("rl") or {}).items() if k not in RESUME_FREE}
    return hashlib.sha256(json.dumps(comparable, sort_keys=True, default=str).encode()).hexdigest()


def _checkpoints(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    found = [p for p in root.iterdir() if p.name.startswith(CHECKPOINT_PREFIX) and (p / LOOP_STATE).is_file()]
    return sorted(found, key=lambda p: int(p.name[len(CHECKPOINT_PREFIX) :]))


def save_checkpoint(
    root: Path, step: int, agent: Any, state: dict[str, Any], keep: int, written: list[Path] | None = None
) -> Path:
    """Agent state plus the loop's position, complete or absent: written to a temporary sibling, manifest
    last, then renamed into place. ``written``: the checkpoints this run wrote, oldest first; the new one is
    appended and only those beyond the newest ``keep`` are deleted (never another run's)."""
    final = root / f"{CHECKPOINT_PREFIX}{step:08d}"
    with atomic_directory(final, finish=lambda tmp: write_manifest_last(tmp, final.name, "rl")) as tmp:
        (tmp / "agent").mkdir()
        agent.save(tmp / "agent")
        atomic_write_json(tmp / LOOP_STATE, {**state, "step": step})
    if written is not None:
        prune_own_checkpoints(written, final, keep)
    return final


def _resume_from(settings: LoopSettings, root: Path) -> Path | None:
    if settings.resume in (False, "", None):
        return None
    if settings.resume is True:
        found = _checkpoints(root)
        if not found:
            raise RLConfigError(f"rl.resume=true but {root} holds no checkpoint; run without rl.resume first")
        return found[-1]
    path = Path(str(settings.resume)).expanduser()
    if not (path / LOOP_STATE).is_file():
        raise RLConfigError(f"rl.resume={settings.resume!r} is not a checkpoint directory (no {LOOP_STATE})")
    return path


def _mean_std(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    return statistics.fmean(values), statistics.pstdev(values) if len(values) > 1 else 0.0


def run_rl(composed: Composed, *, quiet: bool = False, preflight: Preflight | None = None) -> dict[str, Any]:
    config = composed.config
    settings = LoopSettings.from_config(config.get("rl"))
    if settings.resume is True and not config.get("output_dir"):
        raise RLConfigError("rl.resume=true continues the run in output_dir: set output_dir=<the run directory>")
    rewards = _reward_requests(config)
    requests = [
        ("rl_agent", "rl_agents", config.get("rl_agent")),
        ("dataset_loader", "datasets", config.get("dataset_loader")),
        *rewards,
    ]
    session = Session.open(composed, requests, preflight=preflight)
    with session.failure_recorded():
        return _run(session, composed, settings, [role.split(".", 1)[1] for role, _, _ in rewards], quiet)


def _prompts(session: Session, config: dict[str, Any]) -> list[str]:
    field = (config.get("rollout") or {}).get("prompt_field")
    dataset = session["dataset_loader"]
    prompts = [
        prompt_of(record, field, index=i, where=f"prompt set ({session.planned['dataset_loader'].name})")
        for i, record in enumerate(dataset)
    ]
    if not prompts:
        raise RLConfigError(
            f"the prompt set ({session.planned['dataset_loader'].name}) is empty: there is nothing to "
            "act on; point dataset_loader.path at a file with at least one record"
        )
    return prompts


def _run(
    session: Session, composed: Composed, settings: LoopSettings, reward_names: list[str], quiet: bool
) -> dict[str, Any]:
    config = composed.config
    agent = session["rl_agent"]
    prompts = _prompts(session, config)
    weights = _weights(config, reward_names)
    reward = WeightedReward({name: (weights[name], session[f"rewards.{name}"]) for name in reward_names})
    group_size = int(getattr(agent, "group_size", 1))
    tokenizer = getattr(agent, "tokenizer", None)
    encode = tokenizer.encode if tokenizer is not None else None
    run = session.run
    checkpoints = run.path / "checkpoints"
    config_hash = _config_hash(config)
    order, start, bad_run, resumed_from = PromptOrder(len(prompts), int(config.get("seed") or 0)), 0, 0, None
    if run.writes:  # leftovers of this run directory's interrupted checkpoint saves (final/'s: RunDirectory)
        remove_partial_saves(checkpoints)
    resume = _resume_from(settings, checkpoints)
    if resume is not None:
        check_manifest(resume)
        state = json.loads((resume / LOOP_STATE).read_text())
        if state.get("config_hash") != config_hash:
            raise RLConfigError(
                f"refusing to resume from {resume}: the configuration differs from the run that wrote it "
                f"(only {', '.join('rl.' + k for k in RESUME_FREE)} may change)"
            )
        agent.load(resume / "agent")
        order = PromptOrder(len(prompts), order.seed, **state["order"])
        start, bad_run, resumed_from = int(state["step"]), int(state["bad_run"]), str(resume)
        _keep_metrics(run, start)
    saved, skipped, curve = [], 0, []
    written: list[Path] = []  # the checkpoints this process wrote: the only ones pruning may delete

    def checkpoint(step: int, bad: int) -> None:
        run.flush()  # the metrics up to this step are on disk before the checkpoint that resumes after them
        state = _loop_state(config_hash, order, bad)
        saved.append(str(save_checkpoint(checkpoints, step, agent, state, settings.keep_checkpoints, written)))

    for step in progress(range(start, settings.steps), total=settings.steps - start, desc="rl", quiet=quiet):
        done = step + 1
        batch = [prompts[i] for i in order.take(settings.prompts_per_step)]
        started = time.perf_counter()
        scored = rollout(agent, make_states(batch, group_size, encode), reward)
        acted = time.perf_counter()
        record: dict[str, Any] = {"phase": "rl", "step": done, **_reward_stats(scored, reward_names)}
        if not scored.finite:
            bad_run += 1
            skipped += 1
            bad = [i for i, s in enumerate(scored.steps) if not math.isfinite(s["reward"])]
            record.update(
                {
                    "skipped": True,
                    "reason": f"non-finite reward for completion(s) {bad}",
                    "non_finite": [
                        {
                            "prompt": scored.steps[i]["prompt"],
                            "completion": scored.steps[i]["completion"],
                            **{n: _json_number(scored.per_model[n][i]) for n in reward_names},
                        }
                        for i in bad[:3]
                    ],
                }
            )
            run.log(record)
            if bad_run >= settings.max_bad_steps:
                checkpoint(done, 0)
                run.close()
                raise NonFiniteRewardError(
                    f"{bad_run} steps in a row had a NaN or infinite reward (last at step {done}: {record['reason']}); "
                    f"stopped. The policy trained so far is saved in {saved[-1]}; fix the reward model and continue "
                    f"with output_dir={run.path} rl.resume={saved[-1]}"
                )
            continue
        bad_run = 0
        stats = check_update(agent, agent.update(scored.steps))
        if not math.isfinite(stats["loss"]):
            run.log({**record, "loss": stats["loss"]})
            run.close()
            raise NonFiniteLossError(
                f"the loss became {stats['loss']} at step {done}; stopped without saving (the last checkpoint in "
                f"{checkpoints} is the last good state). Lower rl_agent.learning_rate or check the reward scale, then "
                f"continue with output_dir={run.path} rl.resume=true"
            )
        updated = time.perf_counter()
        rewards = [s["reward"] for s in scored.steps]
        lengths = [len(s["completion_ids"]) for s in scored.steps]
        tokens = sum(lengths)
        record.update(
            {
                "loss": stats["loss"],
                "updated": stats["updated"],
                "kl": stats.get("kl"),
                "learning_rate": stats.get("learning_rate"),
                "completion_length": statistics.fmean(lengths) if lengths else 0.0,
                "zero_spread_fraction": _zero_spread(scored.steps),
                "act_seconds": acted - started,
                "update_seconds": updated - acted,
                "completion_tokens_per_second": tokens / max(updated - started, 1e-9),
                "agent": {k: v for k, v in stats.items() if k not in ("loss", "updated", "kl", "learning_rate")},
            }
        )
        if settings.log_completions:
            record["samples"] = [
                {"prompt": s["prompt"], "completion": s["completion"], "reward": s["reward"]}
                for s in scored.steps[: settings.log_completions]
            ]
        run.log(record)
        curve.append(statistics.fmean(rewards))
        if settings.checkpoint_interval and done % settings.checkpoint_interval == 0 and done != settings.steps:
            checkpoint(done, bad_run)
    checkpoint(settings.steps, bad_run)
    final = _save_final(agent, run.path / "final")
    run.close()
    summary = {
        "command": "rl",
        "config_name": composed.config_name,
        "run_dir": str(run.path),
        "components": session.components(),
        "agent": session.planned["rl_agent"].name,
        "steps": settings.steps,
        "start_step": start,
        "resumed_from": resumed_from,
        "group_size": group_size,
        "prompts": len(prompts),
        "skipped_steps": skipped,
        "reward_weights": weights,
        "first_reward_mean": curve[0] if curve else None,
        "last_reward_mean": curve[-1] if curve else None,
        "checkpoints": saved,
        "final_policy": str(final),
        "time_taken_seconds": session.elapsed(),
    }
    run.write_json("summary.json", summary)
    session.write_provenance(session.artefacts())
    return summary


def _loop_state(config_hash: str, order: PromptOrder, bad_run: int) -> dict[str, Any]:
    return {"config_hash": config_hash, "order": order.position(), "bad_run": bad_run}


def _reward_stats(scored: Any, names: list[str]) -> dict[str, Any]:
    finite = [s["reward"] for s in scored.steps if math.isfinite(s["reward"])]
    mean, std = _mean_std(finite)
    out: dict[str, Any] = {"reward_mean": mean, "reward_std": std}
    for name in names:
        values = [v for v in scored.per_model[name] if math.isfinite(v)]
        out[f"reward_mean/{name}"], out[f"reward_std/{name}"] = _mean_std(values)
    return out


def _json_number(value: float) -> float | str:
    """A finite float, or its name ('nan', 'inf', '-inf'): metrics.jsonl stays strict JSON."""
    return value if math.isfinite(value) else str(value)


def _zero_spread(steps: list[Any]) -> float:
    from codex_ml.offline.rl.advantages import zero_spread_fraction

    return zero_spread_fraction([s["reward"] for s in steps], [s["group"] for s in steps])


def _keep_metrics(run: Any, step: int) -> None:
    """On resume: cut the append-only metrics.jsonl back to the steps up to the checkpoint (later ones are redone)."""
    run.metrics.rewind(step, phase="rl")


def _save_final(agent: Any, target: Path) -> Path:
    """``save_pretrained`` for model policies (plain transformers loads it), else the agent's own ``save``;
    complete or absent: written beside ``target``, manifest last, then renamed into place."""
    with atomic_directory(target, finish=lambda tmp: write_manifest_last(tmp, target.name, "rl")) as tmp:
        if hasattr(agent, "save_pretrained"):
            agent.save_pretrained(tmp)
        else:
            agent.save(tmp)
    return target
