"""A tiny 2-layer GPT-2 (random weights, BPE trained on local text) for the RL tests, made once per session."""

from __future__ import annotations

from pathlib import Path

import pytest

TINY_GPT2 = {"n_positions": 64, "n_embd": 32, "n_layer": 2, "n_head": 2}


@pytest.fixture(scope="session")
def policy_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from guards import require_torch

    require_torch()
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings
    from codex_ml.offline.models.synth import synth_gpt2

    root = tmp_path_factory.mktemp("rl-synth")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CODEX_ML_CACHE_DIR", str(tmp_path_factory.mktemp("rl-hash-cache")))
        return synth_gpt2(root, texts=stdlib_docstrings(max_chars=60_000), vocab_size=400, **TINY_GPT2)
