"""The RL agent kind: act, update, save and load (the contract: RLState, RLAction, TrajectoryStep in codex_ml.interfaces)."""
from codex_ml.interfaces import RLAgent
from codex_ml.kinds.declaration import Example, Kind

#: What `codex-ml plugins new --kind rl_agents` writes: a small component that passes its suite.
EXAMPLE_SOURCE = '''
import json
from pathlib import Path


class RoundRobinAgent:
    """Cycles through its actions; saves and loads its position as JSON."""

    def __init__(self, actions=(0, 1, 2)) -> None:
        self.actions, self.position = list(actions), 0

    def act(self, state):
        """The RL agent contract: a state {"prompt", "prompt_ids", "group"} in, an action out."""
        action = self.actions[self.position % len(self.actions)]
        self.position += 1
        return {"completion": str(action), "completion_ids": [action], "logprobs": [0.0]}

    def update(self, trajectory) -> dict:
        """Learns nothing: says so with updated=0.0."""
        return {"loss": 0.0, "updated": 0.0, "transitions": float(len(trajectory))}

    def save(self, path) -> None:
        Path(path).write_text(json.dumps({"actions": self.actions, "position": self.position}))

    def load(self, path) -> None:
        state = json.loads(Path(path).read_text())
        self.actions, self.position = state["actions"], state["position"]
'''

KIND = Kind(
    name="rl_agents",
    singular="RL agent",
    contract="act(state) -> action, update(trajectory) -> dict of floats, save and load.",
    protocol=RLAgent,
    config_group="rl_agent",
    suite="RLAgentConformance",
    example=Example("RoundRobinAgent", EXAMPLE_SOURCE),
)
