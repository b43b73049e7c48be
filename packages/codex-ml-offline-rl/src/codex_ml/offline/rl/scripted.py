"""``offline:scripted``: an agent replaying a fixed list of actions: the no-learning baseline of the RL loop."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from codex_ml.artifacts.files import read_json_object
from codex_ml.errors import MalformedArtifactError
from codex_ml.interfaces import RLAction, RLState, TrajectoryStep
from codex_ml.io import atomic_write_json


class ScriptedAgent:
    """Replays its actions in order under the RL agent contract: each ``act`` returns the next action as a
    one-token completion (``completion_ids=[action]``, the text its decimal form, log-probability 0.0: the
    policy is deterministic). At the end it wraps round when ``loop`` is true, else repeats the last
    action. ``update`` learns nothing and says so (``updated`` 0.0)."""

    def __init__(self, actions: Sequence[int], loop: bool = True, *, source: Path | None = None) -> None:
        if not actions:
            raise MalformedArtifactError(f"{source or 'offline:scripted'}: 'actions' must not be empty")
        self.actions = [int(action) for action in actions]
        self.loop = bool(loop)
        self.source = source
        self._index = 0

    @classmethod
    def from_file(cls, path: Path) -> ScriptedAgent:
        data = read_json_object(path, required={"actions": list}, optional={"loop": bool, "metadata": dict})
        bad = [a for a in data["actions"] if isinstance(a, bool) or not isinstance(a, int)]
        if bad:
            raise MalformedArtifactError(f"{path}: 'actions' must be a list of integers, found {bad[0]!r}")
        return cls(data["actions"], data.get("loop", True), source=path)

    def next_action(self) -> int:
        if self._index >= len(self.actions):
            self._index = 0 if self.loop else len(self.actions) - 1
        action = self.actions[self._index]
        self._index += 1
        return action

    def act(self, state: RLState) -> RLAction:
        action = self.next_action()
        return RLAction(completion=str(action), completion_ids=[action], logprobs=[0.0])

    def update(self, trajectory: Sequence[TrajectoryStep]) -> dict[str, float]:
        rewards = [step["reward"] for step in trajectory]
        return {"loss": 0.0, "updated": 0.0, "steps": float(len(trajectory)),
                "mean_reward": sum(rewards) / len(rewards) if rewards else 0.0}

    def save(self, path: str | os.PathLike[str]) -> None:
        target = Path(path)
        if target.is_dir():
            target = target / "policy.json"
        atomic_write_json(target, {"actions": self.actions, "loop": self.loop})

    def load(self, path: str | os.PathLike[str]) -> None:
        source = Path(path)
        fresh = ScriptedAgent.from_file(source / "policy.json" if source.is_dir() else source)
        self.actions, self.loop, self.source, self._index = fresh.actions, fresh.loop, fresh.source, 0


def load_scripted_agent(path: str | os.PathLike[str]) -> ScriptedAgent:
    """Factory registered as ``offline:scripted``; ``path`` is a policy file or its directory."""
    return ScriptedAgent.from_file(Path(path))
