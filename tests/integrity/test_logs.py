"""Logs that survive (issue 14, item 3): append-only metrics.jsonl, linear writes, strict JSON everywhere."""
from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from codex_ml.io import atomic_write_json
from codex_ml.runs.directory import RunDirectory


def strict_loads(text: str):
    """json.loads that refuses NaN/Infinity, as JavaScript, jq or Go do."""
    def refuse(name):
        raise ValueError(f"non-standard JSON constant {name}")
    return json.loads(text, parse_constant=refuse)


def _bytes_written() -> int:
    """Bytes this process has passed to write(2) so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


def _write_steps(path: Path, steps: int) -> int:
    clock = iter(range(10**9))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "monotonic", lambda: float(next(clock)))  # a second passes between records
        run = RunDirectory(path)
        start = _bytes_written()
        for step in range(1, steps + 1):
            run.log({"phase": "train", "step": step, "loss": 1.0 / step, "learning_rate": 1e-3})
        run.close()
        return _bytes_written() - start


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="counts bytes through /proc/self/io (Linux)")
def test_metrics_writes_grow_linearly_with_steps(tmp_path: Path):
    short = _write_steps(tmp_path / "short", 250)
    long = _write_steps(tmp_path / "long", 1000)
    size = (tmp_path / "long" / "metrics.jsonl").stat().st_size
    assert long / short < 4 * 1.25, (short, long)  # 4x the steps: about 4x the bytes, not 16x
    assert long < 1.5 * size, (long, size)  # each byte of the log is written about once


def test_metrics_jsonl_is_append_only_and_flushed_per_record(tmp_path: Path):
    run = RunDirectory(tmp_path / "run")
    run.log({"phase": "train", "step": 1, "loss": 2.0})
    first = (tmp_path / "run" / "metrics.jsonl").read_bytes()  # on disk already, before close
    assert first.endswith(b"\n") and json.loads(first)["step"] == 1
    inode = (tmp_path / "run" / "metrics.jsonl").stat().st_ino
    run.log({"phase": "train", "step": 2, "loss": 1.5})
    run.close()
    after = (tmp_path / "run" / "metrics.jsonl")
    assert after.read_bytes().startswith(first) and after.stat().st_ino == inode  # appended, never replaced


def test_rewind_keeps_history_up_to_the_checkpoint_and_drops_a_torn_line(tmp_path: Path):
    from codex_ml.runs.metrics_log import MetricsLog

    log = MetricsLog(tmp_path / "metrics.jsonl")
    for step in range(1, 7):
        log.append({"phase": "train", "step": step})
    log.append({"phase": "rollout", "index": 0})
    log.close()
    with open(tmp_path / "metrics.jsonl", "ab") as handle:
        handle.write(b'{"phase": "train", "st')  # killed mid-line
    log = MetricsLog(tmp_path / "metrics.jsonl")
    assert log.rewind(4) == 4
    log.append({"phase": "train", "step": 5})
    log.close()
    steps = [json.loads(line)["step"] for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3, 4, 5]


def test_non_finite_numbers_never_reach_json_files(tmp_path: Path):
    atomic_write_json(tmp_path / "summary.json", {"eval_loss": math.nan, "scores": [1.0, math.inf]})
    data = strict_loads((tmp_path / "summary.json").read_text())
    assert data["eval_loss"] is None and data["scores"] == [1.0, None]
    assert data["non_finite"] == ["eval_loss=nan", "scores[1]=inf"]

    run = RunDirectory(tmp_path / "run")
    run.log({"phase": "train", "step": 1, "loss": -math.inf})
    run.write_jsonl("samples.jsonl", [{"score": math.nan}])
    run.close()
    line = strict_loads((tmp_path / "run" / "metrics.jsonl").read_text())
    assert line["loss"] is None and line["non_finite"] == ["loss=-inf"]
    assert strict_loads((tmp_path / "run" / "samples.jsonl").read_text())["score"] is None


def test_resume_between_log_points_logs_the_same_numbers(tmp_path: Path):
    """A checkpoint that falls inside a log window carries the window, so the record after it matches."""
    from guards import require_torch

    require_torch()
    from codex_ml.offline.data.lines import LineDataset
    from codex_ml.offline.models.minilm import load_minilm
    from guards import load_functional_trainer

    data = LineDataset([f"line {i} of some words to train on" for i in range(24)])
    settings = {"max_steps": 6, "checkpoint_interval": 3, "log_interval": 2, "block_size": 16, "batch_size": 2,
                "eval_fraction": 0.0}

    def model():
        return load_minilm(seed=0, n_embd=32, n_layer=1, n_head=2, block_size=16)

    def strip(records):
        return [{k: v for k, v in r.items() if k != "tokens_per_second"} for r in records]

    straight: list[dict] = []
    load_functional_trainer(**settings).fit(model(), data, output_dir=tmp_path / "a", log=straight.append)

    class Stop(Exception):
        pass

    first: list[dict] = []

    def stop_after_checkpoint(record):
        first.append(record)
        if record["step"] == 4:  # checkpoint 3 is on disk; step 4's record is past it
            raise Stop

    with pytest.raises(Stop):
        load_functional_trainer(**settings).fit(model(), data, output_dir=tmp_path / "b", log=stop_after_checkpoint)
    resumed: list[dict] = []
    load_functional_trainer(**settings, resume=True).fit(model(), data, output_dir=tmp_path / "b", log=resumed.append)
    assert strip([r for r in first if r["step"] <= 3] + resumed) == strip(straight)
