"""Runs never clobber each other (issue 14, item 2): a lock per run directory, no silent overwrite,
pruning limited to what the run wrote. The CLI runs on the tiny stack (no torch) unless marked."""
from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from pipeline_helpers import ENTRY_POINTS, cli_env, read_jsonl, run_cli

TINY = ["train", "-q", "-cn", "offline/tiny_fixtures"]


def test_a_reused_output_dir_is_refused_not_overwritten(tmp_path: Path):
    out = tmp_path / "run"
    assert run_cli([*TINY, f"output_dir={out}"], tmp_path).returncode == 0
    files = lambda: {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != ".codex-ml.lock"}
    before = files()
    second = run_cli([*TINY, f"output_dir={out}", "seed=7"], tmp_path)
    assert second.returncode == 1
    assert "already holds a run" in second.stderr and "overwrite=true" in second.stderr
    assert "Traceback" not in second.stderr
    assert files() == before


def test_overwrite_true_replaces_and_resume_continues(tmp_path: Path):
    out = tmp_path / "run"
    assert run_cli([*TINY, f"output_dir={out}"], tmp_path).returncode == 0
    (out / "stale.txt").write_text("from the first run")
    replaced = run_cli([*TINY, f"output_dir={out}", "overwrite=true"], tmp_path)
    assert replaced.returncode == 0, replaced.stderr
    assert not (out / "stale.txt").exists()
    first = read_jsonl(out / "metrics.jsonl")
    resumed = run_cli([*TINY, f"output_dir={out}", "training.resume=true"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    assert read_jsonl(out / "metrics.jsonl") == first  # nothing to continue from: the same history, not two


def test_a_locked_run_directory_is_refused_naming_the_holder(tmp_path: Path):
    from codex_ml.runs.lock import RunLock

    out = tmp_path / "run"
    with RunLock.acquire(out):
        result = run_cli([*TINY, f"output_dir={out}"], tmp_path)
    assert result.returncode == 1
    assert f"in use by pid {os.getpid()} on {socket.gethostname()}, started " in result.stderr
    assert "Traceback" not in result.stderr


def test_four_concurrent_runs_into_one_directory(tmp_path: Path):
    out = tmp_path / "run"
    command = [*ENTRY_POINTS["module"], *TINY, f"output_dir={out}"]
    procs = [subprocess.Popen(command, cwd=tmp_path, env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(4)]
    results = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    for p in procs:
        p.stdout.close()
        p.stderr.close()
    codes = sorted(code for code, _ in results)
    assert codes == [0, 1, 1, 1], results
    for code, stderr in results:
        assert "Traceback" not in stderr
        if code == 1:
            assert "is in use by pid" in stderr or "already holds a run" in stderr, stderr
    lines = read_jsonl(out / "metrics.jsonl")  # the winner's history is whole: one run's lines, once
    assert [line["step"] for line in lines if line["phase"] == "train"] == [1, 2, 3]
    assert not (out / "failed.json").exists()


def test_default_run_directories_never_collide(tmp_path: Path):
    from datetime import datetime, timezone

    from codex_ml.runs.directory import default_run_path

    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    paths = [default_run_path("cfg", base=tmp_path, now=now) for _ in range(3)]
    assert len(set(paths)) == 3 and all(p.is_dir() for p in paths)


def test_pruning_deletes_only_checkpoints_this_run_wrote(tmp_path: Path):
    from guards import require_torch

    require_torch()
    from codex_ml.offline.data.lines import LineDataset
    from codex_ml.offline.models.minilm import load_minilm
    from guards import load_functional_trainer

    foreign = tmp_path / "checkpoints" / "checkpoint-00000001"
    foreign.mkdir(parents=True)
    (foreign / "trainer_state.json").write_text('{"step": 1, "written_by": "another run"}')
    model = load_minilm(seed=0, n_embd=32, n_layer=1, n_head=2, block_size=16)
    data = LineDataset([f"line {i} of some words to train on" for i in range(24)])
    summary = load_functional_trainer(max_steps=4, checkpoint_interval=2, keep_checkpoints=1, block_size=16,
                                      batch_size=2, eval_fraction=0.0).fit(model, data, output_dir=tmp_path)
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["checkpoint-00000001", "checkpoint-00000004"]  # the other run's stays; ours pruned to 1
    assert summary["checkpoints"] == [str(tmp_path / "checkpoints" / "checkpoint-00000004")]
