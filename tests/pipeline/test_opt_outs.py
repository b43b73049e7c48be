"""The guide's opt-outs are real config keys that change what is built."""
from __future__ import annotations

import importlib.util

import pytest
from pipeline_helpers import run_cli


def _installed(module: str) -> bool:
    spec = importlib.util.find_spec(module)
    return spec is not None and spec.origin is not None  # a bare folder on sys.path is not an install


HAS_TORCH = _installed("torch")
HAS_HF = HAS_TORCH and _installed("transformers")


@pytest.mark.skipif(HAS_TORCH, reason="checks the install hint shown when torch is absent")
def test_minilm_by_name_needs_torch(tmp_path):
    result = run_cli(["train", "model.name=MiniLM"], tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "model (MiniLM) needs torch" in result.stderr and "codex-ml-offline-models[hf]" in result.stderr
    assert not (tmp_path / "runs").exists()


def test_hf_tokenizer_by_name_uses_name_or_path(tmp_path):
    result = run_cli(["train", "tokenizer.name=hf", f"tokenizer.name_or_path={tmp_path / 'absent'}"], tmp_path)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert ("tokenizer (hf) needs" in result.stderr) if not HAS_HF else (str(tmp_path / "absent") in result.stderr)


def test_names_are_matched_case_insensitively(tmp_path):
    result = run_cli(["train", "-q", "+reward_model.name=Heuristic", "+rl_agent.name=OFFLINE:SCRIPTED"], tmp_path)
    assert result.returncode == 0, result.stderr
    import json

    run = next((tmp_path / "runs").iterdir())
    components = json.loads((run / "provenance.json").read_text())["components"]
    assert (components["reward_model"], components["rl_agent"]) == ("offline:heuristic", "offline:scripted")
