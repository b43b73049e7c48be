"""Which distribution ships which offline fragment, so a missing option can name what to install.

Only used for messages: the search path itself comes from the installed distributions' hooks.
"""
from __future__ import annotations

#: Config groups the pipeline reads, each filled by one fragment (``metrics`` by several).
GROUPS = ("model", "tokenizer", "data", "training", "metrics", "reward_model", "rl_agent", "interfaces", "evaluation")

#: ``<group>/<option>`` -> the distribution that ships it.
OFFLINE_FRAGMENTS: dict[str, str] = {
    "model/offline/gpt2": "codex-ml-offline-models",
    "model/offline/tinyllama": "codex-ml-offline-models",
    "model/offline/tiny_sequence": "codex-ml-offline-models",
    "tokenizer/offline/gpt2": "codex-ml-offline-models",
    "tokenizer/offline/tinyllama": "codex-ml-offline-models",
    "tokenizer/offline/tiny_vocab": "codex-ml-offline-models",
    "data/offline/tiny_corpus": "codex-ml-offline-data",
    "evaluation/offline/tiny_eval": "codex-ml-offline-data",
    "metrics/offline/weighted_accuracy": "codex-ml-offline-metrics",
    "metrics/offline/accuracy": "codex-ml-offline-metrics",
    "metrics/offline/exact_match": "codex-ml-offline-metrics",
    "training/offline/functional": "codex-ml-offline-training",
    "reward_model/offline/length": "codex-ml-offline-rl",
    "reward_model/offline/heuristic": "codex-ml-offline-rl",
    "rl_agent/offline/scripted": "codex-ml-offline-rl",
    "interfaces/offline": "codex-ml-offline-rl",
}


def provider_of(config_path: str) -> str | None:
    """The distribution shipping ``config_path`` (``model/offline/gpt2``), if it is a known offline fragment."""
    return OFFLINE_FRAGMENTS.get(config_path.strip("/").removesuffix(".yaml"))
