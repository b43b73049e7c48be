"""``evaluate -cn config metrics/offline/weighted_accuracy`` and the files it writes."""
from __future__ import annotations

import pytest
from pipeline_helpers import ENTRY_POINTS, cli_env, only_run_dir, read_json, read_jsonl, run_cli


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_evaluate_with_weighted_accuracy(tmp_path, entry):
    result = run_cli(["evaluate", "-cn", "config", "metrics/offline/weighted_accuracy"], tmp_path, entry=entry)
    assert result.returncode == 0, result.stderr
    run = only_run_dir(tmp_path)
    results = read_json(run / "results.json")
    assert {k: v["value"] for k, v in results["scores"].items()} == pytest.approx(
        {"accuracy": 0.7, "exact_match": 0.8, "weighted_accuracy": 9 / 13})
    assert results["scores"]["weighted_accuracy"]["metric"] == "offline:weighted-accuracy"
    assert results["method"] == "generate" and results["n_samples"] == 10 and results["n_correct"] == 7
    assert results["labels"] == {"positive": 6, "negative": 4}
    assert results["config"]["metrics"]["weighted_accuracy"]["plugin"] == "offline:weighted-accuracy"
    assert results["versions"]["codex-ml-offline-metrics"]
    assert results["seeds"]["seed"] == 0
    assert results["time_taken_seconds"] >= 0
    assert {a["role"] for a in results["artefacts"]} == {"model", "evaluation.dataset", "metrics.weighted_accuracy"}
    assert read_json(run / "overrides.json")["hydra_overrides"] == ["+metrics@metrics.weighted_accuracy=offline/weighted_accuracy"]

    samples = read_jsonl(run / "samples.jsonl")
    assert len(samples) == 10
    assert samples[0] == {"index": 0, "prompt": "hello", "target": "offline world", "label": "positive",
                          "prediction": "offline world", "correct": True}
    assert sum(s["correct"] for s in samples) == 7
    assert samples[7]["prediction"] == "tiny offline model" and samples[7]["target"] == "Tiny offline model."


def test_evaluation_set_from_a_file(tmp_path):
    data = tmp_path / "eval.jsonl"
    data.write_text('{"prompt": "hello", "target": "offline world"}\n\n{"prompt": "x", "target": "y", "label": "negative"}\n')
    result = run_cli(["evaluate", "-q", f"evaluation.dataset.path={data}", "~metrics.exact_match"], tmp_path)
    assert result.returncode == 0, result.stderr
    results = read_json(only_run_dir(tmp_path) / "results.json")
    assert results["n_samples"] == 2 and set(results["scores"]) == {"accuracy"}
    assert results["scores"]["accuracy"]["value"] == 0.5


def test_malformed_evaluation_set_names_file_and_line(tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"prompt": "a", "target": "b"}\n{"prompt": "a"}\n')
    result = run_cli(["evaluate", f"evaluation.dataset.path={data}"], tmp_path, env=cli_env())
    assert result.returncode == 1
    assert f"{data}:2: missing required key 'target'" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "runs").exists()
