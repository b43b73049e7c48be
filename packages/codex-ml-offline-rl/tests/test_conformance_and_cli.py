"""The new kinds pass the author kit's suites; `codex-ml rl` is a findable command with clean errors."""

from __future__ import annotations

import subprocess
import sys
from typing import ClassVar

import pytest
from guards import require_torch

require_torch()

from codex_ml.testing import RewardModelConformance, RLAgentConformance, TrainerConformance


class TestGRPOAgent(RLAgentConformance):
    component = "offline:grpo"
    learns = True

    @pytest.fixture(autouse=True)
    def _policy(self, policy_dir):
        self.policy_dir = policy_dir

    def build(self, **overrides):
        return super().build(model_path=str(self.policy_dir), max_new_tokens=4, group_size=2, **overrides)


class TestRLOOAgent(TestGRPOAgent):
    component = "offline:rloo"


class TestBradleyTerryReward(RewardModelConformance):
    component = "offline:bradley-terry"

    @pytest.fixture(autouse=True)
    def _reward_model(self, policy_dir, tmp_path_factory):
        from codex_ml.offline.rl.bradley_terry import BradleyTerrySettings, train_bradley_terry

        out = tmp_path_factory.mktemp("bt-conformance")
        pairs = [
            {"prompt": "q", "chosen": "good answer", "rejected": "bad"},
            {"prompt": "r", "chosen": "yes", "rejected": "no"},
        ]
        train_bradley_terry(pairs, policy_dir, out, BradleyTerrySettings(epochs=1))
        self.saved = out

    def build(self, **overrides):
        return super().build(path=str(self.saved), **overrides)


class TestBradleyTerryTrainer(TrainerConformance):
    """The trainer of the same name, on the tiny GPT-2 and the shipped pairs. It saves the reward model under
    the run's output_dir (the pipeline always passes one), so the suite's fit is given a temporary one."""

    component = "offline:bradley-terry"
    dataset = "offline:preferences"
    kwargs: ClassVar[dict] = {"epochs": 1, "batch_size": 32}

    @pytest.fixture(autouse=True)
    def _paths(self, policy_dir, tmp_path):
        self.policy_dir, self.output_dir = policy_dir, tmp_path

    def build_model(self):
        from codex_ml.plugins.registries import REGISTRIES

        return REGISTRIES["models"].resolve_and_instantiate("offline:gpt2", path=self.policy_dir)

    def _fit(self):
        logged = []
        summary = self.build().fit(
            self.build_model(), self.build_dataset(), log=logged.append, output_dir=self.output_dir
        )
        assert (self.output_dir / "reward_model" / "reward_config.json").is_file()
        return summary, logged


def _cli(*args, cwd):
    return subprocess.run(
        [sys.executable, "-m", "codex_ml.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_rl_command_runs_and_writes_a_run_directory(policy_dir, tmp_path):
    result = _cli(
        "rl",
        "-cn",
        "offline/rl",
        f"rl_agent.model_path={policy_dir}",
        "rl.steps=2",
        "rl_agent.max_new_tokens=4",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "offline:grpo: steps 0..2" in result.stdout and "final policy:" in result.stdout
    run = next((tmp_path / "runs").iterdir())
    assert run.name.endswith("-offline-rl") and (run / "final" / "model.safetensors").is_file()


def test_rl_command_errors_are_one_line(policy_dir, tmp_path):
    result = _cli("rl", "-cn", "offline/rl", f"rl_agent.model_path={policy_dir}", "rl_agent.group_size=1", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: offline:grpo: group_size=1: a group baseline needs G >= 2" in result.stderr
    assert "rl" in _cli("--help", cwd=tmp_path).stdout
    assert "[default: offline/rl]" in " ".join(_cli("rl", "--help", cwd=tmp_path).stdout.split())  # plain `codex-ml rl`
    result = _cli("rl", f"rl_agent.model_path={policy_dir}", "rl_agent.group_size=abc", cwd=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "error: offline:grpo: group_size='abc': must be an integer" in result.stderr


def test_a_pair_with_chosen_equal_to_rejected_is_a_one_line_error(policy_dir, tmp_path):
    same = tmp_path / "same.jsonl"
    same.write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n{"prompt": "p", "chosen": "x", "rejected": "x"}\n')
    result = _cli("train", "-q", "-cn", "offline/reward_model", f"model.path={policy_dir}", f"tokenizer.path={policy_dir}",
                  f"dataset_loader.path={same}", f"output_dir={tmp_path / 'reward'}", cwd=tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "error: preference record 1 has chosen equal to rejected ('x')" in result.stderr
    assert not (tmp_path / "reward" / "reward_model").exists()  # refused before any training
