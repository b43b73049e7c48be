"""One rollout step under the RL agent contract (``codex_ml.interfaces.RLAgent``), shared by the rollout
stage of ``codex-ml train`` and by the ``codex-ml rl`` loop: build the states, let the agent act, score
every completion with the weighted reward models, and hand back the trajectory steps.

Nothing here imports torch; an agent that learns brings its own."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from codex_ml.errors import AgentContractError
from codex_ml.interfaces import RLAction, RLState, TrajectoryStep


@dataclass
class WeightedReward:
    """Several reward models, each with a weight; the reward of a completion is the weighted sum."""

    models: dict[str, tuple[float, Any]]

    def score(self, pairs: Sequence[tuple[str, str]]) -> tuple[list[float], dict[str, list[float]]]:
        """Per completion: the weighted total, and each model's own score (by name)."""
        per_model = {
            name: [float(v) for v in model.score_batch(list(pairs))] for name, (_, model) in self.models.items()
        }
        for name, values in per_model.items():
            if len(values) != len(pairs):
                raise AgentContractError(
                    f"reward model {name!r} returned {len(values)} scores for {len(pairs)} completions"
                )
        totals = [sum(self.models[name][0] * per_model[name][i] for name in self.models) for i in range(len(pairs))]
        return totals, per_model


def make_states(prompts: Sequence[str], group_size: int, encode: Any | None) -> list[RLState]:
    """``group_size`` states per prompt, numbered by prompt (``group``)."""
    states: list[RLState] = []
    for group, prompt in enumerate(prompts):
        ids = list(encode(prompt)) if encode is not None else []
        states.extend(RLState(prompt=prompt, prompt_ids=ids, group=group) for _ in range(group_size))
    return states


def act_all(agent: Any, states: Sequence[RLState]) -> list[RLAction]:
    """``agent.act_batch(states)`` when the agent has it, else ``act`` per state; each action checked."""
    batch = getattr(agent, "act_batch", None)
    actions = list(batch(list(states))) if callable(batch) else [agent.act(state) for state in states]
    if len(actions) != len(states):
        raise AgentContractError(
            f"{type(agent).__name__}.act_batch returned {len(actions)} actions for {len(states)} states"
        )
    for action in actions:
        check_action(agent, action)
    return actions


def check_action(agent: Any, action: Any) -> None:
    name = type(agent).__name__
    if not isinstance(action, Mapping) or not {"completion", "completion_ids", "logprobs"} <= set(action):
        raise AgentContractError(
            f"{name}.act must return a mapping with 'completion', 'completion_ids' and 'logprobs' "
            f"(see RLAction in codex_ml.interfaces), got {action!r}"
        )
    if not isinstance(action["completion"], str):
        raise AgentContractError(f"{name}.act: 'completion' must be text, got {type(action['completion']).__name__}")
    if len(action["completion_ids"]) != len(action["logprobs"]):
        raise AgentContractError(
            f"{name}.act: 'logprobs' ({len(action['logprobs'])}) must have one entry per token of "
            f"'completion_ids' ({len(action['completion_ids'])})"
        )


@dataclass
class ScoredRollout:
    steps: list[TrajectoryStep]  # every completion, finite rewards or not
    per_model: dict[str, list[float]] = field(default_factory=dict)

    @property
    def finite(self) -> bool:
        return all(math.isfinite(step["reward"]) for step in self.steps)


def rollout(agent: Any, states: Sequence[RLState], reward: WeightedReward) -> ScoredRollout:
    """Act on every state and score each completion: the trajectory ``update`` will receive."""
    actions = act_all(agent, states)
    totals, per_model = reward.score([(s["prompt"], a["completion"]) for s, a in zip(states, actions)])
    steps = [
        TrajectoryStep(
            prompt=s["prompt"],
            prompt_ids=list(s["prompt_ids"]),
            group=s["group"],
            completion=a["completion"],
            completion_ids=[int(i) for i in a["completion_ids"]],
            logprobs=[float(x) for x in a["logprobs"]],
            reward=float(r),
        )
        for s, a, r in zip(states, actions, totals)
    ]
    return ScoredRollout(steps, per_model)


def check_update(agent: Any, stats: Any) -> dict[str, float]:
    """``update``'s result must be a mapping of floats holding at least ``loss`` and ``updated``."""
    name = type(agent).__name__
    if not isinstance(stats, Mapping) or not {"loss", "updated"} <= set(stats):
        raise AgentContractError(
            f"{name}.update must return a dict of floats with at least 'loss' and 'updated', got {stats!r}"
        )
    bad = [k for k, v in stats.items() if isinstance(v, bool) or not isinstance(v, (int, float))]
    if bad:
        raise AgentContractError(f"{name}.update: values must be floats; {bad[0]!r} is {stats[bad[0]]!r}")
    return {str(k): float(v) for k, v in stats.items()}
