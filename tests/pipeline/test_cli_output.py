"""What a run prints: --json gives exactly one JSON document on stdout; otherwise an end-of-run summary
(what ran, where it wrote, headline numbers); no progress bars when stderr is not a terminal."""
from __future__ import annotations

import json

import pytest
from pipeline_helpers import only_run_dir, read_json, run_cli


@pytest.mark.parametrize("command, written", [("train", "summary.json"), ("evaluate", "results.json")])
def test_json_prints_one_document_and_nothing_else(tmp_path, command, written):
    result = run_cli([command, "-cn", "offline/tiny_fixtures", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # fails on any other line on stdout
    run_dir = only_run_dir(tmp_path)
    assert document["output_dir"] == str(run_dir)
    on_disk = read_json(run_dir / written)
    assert document["scores" if command == "evaluate" else "evaluation"] == on_disk[
        "scores" if command == "evaluate" else "evaluation"]


def test_plugins_show_json_is_one_document(tmp_path):
    result = run_cli(["plugins", "show", "offline:tiny-vocab", "--json"], tmp_path)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    (entry,) = document["components"]
    assert document["name"] == "offline:tiny-vocab" and entry["kind"] == "tokenizers"
    assert entry["distribution"] == "codex-ml-offline-models" and entry["status"] == "ok"
    assert entry["source"].endswith("tiny_vocab.py")
    assert any(c["source"] == "packaged fixture" for c in entry["artefact"]["search_order"])


def test_train_ends_with_a_summary_of_what_ran_where_and_scores(tmp_path):
    result = run_cli(["train", "-cn", "offline/tiny_fixtures"], tmp_path)
    assert result.returncode == 0, result.stderr
    run_dir = only_run_dir(tmp_path)
    out = result.stdout
    assert "ran: train -cn offline/tiny_fixtures (model offline:tiny-sequence, trainer offline:functional)" in out
    assert f"run directory: {run_dir}" in out
    assert "evaluation: 10 samples, weighted_accuracy 0.6923, accuracy 0.7000" in out
    assert f"inspect: codex-ml runs show {run_dir}" in out
    assert "\r" not in result.stderr and "it/s" not in result.stderr  # not a terminal: no progress bars


def test_quiet_prints_nothing(tmp_path):
    result = run_cli(["train", "-q", "-cn", "offline/tiny_fixtures"], tmp_path)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
