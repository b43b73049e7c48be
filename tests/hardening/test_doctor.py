"""`codex-ml doctor`: one line per check, actionable problems, exit 1 only when a run is blocked."""
from __future__ import annotations

import json
import os
import time

import pytest
from click.testing import CliRunner
from codex_ml.artifacts.manifest import write_manifest
from codex_ml.cli.main import cli
from codex_ml.utils import torch_checks
from hardening_helpers import fake_torch_site, run_python

COMPLETE = torch_checks.TorchStatus("ok", "2.13.0+cpu", "/site/torch/__init__.py")


@pytest.fixture
def complete_torch(monkeypatch):
    """Doctor's verdict on a complete torch, whatever this environment has installed."""
    monkeypatch.setattr(torch_checks, "check_torch", lambda: COMPLETE)


@pytest.fixture
def offline_env(monkeypatch, tmp_path):
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "TRANSFORMERS_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.setenv(name, "1")


def doctor(*args, cwd=None):
    return CliRunner().invoke(cli, ["doctor", *args])


def lines(output, level):
    return [line for line in output.splitlines() if line.startswith(level)]


def test_a_ready_host_passes(complete_torch, offline_env, tmp_path):
    result = doctor("--output-dir", str(tmp_path / "runs"))
    assert result.exit_code == 0, result.output
    assert "ok     torch: torch 2.13.0+cpu at /site/torch/__init__.py" in result.output
    assert "ok     .bin weights: torch 2.13.0+cpu loads them with weights_only=True" in result.output
    assert f"HF cache: {tmp_path / 'hf' / 'hub'} (does not exist yet), from HF_HOME" in result.output
    assert "network guard on for train/evaluate" in result.output
    assert f"{tmp_path / 'runs'} (will be created) is writable" in result.output
    assert "0 blocking problem(s)" in result.output


def test_old_torch_refuses_pickle_weights(monkeypatch, offline_env, tmp_path):
    monkeypatch.setattr(torch_checks, "check_torch", lambda: torch_checks.TorchStatus("ok", "2.5.1", "/t"))
    result = doctor("--output-dir", str(tmp_path))
    line = next(line for line in result.output.splitlines() if ".bin weights" in line)
    assert line.startswith("warn") and "only safetensors checkpoints load" in line and "torch>=2.10" in line


def test_cache_and_offline_problems_are_named_with_the_fix(complete_torch, offline_env, monkeypatch, tmp_path):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("TRANSFORMERS_CACHE", str(tmp_path / "old"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.setenv("CODEX_ML_ALLOW_NETWORK", "1")
    result = doctor("--output-dir", str(tmp_path), "--problems-only")
    warns = lines(result.output, "warn")
    assert any(f"TRANSFORMERS_CACHE={tmp_path / 'old'} wins for transformers" in w and "unset TRANSFORMERS_CACHE" in w for w in warns)
    assert any("HF_HUB_OFFLINE=0 lets the library reach the network: unset it" in w for w in warns)
    assert any("CODEX_ML_ALLOW_NETWORK is set: the network guard is off" in w for w in warns)
    assert not lines(result.output, "ok")
    assert result.exit_code == 0  # warnings do not block a run


def test_unwritable_output_directory_blocks(complete_torch, offline_env, tmp_path):
    (tmp_path / "runs").write_text("a file where the run directory should be")
    result = doctor("--output-dir", str(tmp_path / "runs" / "today"))
    assert result.exit_code == 1
    assert any("is not a directory" in line for line in lines(result.output, "error"))


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True, reason="root can write anywhere")
def test_read_only_output_directory_blocks(complete_torch, offline_env, tmp_path):
    (tmp_path / "ro").mkdir(mode=0o500)
    result = doctor("--output-dir", str(tmp_path / "ro" / "runs"))
    assert result.exit_code == 1 and "is not writable" in result.output


def test_modified_catalogue_entry_blocks_and_names_the_file(complete_torch, offline_env, tmp_path, monkeypatch):
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    directory = root / "artifacts" / "models" / "gpt2"
    directory.mkdir(parents=True)
    old = time.time() - 3600
    for name in ("config.json", "tokenizer.json"):
        (directory / name).write_text("{}")
        os.utime(directory / name, (old, old))
    write_manifest(directory, name="gpt2", source="test")
    assert doctor("--output-dir", str(tmp_path)).exit_code == 0
    (directory / "config.json").write_text("[]")
    result = doctor("--output-dir", str(tmp_path), "--json")
    assert result.exit_code == 1
    document = json.loads(result.output)
    assert document["ok"] is False
    errors = [f["message"] for f in document["findings"] if f["level"] == "error"]
    assert any("offline:gpt2 (models) modified" in e and "modified: config.json" in e and "catalogue verify" in e
               for e in errors)


def test_missing_catalogue_entries_are_warnings_with_the_variable(complete_torch, offline_env, tmp_path):
    result = doctor("--output-dir", str(tmp_path))
    assert any("offline:tinyllama (models) missing: set CODEX_ML_TINYLLAMA_PATH" in w for w in lines(result.output, "warn"))


def test_stub_torch_is_a_blocking_error(tmp_path):
    result = run_python(["-m", "codex_ml.cli", "doctor", "--output-dir", str(tmp_path), "--problems-only"],
                        site=fake_torch_site(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    first = result.stdout.splitlines()[0]
    assert first.startswith("error  torch: torch at ") and "is a stub (version '0.0.0+stub')" in first
    assert "download.pytorch.org/whl/cpu" in first


def test_doctor_imports_no_hugging_face_library(tmp_path):
    code = (
        "import sys\n"
        "from codex_ml.cli.main import main\n"
        "try:\n    main(['doctor', '--output-dir', sys.argv[1]])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('transformers', 'tokenizers', 'huggingface_hub', 'hydra', 'omegaconf') if m in sys.modules))\n"
    )
    result = run_python(["-c", code, str(tmp_path)])
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout + result.stderr
