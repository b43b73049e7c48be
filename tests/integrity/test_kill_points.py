"""Saves that survive kill -9 (issue 14, items 3 and 4): a run killed at each phase of a save, then
resumed, ends with the same weights and the same metrics.jsonl lines as a run never interrupted.

The kill comes from the fault points in codex_ml.runs.saves (CODEX_ML_FAULT_AT=<point>:<n>: SIGKILL the
n-th time that point is reached). With max_steps=6 and checkpoint_interval=2 a run saves checkpoints
2, 4, 6 and then final/: save 2 is checkpoint 4, save 4 is final/.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from guards import require_torch
from pipeline_helpers import cli_env, metrics_without, run_cli, save_leftovers

require_torch()
from codex_ml.artifacts.manifest import verify

ARGS = ["train", "-q", "--skip-doctor", "model=offline/minilm", "training.max_steps=6", "training.checkpoint_interval=2",
        "training.log_interval=1", "training.keep_checkpoints=2"]
#: Wall-clock measurements differ between any two runs; everything else must match exactly.
TIMING = {"tokens_per_second"}


def metrics(run: Path) -> list[dict]:
    return metrics_without(run, TIMING)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    where = tmp_path_factory.mktemp("straight")
    result = run_cli([*ARGS, f"output_dir={where / 'run'}"], where)
    assert result.returncode == 0, result.stderr
    return where / "run"


@pytest.mark.parametrize("fault", [
    "save:before-rename:2",   # checkpoint-4 half written
    "save:during-rename:4",   # final/ complete beside its place, not yet renamed
    "save:after-rename:2",    # checkpoint-4 in place, not yet pruned or reported
])
def test_resume_after_kill_matches_an_uninterrupted_run(tmp_path: Path, uninterrupted: Path, fault: str):
    run = tmp_path / "run"
    killed = run_cli([*ARGS, f"output_dir={run}"], tmp_path, env=cli_env(CODEX_ML_FAULT_AT=fault))
    assert killed.returncode == -9, killed.stderr  # SIGKILL: no cleanup ran
    for folder in [run / "final", *sorted((run / "checkpoints").glob("checkpoint-*"))]:
        if folder.exists():  # whatever has its final name is complete: it matches its manifest
            assert verify(folder).ok, folder
    resumed = run_cli([*ARGS, f"output_dir={run}", "training.resume=true"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert save_leftovers(run) == []  # the interrupted save's temporary folder was removed at start
    assert metrics(run) == metrics(uninterrupted)
    assert (run / "final" / "model.safetensors").read_bytes() == (uninterrupted / "final" / "model.safetensors").read_bytes()
    assert json.loads((run / "final" / "manifest.json").read_text())["files"].keys() >= {"model.safetensors"}
