"""Schedules, the token cache, devices and precision, experiment tracking."""
from guards import require_torch

torch = require_torch()

import itertools
import json
import math

import numpy as np
import pytest
from codex_ml.errors import CodexMLError, MalformedArtifactError
from codex_ml.offline.models.byte_tokenizer import ByteTokenizer
from codex_ml.offline.models.minilm import load_minilm
from codex_ml.offline.training import token_cache
from codex_ml.offline.training.config import TrainerConfig, shipped_defaults
from codex_ml.offline.training.functional import check_before_run
from codex_ml.offline.training.schedules import learning_rate
from codex_ml.offline.training.torch_loop import fit_torch


def cfg(**values):
    return TrainerConfig.build(shipped_defaults(), values)


@pytest.mark.parametrize("kind", ["linear", "cosine", "constant"])
def test_schedules_warm_up_then_follow_their_shape(kind):
    c = cfg(learning_rate=1.0, warmup_steps=4, max_steps=14, min_lr_ratio=0.1, lr_scheduler=kind)
    rates = [learning_rate(c, s) for s in range(14)]
    assert rates[:4] == [0.25, 0.5, 0.75, 1.0]
    after = [learning_rate(c, s) for s in range(4, 15)]  # 10 decay steps, then the end of training
    if kind == "constant":
        assert after == [1.0] * 11
        return
    assert after[0] == 1.0 and math.isclose(after[-1], 0.1)
    assert all(a >= b for a, b in itertools.pairwise(after))
    midpoint = after[5]  # half-way: linear 0.55; cosine (1 + cos(pi/2)) / 2 -> also 0.55; quarter differs
    assert math.isclose(midpoint, 0.55)
    quarter = 0.1 + 0.9 * (0.5 * (1 + math.cos(math.pi * 0.3)) if kind == "cosine" else 0.7)
    assert math.isclose(after[3], quarter)


def test_unknown_scheduler_device_and_tracker_are_rejected():
    with pytest.raises(MalformedArtifactError, match="lr_scheduler: must be one of linear, cosine, constant"):
        cfg(lr_scheduler="step")
    with pytest.raises(MalformedArtifactError, match="device: must be auto, cpu, cuda, cuda:N or mps, found 'gpu'"):
        cfg(device="gpu")
    with pytest.raises(MalformedArtifactError, match="precision: must be one of fp32, bf16, fp16"):
        cfg(precision="int8")
    with pytest.raises(MalformedArtifactError, match="report_to: knows jsonl, tensorboard, mlflow; found 'wandb'"):
        cfg(report_to=["jsonl", "wandb"])


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_devices_and_precisions_the_machine_lacks_are_refused_before_training():
    with pytest.raises(CodexMLError, match="training.device=cuda but torch .* sees no CUDA device"):
        check_before_run(cfg(device="cuda"))
    with pytest.raises(CodexMLError, match="training.precision=fp16 needs a CUDA or MPS device"):
        check_before_run(cfg(device="cpu", precision="fp16"))
    check_before_run(cfg(device="cpu", precision="bf16"))


def _corpus(n=40):
    return [f"record {i}: the fox jumps over {i % 7} dogs and {i % 3} cats." for i in range(n)]


def test_bf16_autocast_trains_on_cpu_and_the_run_records_it(tmp_path):
    model = load_minilm(n_layer=1, n_embd=32, n_head=2, block_size=32)
    summary = fit_torch(cfg(precision="bf16", device="cpu", max_steps=6, block_size=32, batch_size=4, learning_rate=0.01,
                            token_cache=False, lr_scheduler="cosine"), model, _corpus(), output_dir=tmp_path)
    assert summary["precision"] == "bf16" and summary["device"] == "cpu" and summary["world_size"] == 1
    assert summary["eval_loss"] < summary["eval_loss_initial"]
    assert json.loads((tmp_path / "runtime.json").read_text())["precision"] == "bf16"
    assert next(model.module.parameters()).dtype == torch.float32  # autocast: master weights stay fp32


