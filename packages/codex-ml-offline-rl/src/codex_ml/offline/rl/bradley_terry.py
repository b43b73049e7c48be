"""``offline:bradley-terry``: a reward model learnt from preference pairs ``{"prompt", "chosen", "rejected"}``.

Training (the trainer of the same name, or :func:`train_bradley_terry`) puts a one-output
sequence-classification head on a causal LM checkpoint (GPT-2 or TinyLlama, through transformers'
``AutoModelForSequenceClassification``; or MiniLM, saved or fresh, through :mod:`.minilm_reward`) and minimises the Bradley-Terry loss ``-log sigmoid(r_chosen -
r_rejected)``, as TRL's RewardTrainer does. It reports the held-out pair accuracy (the fraction of
held-out pairs scored chosen > rejected) before and after, and saves with ``save_pretrained`` plus
``reward_config.json``. The reward model then loads from that directory by name and path.
"""

from __future__ import annotations

import inspect
import math
import os
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from codex_ml.errors import (
    AgentSettingsError,
    CodexMLError,
    MalformedArtifactError,
    PreferenceError,
    UnknownSettingError,
)
from codex_ml.offline.rl.setting_types import check_types

REWARD_CONFIG = "reward_config.json"
SEPARATOR = "\n"


def check_pairs(records: Sequence[Any]) -> list[dict[str, str]]:
    """Every record a mapping with text ``prompt``, ``chosen``, ``rejected``, and chosen != rejected."""
    pairs = []
    for index, record in enumerate(records):
        if not isinstance(record, Mapping):
            raise PreferenceError(
                f"preference record {index} is a {type(record).__name__}, expected an object with "
                "'prompt', 'chosen' and 'rejected'"
            )
        missing = [k for k in ("prompt", "chosen", "rejected") if not isinstance(record.get(k), str)]
        if missing:
            raise PreferenceError(
                f"preference record {index} lacks text field(s) {', '.join(map(repr, missing))}: {dict(record)!r:.160}"
            )
        if record["chosen"] == record["rejected"]:
            raise PreferenceError(
                f"preference record {index} has chosen equal to rejected ({record['chosen']!r:.80}): "
                "a pair must prefer one answer over a different one; fix or drop it"
            )
        pairs.append(
            {
                "prompt": record["prompt"],
                "chosen": record["chosen"],
                "rejected": record["rejected"],
                "split": str(record.get("split", "")),
            }
        )
    if not pairs:
        raise PreferenceError("the preference set is empty: there is nothing to train on")
    return pairs


def split_pairs(pairs: list[dict[str, str]], eval_fraction: float, seed: int) -> tuple[list[dict], list[dict]]:
    """The records' own ``split`` field (train/test) when present, else a seeded random held-out fraction."""
    if any(p["split"] in ("test", "eval", "validation") for p in pairs):
        held = [p for p in pairs if p["split"] in ("test", "eval", "validation")]
        return [p for p in pairs if p not in held], held
    order = list(range(len(pairs)))
    random.Random(seed).shuffle(order)
    n_eval = min(len(pairs) - 1, max(1, round(len(pairs) * eval_fraction))) if len(pairs) > 1 else 0
    return [pairs[i] for i in sorted(order[n_eval:])], [pairs[i] for i in sorted(order[:n_eval])]


@dataclass(frozen=True)
class BradleyTerrySettings:
    epochs: int = 3
    batch_size: int = 8
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0
    max_length: int = 128
    eval_fraction: float = 0.2
    seed: int = 0

    @classmethod
    def build(cls, values: Mapping[str, Any]) -> BradleyTerrySettings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UnknownSettingError(
                f"offline:bradley-terry: unknown setting(s) {', '.join(map(repr, unknown))}; "
                f"known: {', '.join(sorted(known))}"
            )
        given = {k: v for k, v in values.items() if v is not None}
        check_types("offline:bradley-terry", cls, given, prefix="training.")
        settings = cls(**given)
        problems = [
            f"training.{key}={getattr(settings, key)!r}: must be >= 1"
            for key in ("epochs", "batch_size", "max_length")
            if getattr(settings, key) < 1
        ]
        if not settings.learning_rate > 0:
            problems.append(f"training.learning_rate={settings.learning_rate!r}: must be > 0")
        if settings.weight_decay < 0 or settings.max_grad_norm < 0:
            problems.append("training.weight_decay and training.max_grad_norm must be >= 0")
        if not 0 <= settings.eval_fraction < 1:
            problems.append(f"training.eval_fraction={settings.eval_fraction!r}: must be in [0, 1)")
        if problems:
            raise AgentSettingsError("offline:bradley-terry: " + "; ".join(problems))
        return settings


