"""GRPO/RLOO through the RL loop on a tiny GPT-2: learning, exact resume, the run directory, bad input."""

from __future__ import annotations

import json
import math
import statistics

import pytest
from guards import require_torch
from rl_helpers import compose_rl

torch = require_torch()

from codex_ml.errors import CodexMLError, NonFiniteRewardError, RecordSchemaError, RLConfigError
from codex_ml.offline.rl.loop import run_rl


def metrics(run_dir):
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]


def test_grpo_raises_the_length_reward(policy_dir, tmp_path):
    out = tmp_path / "run"
    summary = run_rl(compose_rl(policy_dir, out, "rl.steps=50", "rl.checkpoint_interval=0"), quiet=True)
    rewards = [line["reward_mean"] for line in metrics(out)]
    assert len(rewards) == 50
    first, last = statistics.fmean(rewards[:10]), statistics.fmean(rewards[-10:])
    # offline:length is 1 + 0.25 x characters: the policy learns to sample longer-spelled tokens
    assert last > first + 1.5, (first, last)
    assert all(line["kl"] is None for line in metrics(out))  # kl_coef 0: no reference model, no KL
    assert summary["last_reward_mean"] == rewards[-1] and summary["skipped_steps"] == 0


def test_scripted_baseline_runs_through_the_same_loop_and_learns_nothing(policy_dir, tmp_path):
    out = tmp_path / "run"
    summary = run_rl(compose_rl(policy_dir, out, "rl_agent=offline/scripted", "rl.steps=4"), quiet=True)
    lines = metrics(out)
    assert [line["updated"] for line in lines] == [0.0] * 4 and summary["group_size"] == 1
    assert {line["reward_mean"] for line in lines} <= {1.25}  # one-character completions: 1 + 0.25
    assert (out / "final" / "policy.json").is_file()


def test_run_directory_and_metrics(policy_dir, tmp_path):
    out = tmp_path / "run"
    run_rl(
        compose_rl(
            policy_dir,
            out,
            "rl_agent=offline/rloo",
            "rl.steps=3",
            "rl.checkpoint_interval=2",
            "rl_agent.kl_coef=0.1",
            "+rewards.heuristic.plugin=offline:heuristic",
            "+reward_weights.heuristic=0.5",
        ),
        quiet=True,
    )
    assert {p.name for p in out.iterdir()} >= {
        "config.yaml",
        "overrides.json",
        "metrics.jsonl",
        "summary.json",
        "provenance.json",
        "checkpoints",
        "final",
    }
    line = metrics(out)[-1]
    for key in (
        "reward_mean",
        "reward_std",
        "reward_mean/length",
        "reward_std/length",
        "reward_mean/heuristic",
        "reward_std/heuristic",
        "completion_length",
        "zero_spread_fraction",
        "kl",
        "loss",
        "learning_rate",
    ):
        assert isinstance(line[key], float), key
    assert line["kl"] >= 0.0
    total = line["reward_mean/length"] + 0.5 * line["reward_mean/heuristic"]
    assert line["reward_mean"] == pytest.approx(total)
    assert [p.name for p in sorted((out / "checkpoints").iterdir())] == ["checkpoint-00000002", "checkpoint-00000003"]
    # the final policy loads with plain transformers
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(out / "final")
    tokenizer = AutoTokenizer.from_pretrained(out / "final")
    assert model.config.n_layer == 2 and tokenizer.decode(tokenizer.encode("hello")) == "hello"


def _final_weights(run_dir):
    from safetensors.torch import load_file

    return load_file(str(run_dir / "final" / "model.safetensors"))


def test_resume_is_bitwise_exact(policy_dir, tmp_path):
    whole, split = tmp_path / "whole", tmp_path / "split"
    common = ("rl.checkpoint_interval=0", "rl_agent.inner_steps=2", "rl_agent.kl_coef=0.05")
    run_rl(compose_rl(policy_dir, whole, "rl.steps=6", *common), quiet=True)
    run_rl(compose_rl(policy_dir, split, "rl.steps=3", *common), quiet=True)
    summary = run_rl(compose_rl(policy_dir, split, "rl.steps=6", "rl.resume=true", *common), quiet=True)
    assert summary["start_step"] == 3 and summary["resumed_from"].endswith("checkpoint-00000003")
    a, b = _final_weights(whole), _final_weights(split)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    keys = ("step", "reward_mean", "loss", "kl", "samples")
    assert [{k: line[k] for k in keys} for line in metrics(whole)] == [
        {k: line[k] for k in keys} for line in metrics(split)
    ]
    # `codex-ml runs show/list/plot` read the whole history, from step 1, not from the resumption
    from codex_ml.runs.reading import load_run

    run = load_run(split)
    headline, lines = run.headline(), metrics(split)
    assert headline["rl.first_reward_mean"] == lines[0]["reward_mean"] and headline["rl.steps"] == 6.0
    assert headline["rl.last_reward_mean"] == lines[-1]["reward_mean"]
    assert run.curves()["rl mean reward"] == ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [line["reward_mean"] for line in lines])


def test_resume_refuses_a_changed_configuration(policy_dir, tmp_path):
    out = tmp_path / "run"
    run_rl(compose_rl(policy_dir, out, "rl.steps=1"), quiet=True)
    with pytest.raises(RLConfigError, match="configuration differs"):
        run_rl(compose_rl(policy_dir, out, "rl.steps=2", "rl.resume=true", "rl_agent.learning_rate=0.1"), quiet=True)


