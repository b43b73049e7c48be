"""The guide's commands, run as a user would, on the tiny stack (no torch needed)."""
from __future__ import annotations

import hashlib
import sys

import pytest
import yaml
from pipeline_helpers import ENTRY_POINTS, cli_env, only_run_dir, read_json, read_jsonl, run_cli

DISTRIBUTIONS = {"codex-ml", "codex-ml-offline-models", "codex-ml-offline-data", "codex-ml-offline-metrics",
                 "codex-ml-offline-training", "codex-ml-offline-rl"}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_tiny_fixtures_runs_the_whole_pipeline(tmp_path, entry):
    result = run_cli(["train", "-cn", "offline/tiny_fixtures"], tmp_path, entry=entry)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    run = only_run_dir(tmp_path)
    assert run.name.endswith("-offline-tiny_fixtures")
    assert {p.name for p in run.iterdir()} >= {"config.yaml", "overrides.json", "metrics.jsonl", "summary.json", "provenance.json"}

    config = yaml.safe_load((run / "config.yaml").read_text())
    assert config["model"]["plugin"] == "offline:tiny-sequence"
    assert config["reward_model"]["plugin"] == "offline:length"
    assert read_json(run / "overrides.json") == {"config_name": "offline/tiny_fixtures", "arguments": [], "hydra_overrides": []}

    lines = read_jsonl(run / "metrics.jsonl")
    train = [line for line in lines if line["phase"] == "train"]
    assert [line["step"] for line in train] == [1, 2, 3]  # max_steps 3, log_interval 1 from trainer_functional.json
    rollouts = [line for line in lines if line["phase"] == "rollout"]
    assert [r["prompt"] for r in rollouts] == ["hello world", "offline first", "fixtures are tiny"]
    # the scripted agent is the policy of the rollout: it replays 1, 0, 1 as one-token completions
    assert [r["completion"] for r in rollouts] == ["1", "0", "1"]
    assert [r["completion_tokens"] for r in rollouts] == [1, 1, 1]
    assert [r["reward"] for r in rollouts] == [1.0 + 0.25 * len(r["completion"]) for r in rollouts]

    summary = read_json(run / "summary.json")
    assert summary["trained"] is False and "no trainable parameters" in summary["training"]["reason"]
    assert summary["rollouts"]["mean_reward"] == pytest.approx(sum(r["reward"] for r in rollouts) / 3)
    scores = {k: v["value"] for k, v in summary["evaluation"]["scores"].items()}
    assert scores == pytest.approx({"accuracy": 0.7, "exact_match": 0.8, "weighted_accuracy": 9 / 13})

    provenance = read_json(run / "provenance.json")
    assert DISTRIBUTIONS <= set(provenance["distributions"])
    assert provenance["python"]["version"] == ".".join(map(str, sys.version_info[:3]))
    assert "torch" not in provenance["libraries"] and "transformers" not in provenance["libraries"]
    assert provenance["seeds"] == {"seed": 0, "dataset_loader.seed": 7, "training.seed": 0}
    roles = {a["role"]: a for a in provenance["artefacts"]}
    assert set(roles) == {"tokenizer", "model", "dataset_loader", "training", "reward_model", "rl_agent",
                          "evaluation.dataset", "metrics.weighted_accuracy"}
    for artefact in roles.values():
        for entry_file in artefact["files"]:
            with open(entry_file["path"], "rb") as handle:
                assert hashlib.sha256(handle.read()).hexdigest() == entry_file["sha256"]


def test_trainer_settings_are_honoured(tmp_path):
    result = run_cli(["train", "-cn", "offline/tiny_fixtures", "-q", "training.max_steps=4", "training.log_interval=2",
                      "training.gradient_accumulation_steps=2"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # --quiet
    run = only_run_dir(tmp_path)
    train = [line for line in read_jsonl(run / "metrics.jsonl") if line["phase"] == "train"]
    assert [(line["step"], line["records"]) for line in train] == [(2, 4), (4, 4)]
    assert read_json(run / "summary.json")["training"]["records_seen"] == 8


@pytest.mark.parametrize("limit, expected", [("0", 0), ("2", 2)])
def test_rollout_max_records_zero_skips_the_stage_and_n_rolls_out_n(tmp_path, limit, expected):
    result = run_cli(["train", "-cn", "offline/tiny_fixtures", "-q", f"rollout.max_records={limit}"], tmp_path)
    assert result.returncode == 0, result.stderr
    run = only_run_dir(tmp_path)
    assert read_json(run / "summary.json")["rollouts"]["records"] == expected
    assert sum(line["phase"] == "rollout" for line in read_jsonl(run / "metrics.jsonl")) == expected


def test_output_dir_and_opt_outs(tmp_path):
    corpus = tmp_path / "mine.txt"
    corpus.write_text("hello again\nsomething new\n")
    out = tmp_path / "chosen"
    result = run_cli(["train", "-cn", "offline/tiny_fixtures", f"output_dir={out}", f"dataset_loader.path={corpus}",
                      "reward_model.plugin=offline:heuristic"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "runs").exists()
    rollouts = [line for line in read_jsonl(out / "metrics.jsonl") if line["phase"] == "rollout"]
    assert [r["prompt"] for r in rollouts] == ["hello again", "something new"]
    assert all(-1.0 <= r["reward"] <= 1.0 for r in rollouts)  # the heuristic clamps; length would give 4.25
    provenance = read_json(out / "provenance.json")
    dataset = next(a for a in provenance["artefacts"] if a["role"] == "dataset_loader")
    assert dataset["files"][0]["sha256"] == hashlib.sha256(corpus.read_bytes()).hexdigest()
    assert provenance["components"]["reward_model"] == "offline:heuristic"


def test_catalogue_variable_overrides_its_file(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("offline only\n")
    result = run_cli(["train", "-q"], tmp_path, env=cli_env(CODEX_ML_TINY_CORPUS_PATH=str(corpus)))
    assert result.returncode == 0, result.stderr
    run = only_run_dir(tmp_path)
    assert yaml.safe_load((run / "config.yaml").read_text())["dataset_loader"]["path"] is None
    read = {a["role"]: a["path"] for a in read_json(run / "provenance.json")["artefacts"]}
    assert read["dataset_loader"] == str(corpus)  # the resolver found it through the variable
    rollouts = [line for line in read_jsonl(run / "metrics.jsonl") if line["phase"] == "rollout"]
    assert [r["prompt"] for r in rollouts] == ["offline only"]


def test_git_state_is_recorded_inside_a_repository(tmp_path):
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "notes.txt").write_text("x\n")
    subprocess.run([*git, "add", "notes.txt"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "init"], cwd=tmp_path, check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True, check=False).stdout.strip()
    (tmp_path / "notes.txt").write_text("changed\n")
    result = run_cli(["train", "-q"], tmp_path)
    assert result.returncode == 0, result.stderr
    git_state = read_json(only_run_dir(tmp_path) / "provenance.json")["git"]
    assert git_state == {"commit": head, "dirty": True}