class BradleyTerryReward:
    """A scalar reward for ``prompt + "\\n" + completion``: the classification head's output."""

    def __init__(self, module: Any, tokenizer: Any, *, max_length: int = 128, source: Path | None = None) -> None:
        self.module, self.tokenizer, self.source = module, tokenizer, source
        self.max_length = min(max_length, _context(module))  # longer texts keep their end (the completion)
        self.module.eval()
        self._has_special_tokens = "add_special_tokens" in inspect.signature(tokenizer.encode).parameters

    def _ids(self, prompt: str, completion: str) -> list[int]:
        text = prompt + SEPARATOR + completion
        if self._has_special_tokens:
            ids = list(self.tokenizer.encode(text, add_special_tokens=False))
        else:  # MiniLM's byte tokenizer: nothing to leave out
            ids = list(self.tokenizer.encode(text))
        return ids[-self.max_length :] or [self.tokenizer.eos_token_id]

    def rewards(self, ids: Sequence[Sequence[int]], *, grad: bool = False):
        """Rewards of token sequences, as a (n,) tensor (right-padded batch)."""
        import torch

        width = max(len(row) for row in ids)
        pad = self.module.config.pad_token_id
        batch = torch.full((len(ids), width), pad, dtype=torch.long)
        mask = torch.zeros((len(ids), width), dtype=torch.long)
        for row, seq in enumerate(ids):
            batch[row, : len(seq)] = torch.tensor(list(seq), dtype=torch.long)
            mask[row, : len(seq)] = 1
        device = next(self.module.parameters()).device
        with torch.set_grad_enabled(grad):
            logits = self.module(input_ids=batch.to(device), attention_mask=mask.to(device)).logits
        return logits[:, 0].float()

    def score(self, prompt: str, completion: str) -> float:
        return float(self.rewards([self._ids(prompt, completion)])[0])

    def score_batch(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        """One forward per pair, so a batch gives exactly the single scores."""
        return [self.score(prompt, completion) for prompt, completion in pairs]

    def pair_accuracy(self, pairs: Sequence[Mapping[str, str]]) -> float | None:
        if not pairs:
            return None
        wins = sum(self.score(p["prompt"], p["chosen"]) > self.score(p["prompt"], p["rejected"]) for p in pairs)
        return wins / len(pairs)


def _context(module: Any) -> int:
    for key in ("n_positions", "max_position_embeddings"):
        value = getattr(module.config, key, None)
        if isinstance(value, int):
            return value
    return 1 << 30


def _is_minilm(base: Any) -> bool:
    """A MiniLM module, or the directory of a saved one (its config.json names codex-ml's model type)."""
    if not isinstance(base, Path):
        return True
    import json

    try:
        return json.loads((base / "config.json").read_text()).get("model_type") == "codex-ml-minilm"
    except (OSError, ValueError, AttributeError):
        return False


def _sequence_classifier(base: Any):
    """A one-output sequence-classification head on ``base`` (a checkpoint directory, or a MiniLM module)."""
    if _is_minilm(base):
        from codex_ml.offline.rl.minilm_reward import minilm_classifier

        return minilm_classifier(base)
    from codex_ml.offline.models.offline_env import import_transformers

    transformers = import_transformers()
    tokenizer = transformers.AutoTokenizer.from_pretrained(base, local_files_only=True, trust_remote_code=False)
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    module = transformers.AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=1, pad_token_id=pad, local_files_only=True, trust_remote_code=False, use_safetensors=True
    )
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    return module, tokenizer


def train_bradley_terry(
    records: Sequence[Any],
    base: str | os.PathLike[str] | Any,
    output_dir: str | os.PathLike[str],
    settings: BradleyTerrySettings | None = None,
    log: Any = None,
) -> dict[str, Any]:
    """Train on ``records`` from the causal LM checkpoint ``base`` (a directory; or a MiniLM module, e.g. a fresh
    one); save to ``output_dir``; return a summary."""
    import torch

    cfg = settings or BradleyTerrySettings()
    pairs = check_pairs(list(records))
    train, held = split_pairs(pairs, cfg.eval_fraction, cfg.seed)
    if not train:
        raise PreferenceError("no training pairs are left after the held-out split")
    torch.manual_seed(cfg.seed)
    base = Path(base) if isinstance(base, (str, os.PathLike)) else base
    module, tokenizer = _sequence_classifier(base)
    reward = BradleyTerryReward(module, tokenizer, max_length=cfg.max_length)
    accuracy_initial = reward.pair_accuracy(held)
    optimizer = torch.optim.AdamW(
        [p for p in module.parameters() if p.requires_grad], lr=cfg.learning_rate, weight_decay=cfg.weight_decay
    )
    rng = random.Random(cfg.seed)
    step = 0
    for epoch in range(cfg.epochs):
        order = list(range(len(train)))
        rng.shuffle(order)
        for start in range(0, len(order), cfg.batch_size):
            batch = [train[i] for i in order[start : start + cfg.batch_size]]
            ids = [reward._ids(p["prompt"], p["chosen"]) for p in batch] + [
                reward._ids(p["prompt"], p["rejected"]) for p in batch
            ]
            scores = reward.rewards(ids, grad=True)
            margin = scores[: len(batch)] - scores[len(batch) :]
            loss = -torch.nn.functional.logsigmoid(margin).mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.max_grad_norm > 0:
                torch.nn.utils.clip_grad_norm_(module.parameters(), cfg.max_grad_norm)
            optimizer.step()
            step += 1
            if log is not None:
                log(
                    {
                        "step": step,
                        "epoch": epoch + 1,
                        "loss": float(loss.detach()),
                        "train_pair_accuracy": float((margin > 0).float().mean()),
                    }
                )
    module.eval()
    accuracy = reward.pair_accuracy(held)
    target = Path(output_dir)
    _save(
        module,
        tokenizer,
        target,
        {
            "separator": SEPARATOR,
            "max_length": cfg.max_length,
            "base_model": str(base) if isinstance(base, Path) else "offline:minilm (fresh)",
            "held_out_accuracy": accuracy,
            "held_out_pairs": len(held),
        },
    )
    summary = {
        "trainer": "offline:bradley-terry",
        "trained": True,
        "steps": step,
        "train_pairs": len(train),
        "held_out_pairs": len(held),
        "held_out_accuracy_initial": accuracy_initial,
        "held_out_accuracy": accuracy,
        "reward_model": str(target),
        "config": asdict(cfg),
    }
    return summary


