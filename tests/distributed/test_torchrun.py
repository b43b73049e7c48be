"""torchrun on CPU (gloo): two processes train like one with the same global batch; FSDP trains, checkpoints, resumes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from guards import require_torch

torch = require_torch()

MINILM = ["model=offline/minilm", "+model.kwargs.n_layer=1", "+model.kwargs.n_embd=32", "+model.kwargs.n_head=2",
          "+model.kwargs.block_size=32", "evaluation.dataset=null", "rollout.max_records=1"]
STEPS = 4


def _corpus(tmp_path: Path) -> Path:
    lines = [f"Document {i}: the quick brown fox number {i * 7 % 13} jumps over {i % 5} lazy dogs." for i in range(60)]
    path = tmp_path / "corpus.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_") or k == "CODEX_ML_PROJECT_ROOT"}
    env.update(CODEX_ML_PLUGIN_CACHE="0", CODEX_ML_CACHE_DIR=str(tmp_path / "cache"), OMP_NUM_THREADS="1")
    return env


def _train(tmp_path: Path, name: str, nproc: int, extra: list[str]) -> subprocess.CompletedProcess:
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}"] if nproc > 1 \
        else [sys.executable]
    args = [*launcher, "-m", "codex_ml.cli", "train", "--quiet", *MINILM, f"dataset_loader.path={_corpus(tmp_path)}",
            f"output_dir={tmp_path / name}", f"training.max_steps={STEPS}", "training.block_size=16",
            "training.eval_fraction=0", "training.log_interval=1", "training.learning_rate=0.01", *extra]
    return subprocess.run(args, cwd=tmp_path, env=_env(tmp_path), capture_output=True, text=True, timeout=240,
                          check=False)


def _losses(run: Path) -> list[float]:
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    return [row["loss"] for row in rows if row.get("phase") == "train"]


def _resume_from_step_two(tmp_path: Path, name: str, args: list[str]) -> dict:
    """Drop the step-4 checkpoint and the final model of run ``name``, resume it under the same world size
    and return the final weights; checks it started from checkpoint 2."""
    import shutil

    from safetensors.torch import load_file

    checkpoints = sorted((tmp_path / name / "checkpoints").iterdir())
    assert [p.name for p in checkpoints] == ["checkpoint-00000002", "checkpoint-00000004"]
    shutil.rmtree(checkpoints[-1])
    shutil.rmtree(tmp_path / name / "final")
    resumed = _train(tmp_path, name, 2, [*args, "training.resume=true"])
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    again = json.loads((tmp_path / name / "summary.json").read_text())["training"]
    assert again["start_step"] == 2 and again["resumed_from"].endswith("checkpoint-00000002")
    return load_file(tmp_path / name / "final" / "model.safetensors")


def test_two_gloo_processes_match_one_process_with_the_same_global_batch(tmp_path):
    single = _train(tmp_path, "one", 1, ["training.batch_size=4", "training.gradient_accumulation_steps=2"])
    assert single.returncode == 0, single.stderr[-3000:]
    two_procs = ["training.batch_size=2", "training.gradient_accumulation_steps=2", "training.checkpoint_interval=2"]
    double = _train(tmp_path, "two", 2, two_procs)
    assert double.returncode == 0, double.stderr[-3000:]
    one, two = _losses(tmp_path / "one"), _losses(tmp_path / "two")
    assert len(one) == len(two) == STEPS
    for a, b in zip(one, two):
        assert abs(a - b) <= 1e-4 * abs(a), (one, two)
    assert one[-1] < one[0]  # it trained
    summary = json.loads((tmp_path / "two" / "summary.json").read_text())
    assert summary["world_size"] == 2 and summary["training"]["world_size"] == 2
    assert summary["training"]["global_batch_size"] == 8 and summary["training"]["per_device_batch_size"] == 2
    assert json.loads((tmp_path / "two" / "runtime.json").read_text())["world_size"] == 2
    # rank 0 alone wrote: one run directory, one final model; no stray timestamped run from rank 1
    assert not (tmp_path / "runs").exists()
    assert (tmp_path / "two" / "final" / "model.safetensors").is_file()
    from safetensors.torch import load_file

    a, b = load_file(tmp_path / "one" / "final" / "model.safetensors"), load_file(tmp_path / "two" / "final" / "model.safetensors")
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)

    # resume on the same world size, from step 2
    c = _resume_from_step_two(tmp_path, "two", two_procs)
    assert all(torch.equal(b[k], c[k]) for k in b)


def test_a_world_size_that_does_not_divide_the_global_batch_is_refused_before_writing(tmp_path):
    result = _train(tmp_path, "bad", 2, ["training.global_batch_size=6", "training.gradient_accumulation_steps=2"])
    assert result.returncode != 0
    assert "global_batch_size=6 is not divisible by world size 2 x gradient_accumulation_steps 2" in result.stderr
    assert not (tmp_path / "bad").exists()


def test_fsdp_trains_checkpoints_and_resumes_on_cpu(tmp_path):
    from torch.distributed import fsdp  # noqa: F401

    fsdp_args = ["training.batch_size=2", "training.strategy=fsdp", "training.checkpoint_interval=2"]
    result = _train(tmp_path, "fsdp", 2, fsdp_args)
    if result.returncode != 0 and "gloo" in result.stderr and "not supported" in result.stderr.lower():
        pytest.skip(f"this torch cannot run FSDP on CPU with gloo: {result.stderr.splitlines()[-1]}")
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads((tmp_path / "fsdp" / "summary.json").read_text())
    assert summary["training"]["strategy"] == "fsdp" and summary["world_size"] == 2
    losses = _losses(tmp_path / "fsdp")
    assert len(losses) == STEPS and losses[-1] < losses[0]
    assert (tmp_path / "fsdp" / "final" / "model.safetensors").is_file()

    # the checkpoints hold the full (gathered) state; a resume from step 2 ends where the straight run did
    from safetensors.torch import load_file

    state = json.loads((tmp_path / "fsdp" / "checkpoints" / "checkpoint-00000002" / "trainer_state.json").read_text())
    assert state["sharded"] is True
    straight = load_file(tmp_path / "fsdp" / "final" / "model.safetensors")
    after = _resume_from_step_two(tmp_path, "fsdp", fsdp_args)
    assert all(torch.allclose(straight[k], after[k], atol=1e-6) for k in straight)
    assert _losses(tmp_path / "fsdp") == pytest.approx(losses, rel=1e-5)

    # an FSDP checkpoint does not resume a DDP run: the strategy is part of the configuration, and even
    # force_resume=true cannot load a name-keyed optimizer state into an unsharded one
    ddp = ["training.batch_size=2", "training.strategy=ddp", "training.checkpoint_interval=2", "training.resume=true"]
    refused = _train(tmp_path, "fsdp", 2, ddp)
    assert refused.returncode != 0 and "configuration differs (strategy)" in refused.stderr
    forced = _train(tmp_path, "fsdp", 2, [*ddp, "training.force_resume=true"])
    assert forced.returncode != 0
    assert "an FSDP checkpoint cannot resume a DDP or one-process run" in " ".join(forced.stderr.split())
    assert forced.stderr.startswith("error: ")  # the project's one-line error (torchrun then adds its own report)
