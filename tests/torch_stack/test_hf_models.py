"""GPT-2 and TinyLlama load from synthesised real-format artefacts through the registries."""
from guards import require_torch

torch = require_torch()

import json
import math
import os
import shutil

import pytest
from codex_ml.errors import MalformedArtifactError
from codex_ml.interfaces import Model, Tokenizer
from codex_ml.plugins.registries import models, tokenizers


@pytest.mark.parametrize("family", ["gpt2", "tinyllama"])
def test_model_and_tokenizer_load_from_the_seed_layout(family, synth_root, monkeypatch):
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(synth_root))
    model = models.resolve_and_instantiate(f"offline:{family}")
    tokenizer = tokenizers.resolve_and_instantiate(f"offline:{family}")
    assert isinstance(model, Model) and isinstance(tokenizer, Tokenizer)
    assert type(model.module).__name__ == {"gpt2": "GPT2LMHeadModel", "tinyllama": "LlamaForCausalLM"}[family]
    text = "Return a new transport that the protocol should use."
    assert tokenizer.decode(tokenizer.encode(text)) == text
    assert isinstance(model.generate("Return the"), str)
    scores = model.score_candidates("The answer is", [" yes", " no"])
    assert len(scores) == 2 and all(s < 0 for s in scores)
    assert math.isfinite(model.perplexity(["hello world", text]))
    assert any(p.requires_grad for p in model.parameters())
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_kind_directory_variable_and_explicit_path(gpt2_dir, monkeypatch):
    monkeypatch.setenv("CODEX_ML_OFFLINE_MODELS_DIR", str(gpt2_dir.parent))
    assert models.resolve_and_instantiate("offline:gpt2").source == gpt2_dir
    assert models.resolve_and_instantiate("offline:tinyllama", path=gpt2_dir.parent / "tinyllama").family == "tinyllama"


def _copy(src, dst, **config_changes):
    shutil.copytree(src, dst)
    config = json.loads((dst / "config.json").read_text())
    config.update(config_changes)
    (dst / "config.json").write_text(json.dumps(config))
    return dst


def test_custom_code_is_never_run(gpt2_dir, tmp_path):
    from codex_ml.offline.models.hf import load_gpt2_model

    bad = _copy(gpt2_dir, tmp_path / "gpt2", auto_map={"AutoModelForCausalLM": "evil.Model"})
    with pytest.raises(MalformedArtifactError, match="custom code"):
        load_gpt2_model(bad)


def test_family_mismatch_is_an_error(tinyllama_dir):
    from codex_ml.offline.models.hf import load_gpt2_model

    with pytest.raises(MalformedArtifactError, match="not a gpt2 model"):
        load_gpt2_model(tinyllama_dir)


def test_minilm_round_trips_through_safetensors(tmp_path):
    model = models.resolve_and_instantiate("MiniLM", n_embd=32, n_layer=1, block_size=32)
    model.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors", "tokenizer_config.json"]
    again = models.resolve_and_instantiate("offline:minilm", path=tmp_path)
    assert again.perplexity(["some text"]) == pytest.approx(model.perplexity(["some text"]))
    assert models.get("MiniLM").requires == ("torch", "safetensors")