def _save(module: Any, tokenizer: Any, target: Path, reward_config: dict[str, Any]) -> None:
    """``save_pretrained`` of head and tokenizer plus ``reward_config.json``, complete or absent: written to a
    temporary sibling, ``manifest.json`` last, then renamed into place (as checkpoints are)."""
    from codex_ml.io import atomic_write_json
    from codex_ml.runs.saves import atomic_directory, write_manifest_last

    with atomic_directory(
        target, finish=lambda tmp: write_manifest_last(tmp, target.name, "offline:bradley-terry")
    ) as tmp:
        module.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        atomic_write_json(tmp / REWARD_CONFIG, reward_config)


class BradleyTerryTrainer:
    """The trainer component: ``fit`` trains a reward model from the run's model checkpoint on the run's
    preference set and saves it to ``output_dir/reward_model`` (``output_dir/final`` is not used)."""

    def __init__(self, settings: BradleyTerrySettings) -> None:
        self.settings = settings

    def fit(
        self,
        model: Any,
        dataset: Any,
        *,
        tokenizer: Any = None,
        log: Any = None,
        output_dir: str | os.PathLike[str] | None = None,
    ) -> dict[str, Any]:
        base = getattr(model, "source", None)
        if base is None and getattr(model, "family", None) == "minilm":
            base = model.module  # a fresh MiniLM: the head goes on its freshly initialised weights
        elif base is None or not (Path(base) / "config.json").is_file():
            raise CodexMLError(
                "offline:bradley-terry trains from a causal LM checkpoint directory: use model=offline/gpt2 "
                "(or offline/tinyllama, or offline/minilm, fresh or with model.path) so the model has one"
            )
        if output_dir is None:
            raise CodexMLError("offline:bradley-terry needs an output directory to save the reward model in")
        return train_bradley_terry(list(dataset), base, Path(output_dir) / "reward_model", self.settings, log)


def load_bradley_terry_trainer(**settings: Any) -> BradleyTerryTrainer:
    """Factory registered as trainer ``offline:bradley-terry``."""
    return BradleyTerryTrainer(BradleyTerrySettings.build(settings))


def load_bradley_terry_reward(path: str | os.PathLike[str]) -> BradleyTerryReward:
    """Factory registered as reward model ``offline:bradley-terry``: ``path`` is a directory the trainer saved."""
    directory = Path(path)
    config_file = directory / REWARD_CONFIG
    if not config_file.is_file():
        raise MalformedArtifactError(
            f"{directory}: no {REWARD_CONFIG}; it is not a reward model saved by the offline:bradley-terry trainer"
        )
    from codex_ml.artifacts.files import read_json_object
    from codex_ml.artifacts.manifest import check_manifest
    from codex_ml.offline.models.offline_env import import_transformers

    check_manifest(directory, allow_modified=None)  # a saved reward model must still match its manifest
    config = read_json_object(
        config_file,
        required={"max_length": int},
        optional={"separator": str, "base_model": str, "held_out_accuracy": (float, type(None)), "held_out_pairs": int},
        allow_extra=True,
    )
    if _is_minilm(directory):
        from codex_ml.offline.models.byte_tokenizer import ByteTokenizer
        from codex_ml.offline.rl.minilm_reward import MiniLMForSequenceClassification

        module, tokenizer = MiniLMForSequenceClassification.from_pretrained(directory), ByteTokenizer()
    else:
        transformers = import_transformers()
        tokenizer = transformers.AutoTokenizer.from_pretrained(
            directory, local_files_only=True, trust_remote_code=False
        )
        module = transformers.AutoModelForSequenceClassification.from_pretrained(
            directory, local_files_only=True, trust_remote_code=False, use_safetensors=True
        )
    if not math.isfinite(float(config["max_length"])) or config["max_length"] < 1:
        raise MalformedArtifactError(f"{config_file}: max_length must be >= 1")
    return BradleyTerryReward(module, tokenizer, max_length=config["max_length"], source=directory)
