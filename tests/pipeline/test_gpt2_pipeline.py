"""The catalogue on a synthesised GPT-2 (real format, tiny size): training updates the model, evaluation
scores candidates by log-likelihood, and provenance hashes the weights. Skipped without torch."""
from __future__ import annotations

import pytest
from guards import require

require("transformers")

from pipeline_helpers import cli_env, only_run_dir, read_json, read_jsonl, run_cli

TEXTS = ["hello world", "offline first", "fixtures are tiny", "catalogue ready", "tiny offline model"] * 40


@pytest.fixture(scope="module")
def gpt2_root(tmp_path_factory):
    from codex_ml.offline.models.synth import synth_gpt2

    root = tmp_path_factory.mktemp("gpt2-root")
    synth_gpt2(root, texts=TEXTS, vocab_size=300, n_layer=1, n_head=2, n_embd=32, n_positions=64)
    return root


def test_catalogue_trains_and_evaluates_gpt2(gpt2_root, tmp_path):
    env = cli_env(CODEX_ML_PROJECT_ROOT=str(gpt2_root))
    result = run_cli(["train", "-cn", "offline/catalogue", "-q", "training.max_steps=2", "training.block_size=16"], tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    run = only_run_dir(tmp_path)
    summary = read_json(run / "summary.json")
    assert summary["trained"] is True and summary["training"]["steps"] == 2
    assert summary["evaluation"]["method"] == "loglikelihood"
    assert (run / "final").is_dir()
    assert [line["step"] for line in read_jsonl(run / "metrics.jsonl") if line["phase"] == "train" and "step" in line]
    provenance = read_json(run / "provenance.json")
    assert "torch" in provenance["libraries"] and "transformers" in provenance["libraries"]
    model_files = {f["path"].rsplit("/", 1)[-1] for a in provenance["artefacts"] if a["role"] == "model" for f in a["files"]}
    assert {"config.json", "model.safetensors"} <= model_files

    result = run_cli(["evaluate", "-cn", "offline/catalogue", "-q", f"output_dir={tmp_path / 'eval'}"], tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    results = read_json(tmp_path / "eval" / "results.json")
    assert results["method"] == "loglikelihood" and results["n_samples"] == 10
    assert set(results["scores"]) == {"weighted_accuracy", "accuracy", "exact_match", "acc", "acc_stderr", "acc_norm",
                                      "acc_norm_stderr"}
    samples = read_jsonl(tmp_path / "eval" / "samples.jsonl")
    assert all(len(s["choices"]) == len(s["loglikelihoods"]) == len(s["is_greedy"]) == 4 for s in samples)
    assert all(s["prediction"] == s["choices"][s["loglikelihoods"].index(max(s["loglikelihoods"]))] for s in samples)
    assert results["scores"]["acc"]["value"] == sum(s["acc"] for s in samples) / 10