def test_token_cache_is_reused_rebuilt_on_change_and_when_corrupt(tmp_path, capsys):
    texts, tokenizer = _corpus(), ByteTokenizer()
    first = token_cache.load_or_build(texts, tokenizer, root=tmp_path)
    assert not first.cache_hit and len(first) == len(texts)
    assert first.document(3).tolist() == tokenizer.encode(texts[3])
    again = token_cache.load_or_build(texts, tokenizer, root=tmp_path)
    assert again.cache_hit and isinstance(again.tokens, np.memmap) and np.array_equal(again.tokens, first.tokens)
    changed = token_cache.load_or_build(texts[:-1] + ["another last record"], tokenizer, root=tmp_path)
    assert not changed.cache_hit and changed.key != first.key

    class OtherTokenizer(ByteTokenizer):
        def encode(self, text):
            return [b ^ 1 for b in super().encode(text)]

    assert token_cache.load_or_build(texts, OtherTokenizer(), root=tmp_path).key != first.key
    tokens_file = tmp_path / first.key / "tokens.npy"
    data = bytearray(tokens_file.read_bytes())
    data[-1] ^= 0xFF
    tokens_file.write_bytes(bytes(data))
    repaired = token_cache.load_or_build(texts, tokenizer, root=tmp_path)
    assert not repaired.cache_hit and repaired.rebuilt_corrupt
    assert "is corrupt" in capsys.readouterr().err
    assert np.array_equal(repaired.tokens, first.tokens)
    assert token_cache.load_or_build(texts, tokenizer, root=tmp_path).cache_hit
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folders left


def test_the_trainer_uses_the_cache_under_the_cache_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEX_ML_CACHE_DIR", str(tmp_path / "cache"))
    config = cfg(max_steps=1, block_size=16, batch_size=2)
    first = fit_torch(config, load_minilm(n_layer=1, n_embd=32, n_head=2, block_size=32), _corpus())
    second = fit_torch(config, load_minilm(n_layer=1, n_embd=32, n_head=2, block_size=32), _corpus())
    assert not first["token_cache"]["cache_hit"] and second["token_cache"]["cache_hit"]
    assert (tmp_path / "cache" / "tokens" / first["token_cache"]["key"] / "meta.json").is_file()
    assert first["eval_loss"] == second["eval_loss"]


def test_report_to_tensorboard_and_mlflow_write_local_files(tmp_path):
    records = []
    fit_torch(cfg(max_steps=2, block_size=16, batch_size=2, token_cache=False,
                  report_to=["jsonl", "tensorboard", "mlflow"]),
              load_minilm(n_layer=1, n_embd=32, n_head=2, block_size=32), _corpus(), log=records.append,
              output_dir=tmp_path)
    assert [r["step"] for r in records] == [1, 2]
    assert list((tmp_path / "tensorboard").glob("events.out.tfevents.*"))
    metric_files = list((tmp_path / "mlruns").rglob("metrics/loss"))
    assert metric_files and len(metric_files[0].read_text().splitlines()) == 2


def test_without_jsonl_the_log_function_is_not_called(tmp_path):
    records = []
    fit_torch(cfg(max_steps=1, block_size=16, batch_size=2, token_cache=False, report_to=["tensorboard"]),
              load_minilm(n_layer=1, n_embd=32, n_head=2, block_size=32), _corpus(), log=records.append,
              output_dir=tmp_path)
    assert records == []


