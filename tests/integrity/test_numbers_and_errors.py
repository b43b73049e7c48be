"""Numbers checked before work, a non-finite loss stops the run (item 5); a blocking doctor finding stops
train (item 6); bad values are reported as `<source>: <key>: <reason>` with no traceback."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from pipeline_helpers import cli_env, run_cli

TINY = ["train", "-q", "-cn", "offline/tiny_fixtures"]


def test_every_bad_pipeline_value_is_reported_at_once_naming_its_override(tmp_path: Path):
    words = ["seed=abc", "evaluation.max_samples=abc", "rollout.max_records=-1", "training.learning_rate=inf",
             "training.weight_decay=nan"]
    result = run_cli([*TINY, *words], tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "error: override 'seed=abc': seed: must be an integer or null, found 'abc'",
        "override 'evaluation.max_samples=abc': evaluation.max_samples: must be an integer or null, found 'abc'",
        "override 'rollout.max_records=-1': rollout.max_records: must be at least 0, found -1",
        "override 'training.learning_rate=inf': training.learning_rate: must be a finite number, found inf",
        "override 'training.weight_decay=nan': training.weight_decay: must be a finite number, found nan",
    ]
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())  # before any work


def test_a_bad_trainer_override_blames_the_override_not_the_trainer_file(tmp_path: Path):
    result = run_cli([*TINY, "training.max_steps=abc"], tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(
        "error: override 'training.max_steps=abc': training.max_steps: must be an integer, found 'abc'")
    assert "Traceback" not in result.stderr and "trainer_functional.json" not in result.stderr


def test_a_bad_value_in_a_config_file_names_that_file(tmp_path: Path):
    configs = tmp_path / "configs"
    configs.mkdir()
    (configs / "mine.yaml").write_text("defaults:\n  - offline/tiny_fixtures\n  - _self_\nseed: twelve\n")
    result = run_cli(["train", "-q", "-cd", str(configs), "-cn", "mine"], tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {configs / 'mine.yaml'}: seed: must be an integer or null, found 'twelve'")


def test_debug_shows_the_traceback(tmp_path: Path):
    result = run_cli([*TINY, "seed=abc"], tmp_path, env=cli_env(CODEX_ML_DEBUG="1"))
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_non_finite_float_settings_are_refused_before_any_work():
    from codex_ml.errors import InvalidSettingError
    from codex_ml.offline.training.config import TrainerConfig

    for key in ("learning_rate", "weight_decay", "max_grad_norm", "min_lr_ratio", "eval_fraction"):
        for value in (math.nan, math.inf, -math.inf):
            with pytest.raises(InvalidSettingError, match=f"{key}: must be"):
                TrainerConfig.build({}, {key: value})


def test_a_blocking_doctor_finding_stops_train_unless_skipped(tmp_path: Path):
    root = tmp_path / "project"
    data = root / "data" / "offline"
    data.mkdir(parents=True)
    (data / "tiny_corpus.txt").write_text("hello world\noffline first\nfixtures are tiny\n")
    from codex_ml.artifacts.manifest import write_manifest

    write_manifest(data, name="offline", source="test")
    (data / "tiny_corpus.txt").write_text("hello world\noffline first\nfixtures are TINY\n")  # now differs
    env = cli_env(CODEX_ML_PROJECT_ROOT=str(root))
    blocked = run_cli(TINY, tmp_path, env=env)
    assert blocked.returncode == 1
    assert "doctor found 1 blocking problem(s); nothing was run" in blocked.stderr
    assert "offline:tiny-corpus" in blocked.stderr and "--skip-doctor" in blocked.stderr
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
    skipped = run_cli([*TINY[:1], "--skip-doctor", *TINY[1:]], tmp_path, env=env)
    assert "doctor found" not in skipped.stderr


def test_a_non_finite_loss_stops_the_run_and_keeps_the_last_good_checkpoint(tmp_path: Path):
    from guards import require_torch

    torch = require_torch()
    from codex_ml.offline.data.lines import LineDataset
    from codex_ml.offline.models.minilm import load_minilm
    from codex_ml.offline.training.torch_loop import NonFiniteLossError
    from guards import load_functional_trainer
    from safetensors.torch import load_file

    model = load_minilm(seed=0, n_embd=32, n_layer=1, n_head=2, block_size=16)
    data = LineDataset([f"line {i} of some words to train on" for i in range(24)])
    trainer = load_functional_trainer(max_steps=6, checkpoint_interval=1, block_size=16, batch_size=2,
                                      learning_rate=1e30, max_grad_norm=0.0, eval_fraction=0.0)  # diverges at once
    logged = []
    with pytest.raises(NonFiniteLossError, match=r"non-finite at step 2\b"):
        trainer.fit(model, data, output_dir=tmp_path, log=logged.append)
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["checkpoint-00000001"] and not (tmp_path / "final").exists()
    weights = load_file(str(tmp_path / "checkpoints" / names[0] / "model.safetensors"))
    assert all(bool(torch.isfinite(t).all()) for t in weights.values())
    assert [r["step"] for r in logged] == [1] and all(math.isfinite(r["loss"]) for r in logged)
    json.loads((tmp_path / "checkpoints" / names[0] / "trainer_state.json").read_text(),
               parse_constant=lambda c: pytest.fail(f"bare {c} in trainer_state.json"))
