"""The trainer kind: fit(model, dataset, tokenizer=, log=) returns a JSON summary of what was trained."""
from codex_ml.interfaces import Trainer
from codex_ml.kinds.declaration import Example, Kind

#: What `codex-ml plugins new --kind trainers` writes: a small component that passes its suite.
EXAMPLE_SOURCE = '''
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
'''

KIND = Kind(
    name="trainers",
    singular="trainer",
    contract="fit(model, dataset, tokenizer=, log=) returns a JSON summary of what was trained.",
    protocol=Trainer,
    config_group="training",
    suite="TrainerConformance",
    example=Example("CountingTrainer", EXAMPLE_SOURCE, '    kwargs = {"max_steps": 3, "log_interval": 2}\n'),
)
