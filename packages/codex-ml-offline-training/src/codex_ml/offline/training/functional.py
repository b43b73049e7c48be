"""``offline:functional``: a step-based trainer honouring every key of its configuration.

Each optimisation step consumes ``gradient_accumulation_steps`` micro-batches of ``batch_size`` records,
cycling over the dataset; every ``log_interval`` steps (and at the last step) one record goes to ``log``.
A model without trainable parameters is run over the same schedule but not trained, and the summary
says so.
"""
from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from codex_ml.errors import CodexMLError
from codex_ml.formats.records import training_text
from codex_ml.interfaces import Dataset, LogFn, Tokenizer
from codex_ml.offline.training.config import TrainerConfig


def has_trainable_parameters(model: Any) -> bool:
    parameters = getattr(model, "parameters", None)
    if not callable(parameters):
        return False
    return any(getattr(p, "requires_grad", False) for p in parameters())


class FunctionalTrainer:
    def __init__(self, config: TrainerConfig, *, source: Path | None = None) -> None:
        self.config = config
        self.source = source

    def _micro_batches(self, dataset: Dataset) -> Iterator[list[Any]]:
        if len(dataset) == 0:
            raise CodexMLError("offline:functional: the dataset is empty; there is nothing to train on")
        records = itertools.cycle(enumerate(dataset))
        while True:
            yield [next(records) for _ in range(self.config.batch_size)]

    def fit(self, model: Any, dataset: Dataset, *, tokenizer: Tokenizer | None = None, log: LogFn | None = None,
            output_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
        """Train (or, without parameters, just run) ``model``. ``output_dir`` overrides the config key of the
        same name: checkpoints go to ``output_dir/checkpoints/``, the final model to ``output_dir/final/``."""
        if has_trainable_parameters(model):
            from codex_ml.offline.training.torch_loop import fit_torch  # needs torch; imported only here

            return fit_torch(self.config, model, dataset, tokenizer=tokenizer, log=log, output_dir=output_dir)
        return self._run_without_training(model, dataset, tokenizer=tokenizer, log=log)

    def _run_without_training(self, model: Any, dataset: Dataset, *, tokenizer: Tokenizer | None, log: LogFn | None) -> dict[str, Any]:
        cfg = self.config
        if cfg.resume not in (False, "") and hasattr(log, "rewind"):
            log.rewind(0)  # nothing to continue from: the schedule is run again from the start
        batches = self._micro_batches(dataset)
        records_seen = tokens_seen = completion_chars = 0
        window_records = window_tokens = 0
        logged = 0
        for step in range(1, cfg.max_steps + 1):
            for _ in range(cfg.gradient_accumulation_steps):
                for index, record in next(batches):
                    text = training_text(record, index)
                    n_tokens = len(tokenizer.encode(text)) if tokenizer is not None else len(text.split())
                    completion = model.generate(text)
                    records_seen += 1
                    tokens_seen += n_tokens
                    window_records += 1
                    window_tokens += n_tokens
                    completion_chars += len(completion)
            if log is not None and (step % cfg.log_interval == 0 or step == cfg.max_steps):
                log({"step": step, "records": window_records, "tokens": window_tokens,
                     "learning_rate": cfg.learning_rate, "trained": False})
                logged += 1
                window_records = window_tokens = 0
        return {
            "trainer": "offline:functional",
            "trained": False,
            "reason": "the model has no trainable parameters; it was run over the schedule but not updated",
            "steps": cfg.max_steps,
            "records_seen": records_seen,
            "tokens_seen": tokens_seen,
            "mean_completion_chars": completion_chars / records_seen if records_seen else 0.0,
            "log_records": logged,
            "config": cfg.to_dict(),
        }


def load_functional_trainer(path: str | os.PathLike[str], **overrides: Any) -> FunctionalTrainer:
    """Factory registered as ``offline:functional``: settings from the JSON file, overridden by keywords."""
    config_path = Path(path)
    config = TrainerConfig.from_file(config_path, overrides)
    check_before_run(config)
    return FunctionalTrainer(config, source=config_path)


def check_before_run(config: TrainerConfig) -> None:
    """What the machine cannot do is refused while the components are built, before a run directory exists:
    a missing tracker, a batch the world cannot split, a device or precision this machine lacks."""
    from codex_ml.offline.training.tracking import check_available
    from codex_ml.offline.training.world import per_device_batch, world_from_env

    check_available(config.report_to)
    per_device_batch(config, world_from_env()[2])
    if config.device not in ("auto", "cpu") or config.precision != "fp32":
        from codex_ml.offline.training.runtime import check_environment  # imports torch: only when it matters

        check_environment(config)
