"""Small synthesised GPT-2 and TinyLlama checkpoints, made once per session from local text (a pytest plugin
loaded by the root conftest.py, so every tests folder can ask for them)."""
from __future__ import annotations

from pathlib import Path

import pytest

TINY_GPT2 = {"n_positions": 64, "n_embd": 32, "n_layer": 1, "n_head": 2}
TINY_LLAMA = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
              "num_key_value_heads": 1, "max_position_embeddings": 64}


@pytest.fixture(scope="session")
def corpus_texts() -> list[str]:
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings

    return stdlib_docstrings(max_chars=60_000)


@pytest.fixture(scope="session")
def synth_root(tmp_path_factory: pytest.TempPathFactory, corpus_texts: list[str]) -> Path:
    from guards import require_torch

    require_torch()
    from codex_ml.offline.models.synth import synth_gpt2, synth_tinyllama

    root = tmp_path_factory.mktemp("synth")
    with pytest.MonkeyPatch.context() as patch:  # session scope: runs before the per-test isolation
        patch.setenv("CODEX_ML_CACHE_DIR", str(tmp_path_factory.mktemp("synth-hash-cache")))
        synth_gpt2(root, texts=corpus_texts, vocab_size=400, **TINY_GPT2)
        synth_tinyllama(root, texts=corpus_texts, vocab_size=400, **TINY_LLAMA)
    return root


@pytest.fixture(scope="session")
def gpt2_dir(synth_root: Path) -> Path:
    return synth_root / "artifacts" / "models" / "gpt2"


@pytest.fixture(scope="session")
def tinyllama_dir(synth_root: Path) -> Path:
    return synth_root / "artifacts" / "models" / "tinyllama"