def test_a_missing_tracker_gets_the_install_hint(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mlflow" else real(name, *a))
    with pytest.raises(CodexMLError, match=r"pip install 'codex-ml-offline-training\[mlflow\]'"):
        check_before_run(cfg(report_to=["mlflow"]))


@pytest.mark.parametrize(("override", "message", "code"), [
    # a bad value is a config problem (exit 2), named by the override it came from
    ("training.device=gpu",
     "override 'training.device=gpu': training.device: must be auto, cpu, cuda, cuda:N or mps, found 'gpu'", 2),
    ("training.precision=fp16", "training.precision=fp16 needs a CUDA or MPS device", 1),
])
def test_cli_refuses_bad_device_or_precision_in_one_line_and_writes_nothing(override, message, code, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("checks the refusal on a CPU-only machine")
    import subprocess
    import sys

    from pipeline_helpers import cli_env

    result = subprocess.run([sys.executable, "-m", "codex_ml.cli", "train", "model=offline/minilm", override,
                             f"output_dir={tmp_path / 'run'}"], cwd=tmp_path, env=cli_env(), capture_output=True,
                            text=True, timeout=120, check=False)
    assert result.returncode == code
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()


def test_resume_with_another_world_size_is_refused(tmp_path):
    from codex_ml.errors import ResumeMismatchError
    from codex_ml.offline.training.torch_loop import _check_resume

    config = cfg()
    state = {"config_hash": config.training_hash(), "data_fingerprint": "fp", "world_size": 2}
    _check_resume(config, state, "fp", tmp_path, 2)
    with pytest.raises(ResumeMismatchError, match="written by 2 process\\(es\\) and this run has 1"):
        _check_resume(config, state, "fp", tmp_path, 1)


def test_gradient_checkpointing_gives_the_same_training_and_is_refused_where_missing(gpt2_dir):
    from codex_ml.plugins.registries import models

    settings = {"max_steps": 2, "block_size": 16, "batch_size": 2, "token_cache": False, "eval_fraction": 0.2}
    plain = fit_torch(cfg(**settings), models.resolve_and_instantiate("offline:gpt2", path=gpt2_dir), _corpus())
    model = models.resolve_and_instantiate("offline:gpt2", path=gpt2_dir)
    checkpointed = fit_torch(cfg(**settings, gradient_checkpointing=True), model, _corpus())
    assert any(getattr(m, "gradient_checkpointing", False) for m in model.module.modules())
    assert math.isclose(plain["eval_loss"], checkpointed["eval_loss"], rel_tol=1e-4)
    with pytest.raises(CodexMLError, match="has no gradient_checkpointing_enable"):
        fit_torch(cfg(**settings, gradient_checkpointing=True), load_minilm(n_layer=1, n_embd=32, n_head=2, block_size=32),
                  _corpus())


def test_packing_reads_the_record_schema_and_names_a_record_without_text(tmp_path):
    """The packed-training path reads each record's `text` (else prompt + completion), never str(record)."""
    from codex_ml.errors import RecordSchemaError

    records = [{"text": "a fine record"}, {"prompt": "Q: ", "completion": "A"}, {"body": "no text here"}]
    with pytest.raises(RecordSchemaError, match=r"training record 2 has no 'text' or 'prompt' field \(it has \['body'\]\)"):
        fit_torch(cfg(max_steps=1, block_size=16, batch_size=2, token_cache=False),
                  load_minilm(n_layer=1, n_embd=32, n_head=2, block_size=32), records, output_dir=tmp_path)
    assert not (tmp_path / "final").exists()


def test_compile_traces_the_model_and_trains_like_eager_mode(gpt2_dir, tmp_path):
    """``aot_eager`` runs dynamo's capture and AOT autograd (what inductor compiles) without generating code,
    so the compile path is checked in seconds on a CPU; the losses must match eager mode's."""
    from codex_ml.plugins.registries import models

    settings = {"max_steps": 2, "block_size": 16, "batch_size": 2, "token_cache": False, "eval_fraction": 0.2,
                "device": "cpu"}
    plain = fit_torch(cfg(**settings), models.resolve_and_instantiate("offline:gpt2", path=gpt2_dir), _corpus())
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    compiled = fit_torch(cfg(**settings, compile=True, compile_backend="aot_eager"),
                         models.resolve_and_instantiate("offline:gpt2", path=gpt2_dir), _corpus(), output_dir=tmp_path)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] > 0  # the model really went through dynamo
    assert math.isclose(plain["eval_loss"], compiled["eval_loss"], rel_tol=1e-4)
    assert json.loads((tmp_path / "runtime.json").read_text())["compile_backend"] == "aot_eager"
    with pytest.raises(CodexMLError, match="compile_backend='nope' is not a torch.compile backend; this torch has"):
        fit_torch(cfg(**settings, compile=True, compile_backend="nope"), load_minilm(n_layer=1, n_embd=32, n_head=2,
                                                                                    block_size=32), _corpus())
    with pytest.raises(MalformedArtifactError, match="compile_mode: must be one of default, reduce-overhead"):
        cfg(compile_mode="fast")
