"""`codex-ml catalogue synth|fetch`: seed layout, manifest, pinned fetch (the download is a local stand-in)."""
from guards import require_torch

torch = require_torch()

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from codex_ml.cli.main import cli


def _check_manifest(directory):
    manifest = json.loads((directory / "manifest.json").read_text())
    for name, entry in manifest["files"].items():
        data = (directory / name).read_bytes()
        assert entry == {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    return manifest


def test_synth_writes_the_seed_layout_with_a_manifest(tmp_path, corpus_texts, monkeypatch):
    from codex_ml.offline.models import synth

    monkeypatch.setattr(synth, "default_texts", lambda: corpus_texts)
    result = CliRunner().invoke(cli, ["catalogue", "synth", "tinyllama", "--root", str(tmp_path), "--vocab-size", "700"])
    assert result.exit_code == 0, result.output
    target = tmp_path / "artifacts" / "models" / "tinyllama"
    assert {"config.json", "model.safetensors", "tokenizer.model", "tokenizer_config.json", "manifest.json"} <= {p.name for p in target.iterdir()}
    manifest = _check_manifest(target)
    assert manifest["source"] == "synth" and "model.safetensors" in manifest["files"]


def test_synthesised_gpt2_manifest_matches(gpt2_dir):
    assert _check_manifest(gpt2_dir)["model_type"] == "gpt2"


@pytest.fixture
def fake_hub(monkeypatch, gpt2_dir):
    """Stands in for ``snapshot_download``: copies the synthesised files, plus hub bookkeeping to be dropped."""
    import huggingface_hub

    calls = []

    def snapshot_download(*, repo_id, revision, local_dir, allow_patterns):
        calls.append({"repo_id": repo_id, "revision": revision, "allow_patterns": allow_patterns})
        for path in gpt2_dir.iterdir():
            if path.name in allow_patterns:
                shutil.copy(path, f"{local_dir}/{path.name}")
        (__import__("pathlib").Path(local_dir) / ".cache" / "huggingface").mkdir(parents=True, exist_ok=True)
        return local_dir

    monkeypatch.setattr(huggingface_hub, "snapshot_download", snapshot_download)
    return calls


def test_fetch_pins_the_revision_and_writes_a_manifest(tmp_path, fake_hub, monkeypatch):
    from codex_ml.offline.models.fetch import PINS
    from guards import load_gpt2_model

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setattr("codex_ml.offline.models.fetch.check_reachable", lambda family: None)  # no network here
    result = CliRunner().invoke(cli, ["catalogue", "fetch", "gpt2", "--root", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert fake_hub == [{"repo_id": "openai-community/gpt2", "revision": PINS["gpt2"].revision,
                         "allow_patterns": list(PINS["gpt2"].files)}]
    assert len(PINS["gpt2"].revision) == 40 and "pytorch_model.bin" not in PINS["gpt2"].files
    target = tmp_path / "artifacts" / "models" / "gpt2"
    manifest = _check_manifest(target)
    assert (manifest["source"], manifest["revision"]) == ("hub", PINS["gpt2"].revision)
    assert not (target / ".cache").exists()
    assert load_gpt2_model(target).family == "gpt2"


def test_fetch_respects_a_user_offline_flag(tmp_path, fake_hub, monkeypatch):
    from codex_ml.errors import CodexMLError
    from codex_ml.offline.models.fetch import fetch

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr("codex_ml.utils.offline._APPLIED", {})  # the user set it, not codex-ml
    with pytest.raises(CodexMLError, match="HF_HUB_OFFLINE"):
        fetch("gpt2", tmp_path)
    assert fake_hub == []


@pytest.mark.parametrize("flag", ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"])
def test_fetch_fails_at_once_in_offline_mode(tmp_path, flag):
    """One line, exit 1, no retries: the user's offline flag is honoured before any connection."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_", "CODEX_ML_ALLOW"))}
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-m", "codex_ml.cli", "catalogue", "fetch", "gpt2", "--root", str(tmp_path)],
                            env={**env, flag: "1"}, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1, result.stderr
    assert f"{flag} is set (offline mode)" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert time.monotonic() - start < 15
    assert not (tmp_path / "artifacts").exists()


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:9", "https://hub.invalid"])
def test_fetch_fails_at_once_when_the_host_is_unreachable(tmp_path, fake_hub, monkeypatch, endpoint):
    from codex_ml.errors import CodexMLError
    from codex_ml.offline.models.fetch import fetch

    for flag in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HTTPS_PROXY", "https_proxy"):
        monkeypatch.delenv(flag, raising=False)
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    start = time.monotonic()
    with pytest.raises(CodexMLError, match="cannot reach .*this host looks offline.*catalogue synth gpt2"):
        fetch("gpt2", tmp_path)
    assert time.monotonic() - start < 10
    assert fake_hub == []


def test_catalogue_group_imports_nothing_heavy():
    code = ("import sys, codex_ml.cli.catalogue_cli, codex_ml.offline.models.catalogue_cli; "
            "print(sorted({'torch', 'transformers', 'huggingface_hub'} & set(sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
