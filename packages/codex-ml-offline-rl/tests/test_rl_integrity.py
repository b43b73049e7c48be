"""The RL loop's run directory keeps the trainer's promises (issue 14): a kill -9 at a save phase, then
a resume, ends with the same weights and metrics.jsonl lines as an uninterrupted run; pruning deletes
only this run's checkpoints; a non-finite loss stops the run keeping the last good checkpoint.

The kill comes from the core's fault points (CODEX_ML_FAULT_AT=<point>:<n>: SIGKILL the n-th time that
point is reached). With rl.steps=4 and rl.checkpoint_interval=2 a run saves checkpoint-2, checkpoint-4
and then final/: save 2 is checkpoint-4, save 3 is final/.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from guards import require_torch
from pipeline_helpers import cli_env, metrics_without, run_cli, save_leftovers
from rl_helpers import compose_rl

torch = require_torch()

from codex_ml.artifacts.manifest import verify
from codex_ml.errors import NonFiniteLossError
from codex_ml.offline.rl.loop import run_rl

COMMON = ("rl.steps=4", "rl.checkpoint_interval=2", "rl.keep_checkpoints=2", "rl_agent.inner_steps=2",
          "rl_agent.kl_coef=0.05")
#: Wall-clock measurements differ between any two runs; everything else must match exactly.
TIMING = {"act_seconds", "update_seconds", "completion_tokens_per_second"}


def metrics(run: Path) -> list[dict]:
    return metrics_without(run, TIMING)


def checkpoint_names(run: Path) -> list[str]:
    return sorted(p.name for p in (run / "checkpoints").iterdir())


def final_weights(run: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(run / "final" / "model.safetensors"))


@pytest.fixture(scope="module")
def uninterrupted(policy_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("straight") / "run"
    run_rl(compose_rl(policy_dir, run, *COMMON), quiet=True)
    return run


@pytest.mark.parametrize("fault", [
    "save:before-rename:2",  # checkpoint-4 half written in its temporary folder
    "save:during-rename:3",  # final/ complete beside its place, not yet renamed
])  # save:after-rename is the same code path in codex_ml.runs.saves, killed in tests/integrity/test_kill_points.py
def test_resume_after_kill_matches_an_uninterrupted_run(policy_dir: Path, uninterrupted: Path, tmp_path: Path,
                                                        fault: str):
    run = tmp_path / "run"
    args = ["rl", "-q", "--skip-doctor", "-cn", "offline/rl", f"rl_agent.model_path={policy_dir}",
            f"output_dir={run}", *COMMON]
    killed = run_cli(args, tmp_path, env=cli_env(CODEX_ML_FAULT_AT=fault))
    assert killed.returncode == -9, killed.stderr  # SIGKILL: no cleanup ran
    assert not (run / "final").exists()
    for folder in sorted((run / "checkpoints").glob("checkpoint-*")):  # what has its final name is complete
        assert verify(folder).ok, folder
    summary = run_rl(compose_rl(policy_dir, run, *COMMON, "rl.resume=true"), quiet=True)
    assert summary["resumed_from"] is not None
    assert save_leftovers(run) == []  # the interrupted save's temporary folder was removed at start
    assert metrics(run) == metrics(uninterrupted)
    a, b = final_weights(run), final_weights(uninterrupted)
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    assert checkpoint_names(run) == checkpoint_names(uninterrupted) == ["checkpoint-00000002", "checkpoint-00000004"]
    for folder in [run / "final", *(run / "checkpoints").iterdir()]:
        assert verify(folder).ok, folder  # manifest.json written last covers every file
    assert "model.safetensors" in json.loads((run / "final" / "manifest.json").read_text())["files"]


def test_final_policy_loads_with_plain_transformers(uninterrupted: Path):
    from transformers import AutoModelForCausalLM

    model = AutoModelForCausalLM.from_pretrained(uninterrupted / "final")
    assert model.config.n_layer == 2


def test_pruning_deletes_only_checkpoints_this_run_wrote(policy_dir: Path, tmp_path: Path):
    run = tmp_path / "run"
    common = ("rl_agent.inner_steps=1", "rl.keep_checkpoints=1", "rl.checkpoint_interval=1")
    run_rl(compose_rl(policy_dir, run, "rl.steps=2", *common), quiet=True)
    assert checkpoint_names(run) == ["checkpoint-00000002"]
    foreign = run / "checkpoints" / "checkpoint-00000001"  # another run's, placed here by hand
    foreign.mkdir()
    state = json.loads((run / "checkpoints" / "checkpoint-00000002" / "loop_state.json").read_text())
    (foreign / "loop_state.json").write_text(json.dumps({**state, "step": 1}))
    run_rl(compose_rl(policy_dir, run, "rl.steps=4", "rl.resume=true", *common), quiet=True)
    # this attempt wrote 3 and 4 and keeps the newest; the other run's and the earlier attempt's stay
    assert checkpoint_names(run) == ["checkpoint-00000001", "checkpoint-00000002", "checkpoint-00000004"]


def test_a_non_finite_loss_stops_the_run_keeping_the_last_good_checkpoint(policy_dir: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch):
    from codex_ml.offline.rl.policy_agent import PolicyGradientAgent

    real, calls = PolicyGradientAgent.update, []

    def diverging(self, trajectory):
        calls.append(1)
        stats = real(self, trajectory)
        return {**stats, "loss": math.nan} if len(calls) == 3 else stats

    monkeypatch.setattr(PolicyGradientAgent, "update", diverging)
    run = tmp_path / "run"
    with pytest.raises(NonFiniteLossError, match="at step 3; stopped without saving"):
        run_rl(compose_rl(policy_dir, run, "rl.steps=4", "rl.checkpoint_interval=2", "rl_agent.inner_steps=1"),
               quiet=True)
    assert checkpoint_names(run) == ["checkpoint-00000002"] and not (run / "final").exists()
    last = metrics(run)[-1]
    assert last["step"] == 3 and last["loss"] is None and last["non_finite"] == ["loss=nan"]
    assert (run / "failed.json").is_file()
