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
    scores = model.loglikelihood([("The answer is", " yes"), ("The answer is", " no")])
    assert len(scores) == 2 and all(value < 0 and isinstance(greedy, bool) for value, greedy in scores)
    assert model.loglikelihood_rolling([text])[0] < 0
    assert math.isfinite(model.perplexity(["hello world", text]))
    assert any(p.requires_grad for p in model.parameters())
    assert os.environ["HF_HUB_OFFLINE"] == "1"


def test_kind_directory_variable_and_explicit_path(gpt2_dir, monkeypatch):
    monkeypatch.setenv("CODEX_ML_OFFLINE_MODELS_DIR", str(gpt2_dir.parent))
    assert models.resolve_and_instantiate("offline:gpt2").source == gpt2_dir
    assert models.resolve_and_instantiate("offline:tinyllama", path=gpt2_dir.parent / "tinyllama").family == "tinyllama"


def _copy(src, dst, **config_changes):
    """A copy with a changed config.json and no manifest.json (which would refuse it first)."""
    shutil.copytree(src, dst)
    (dst / "manifest.json").unlink()
    config = json.loads((dst / "config.json").read_text())
    config.update(config_changes)
    (dst / "config.json").write_text(json.dumps(config))
    return dst


def test_custom_code_is_never_run(gpt2_dir, tmp_path):
    from guards import load_gpt2_model

    bad = _copy(gpt2_dir, tmp_path / "gpt2", auto_map={"AutoModelForCausalLM": "evil.Model"})
    with pytest.raises(MalformedArtifactError, match="custom code"):
        load_gpt2_model(bad)


def test_family_mismatch_is_an_error(tinyllama_dir):
    from guards import load_gpt2_model

    with pytest.raises(MalformedArtifactError, match="not a gpt2 model"):
        load_gpt2_model(tinyllama_dir)


def test_minilm_round_trips_through_safetensors(tmp_path):
    model = models.resolve_and_instantiate("MiniLM", n_embd=32, n_layer=1, block_size=32)
    model.save_pretrained(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors", "tokenizer_config.json"]
    again = models.resolve_and_instantiate("offline:minilm", path=tmp_path)
    assert again.perplexity(["some text"]) == pytest.approx(model.perplexity(["some text"]))
    assert models.get("MiniLM").requires == ("torch", "safetensors")


def test_a_directory_that_differs_from_its_manifest_is_refused(gpt2_dir, tmp_path, monkeypatch):
    from codex_ml.errors import ArtifactModifiedError
    from guards import load_gpt2_model, load_gpt2_tokenizer

    copy = tmp_path / "gpt2"
    shutil.copytree(gpt2_dir, copy)
    (copy / "merges.txt").write_text((copy / "merges.txt").read_text() + "x y\n")
    for load in (load_gpt2_model, load_gpt2_tokenizer):
        with pytest.raises(ArtifactModifiedError, match=r"modified: merges\.txt") as info:
            load(copy)
        assert "model.safetensors" not in str(info.value)  # only the differing file is named
    monkeypatch.setenv("CODEX_ML_ALLOW_MODIFIED_ARTIFACTS", "1")
    assert load_gpt2_model(copy).source == copy


def test_a_minilm_directory_that_differs_from_its_manifest_is_refused(tmp_path, monkeypatch):
    from codex_ml.artifacts.manifest import write_manifest
    from codex_ml.errors import ArtifactModifiedError

    models.resolve_and_instantiate("MiniLM", n_embd=32, n_layer=1, block_size=32).save_pretrained(tmp_path)
    write_manifest(tmp_path, name="minilm", source="test")
    config = json.loads((tmp_path / "config.json").read_text())
    (tmp_path / "config.json").write_text(json.dumps({**config, "dropout": 0.5}))
    with pytest.raises(ArtifactModifiedError, match=r"modified: config\.json"):
        models.resolve_and_instantiate("offline:minilm", path=tmp_path)
    monkeypatch.setenv("CODEX_ML_ALLOW_MODIFIED_ARTIFACTS", "1")
    assert models.resolve_and_instantiate("offline:minilm", path=tmp_path).module.config.dropout == 0.5


def test_gpt2_runs_the_fused_tanh_gelu_and_computes_what_transformers_computes(gpt2_dir):
    import transformers
    from codex_ml.offline.models.hf import load_gpt2_model

    loaded = load_gpt2_model(gpt2_dir).module
    plain = transformers.GPT2LMHeadModel.from_pretrained(gpt2_dir, local_files_only=True).eval()
    kinds = {type(m).__name__ for m in loaded.modules()}
    assert "GELUTanh" in kinds and "NewGELUActivation" not in kinds
    assert "NewGELUActivation" in {type(m).__name__ for m in plain.modules()}
    assert loaded.config.activation_function == plain.config.activation_function  # what is saved is unchanged
    ids = torch.randint(0, plain.config.vocab_size, (2, 24))
    with torch.no_grad():
        torch.testing.assert_close(loaded(input_ids=ids).logits, plain(input_ids=ids).logits, atol=1e-5, rtol=1e-5)
