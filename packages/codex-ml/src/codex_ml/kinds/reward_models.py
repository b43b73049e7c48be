"""The reward model kind: score(prompt, completion) -> float and score_batch(pairs)."""
from codex_ml.interfaces import RewardModel
from codex_ml.kinds.declaration import Example, Kind

#: What `codex-ml plugins new --kind reward_models` writes: a small component that passes its suite.
EXAMPLE_SOURCE = '''
class LengthReward:
    """Longer completions score higher, up to 1.0 at 100 characters."""

    def score(self, prompt: str, completion: str) -> float:
        return min(len(completion), 100) / 100

    def score_batch(self, pairs) -> list[float]:
        return [self.score(prompt, completion) for prompt, completion in pairs]
'''

KIND = Kind(
    name="reward_models",
    singular="reward model",
    contract="score(prompt, completion) -> float and score_batch(pairs).",
    protocol=RewardModel,
    config_group="reward_model",
    suite="RewardModelConformance",
    example=Example("LengthReward", EXAMPLE_SOURCE),
)
