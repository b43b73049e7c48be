"""The worked third-party example (fixtures/plugins/example), installed like a user would install it:
it is listed, its fragments compose into a train run, and it passes its own conformance suite."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from plugin_sites import FIXTURE_PLUGINS, install

TRAIN = ["train", "-q", "-cn", "config", "model=example/reverse", "tokenizer=example/chars", "data=example/greetings",
         "training=example/counting", "reward_model=example/vowels", "rl_agent=example/round_robin",
         "metrics/example/length_ratio"]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    site = install(tmp_path_factory.mktemp("site"), "example")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_")}
    return {**base, "PYTHONPATH": str(site), "CODEX_ML_PROJECT_ROOT": str(tmp_path_factory.mktemp("project"))}


def codex_ml(*args, env, cwd=None):
    return subprocess.run([sys.executable, "-m", "codex_ml.cli", *args], env=env, cwd=cwd, capture_output=True, text=True, check=False)


def test_listed_with_every_kind(env):
    doc = json.loads(codex_ml("plugins", "list", "--json", env=env).stdout)
    mine = {c["kind"] for c in doc["components"] if c["distribution"] == "codex-ml-example"}
    assert mine == {"tokenizers", "models", "datasets", "metrics", "trainers", "reward_models", "rl_agents"}


def test_fragments_compose_into_a_train_run(env, tmp_path):
    run_dir = tmp_path / "run"
    result = codex_ml(*TRAIN, f"output_dir={run_dir}", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    provenance = json.loads((run_dir / "provenance.json").read_text())
    assert provenance["components"]["model"] == "example:reverse"
    train_steps = [json.loads(line)["step"] for line in (run_dir / "metrics.jsonl").read_text().splitlines()
                   if json.loads(line).get("phase") == "train"]
    assert train_steps == [2, 4]  # example/counting: max_steps 4, log_interval 2
    rollout = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()
               if json.loads(line).get("phase") == "rollout"]
    # the round-robin agent is the rollout policy (actions 0, 1, 2 as completions), scored by the vowel reward
    assert [r["completion"] for r in rollout[:2]] == ["0", "1"] and rollout[0]["reward"] == 0.0


def test_passes_its_conformance_suite(env):
    tests = FIXTURE_PLUGINS / "example" / "tests"
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)], env=env,
                            cwd=tests.parent, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout and "failed" not in result.stdout
