"""One small, working example component per kind, with the conformance test that checks it."""
from __future__ import annotations

# kind -> (class name, implementation source, conformance suite, extra test attributes)
COMPONENTS: dict[str, tuple[str, str, str, str]] = {
    "tokenizers": ("CharTokenizer", '''
class CharTokenizer:
    """One id per character (its code point)."""

    def encode(self, text: str) -> list[int]:
        return [ord(char) for char in text]

    def decode(self, ids) -> str:
        return "".join(chr(i) for i in ids)
''', "TokenizerConformance", '    round_trip_texts = ["hello world", "offline"]\n'),
    "models": ("ReverseModel", '''
class ReverseModel:
    """Answers with the prompt reversed."""

    def generate(self, prompt: str) -> str:
        return prompt[::-1]
''', "ModelConformance", ""),
    "datasets": ("GreetingsDataset", '''
import random


class GreetingsDataset:
    """Three records, optionally shuffled with a seed."""

    def __init__(self, shuffle: bool = False, seed: int = 0) -> None:
        self.records = ["hello", "bonjour", "hallo"]
        if shuffle:
            random.Random(seed).shuffle(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self):
        return iter(self.records)
''', "DatasetConformance", '    expected_length = 3\n    shuffle_kwargs = {"shuffle": True, "seed": 1}\n'),
    "metrics": ("ExactMatch", '''
class ExactMatch:
    """Fraction of predictions equal to their targets."""

    name = "exact-match"

    def compute(self, predictions, targets) -> float:
        if len(predictions) != len(targets):
            raise ValueError(f"predictions and targets differ in length ({len(predictions)} vs {len(targets)})")
        if not targets:
            return 0.0
        return sum(p == t for p, t in zip(predictions, targets)) / len(targets)
''', "MetricConformance", ""),
    "trainers": ("CountingTrainer", '''
class CountingTrainer:
    """Runs the model over the data for max_steps steps and logs every log_interval steps."""

    def __init__(self, max_steps: int = 3, log_interval: int = 1) -> None:
        self.max_steps, self.log_interval = max_steps, log_interval

    def fit(self, model, dataset, *, tokenizer=None, log=None) -> dict:
        records = list(dataset)
        for step in range(1, self.max_steps + 1):
            record = records[(step - 1) % len(records)]
            completion = model.generate(record)
            if log is not None and (step % self.log_interval == 0 or step == self.max_steps):
                log({"step": step, "completion_chars": len(completion)})
        return {"steps": self.max_steps, "trained": False}
''', "TrainerConformance", '''    kwargs = {"max_steps": 3, "log_interval": 2}

    def build_model(self):
        class Echo:
            def generate(self, prompt):
                return prompt

        return Echo()

    def build_dataset(self):
        return ["one", "two"]

    def build_tokenizer(self):
        return None
'''),
    "reward_models": ("LengthReward", '''
class LengthReward:
    """Longer completions score higher, up to 1.0 at 100 characters."""

    def score(self, prompt: str, completion: str) -> float:
        return min(len(completion), 100) / 100

    def score_batch(self, pairs) -> list[float]:
        return [self.score(prompt, completion) for prompt, completion in pairs]
''', "RewardModelConformance", ""),
    "rl_agents": ("RoundRobinAgent", '''
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
''', "RLAgentConformance", ""),
}