def test_group_size_below_two_is_refused(policy_dir, tmp_path):
    with pytest.raises(CodexMLError, match=r"group_size=1: a group baseline needs G >= 2"):
        run_rl(compose_rl(policy_dir, tmp_path / "run", "rl_agent.group_size=1"), quiet=True)
    assert not (tmp_path / "run").exists()  # refused before a run directory was made


def test_empty_prompt_set_and_records_without_the_prompt_field(policy_dir, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(RLConfigError, match="prompt set .* is empty"):
        run_rl(compose_rl(policy_dir, tmp_path / "a", f"dataset_loader.path={empty}"), quiet=True)
    wrong = tmp_path / "wrong.jsonl"
    wrong.write_text(json.dumps({"prompt": "fine"}) + "\n" + json.dumps({"question": "where is it?"}) + "\n")
    with pytest.raises(RecordSchemaError, match=r"record 1 has no 'prompt' or 'text' field \(it has \['question'\]\)"):
        run_rl(compose_rl(policy_dir, tmp_path / "b", f"dataset_loader.path={wrong}"), quiet=True)
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"question": "where is it?", "text": "not this"}) + "\n")
    summary = run_rl(
        compose_rl(
            policy_dir,
            tmp_path / "c",
            f"dataset_loader.path={questions}",
            "rollout.prompt_field=question",
            "rl.steps=1",
        ),
        quiet=True,
    )
    assert summary["prompts"] == 1
    assert metrics(tmp_path / "c")[0]["samples"][0]["prompt"] == "where is it?"


def test_non_finite_rewards_are_skipped_then_stop_the_run(policy_dir, tmp_path, monkeypatch):
    from codex_ml.offline.rl.rewards import LengthRewardModel

    calls = []
    real = LengthRewardModel.score_batch

    def flaky(self, pairs):  # step 2 NaN once, then inf from step 4 on
        calls.append(1)
        values = real(self, pairs)
        if len(calls) == 2:
            return [math.nan] + values[1:]
        return [math.inf] * len(values) if len(calls) >= 4 else values

    monkeypatch.setattr(LengthRewardModel, "score_batch", flaky)
    out = tmp_path / "run"
    with pytest.raises(NonFiniteRewardError, match="2 steps in a row had a NaN or infinite reward") as caught:
        run_rl(compose_rl(policy_dir, out, "rl.steps=8", "rl.max_bad_steps=2", "rl.checkpoint_interval=0"), quiet=True)
    lines = metrics(out)
    assert [line.get("skipped", False) for line in lines] == [False, True, False, True, True]
    assert (
        lines[1]["reason"] == "non-finite reward for completion(s) [0]" and lines[1]["non_finite"][0]["length"] == "nan"
    )
    assert [line["updated"] for line in lines if not line.get("skipped")] == [1.0, 1.0]
    saved = out / "checkpoints" / "checkpoint-00000005"
    assert str(saved) in str(caught.value) and (saved / "agent" / "policy.safetensors").is_file()
    assert (out / "failed.json").is_file()


def test_completion_cap_must_leave_room_for_the_prompt(policy_dir, tmp_path):
    with pytest.raises(CodexMLError, match="max_new_tokens=64 leaves no room for the prompt in the model's context of 64"):
        run_rl(compose_rl(policy_dir, tmp_path / "run", "rl_agent.max_new_tokens=64"), quiet=True)


def test_rloo_advantages_are_leave_one_out():
    from codex_ml.offline.rl.advantages import advantages, zero_spread_fraction

    rewards, groups = [1.0, 2.0, 3.0, 5.0, 5.0], [0, 0, 0, 1, 1]
    assert advantages(rewards, groups, baseline="leave-one-out", scale=False) == [-1.5, 0.0, 1.5, 0.0, 0.0]
    grpo = advantages(rewards, groups, baseline="group", scale=True)
    assert grpo[:3] == pytest.approx([-1 / 1.0001, 0.0, 1 / 1.0001]) and grpo[3:] == [0.0, 0.0]
    assert zero_spread_fraction(rewards, groups) == 0.5


def test_settings_of_the_wrong_type_are_named_not_a_type_error():
    from codex_ml.errors import AgentSettingsError
    from codex_ml.offline.rl.loop import LoopSettings, _weights
    from codex_ml.offline.rl.policy_settings import PolicySettings

    with pytest.raises(AgentSettingsError, match=r"offline:grpo: group_size='abc': must be an integer; "
                                                 r"learning_rate='x': must be a number"):
        PolicySettings.build("offline:grpo", {}, {"group_size": "abc", "learning_rate": "x"})
    assert PolicySettings.build("offline:grpo", {}, {"temperature": 1, "model_path": None}).temperature == 1
    with pytest.raises(RLConfigError, match=r"rl.steps='abc': must be an integer"):
        LoopSettings.from_config({"steps": "abc"})
    with pytest.raises(RLConfigError, match=r"reward_weights.length='abc': must be a finite number"):
        _weights({"reward_weights": {"length": "abc"}}, ["length"])
    assert _weights({"reward_weights": {"length": 2}}, ["length", "other"]) == {"length": 2.0, "other": 1.0}
