"""The individual doctor checks, for states this machine may not be in."""
from __future__ import annotations

import json
import os
import time

from codex_ml import doctor
from codex_ml.artifacts import manifest
from codex_ml.artifacts.hashcache import sha256_file
from codex_ml.offline.models import doctor_checks as hf_checks
from codex_ml.plugins.manager import PluginHost, PluginRecord, reset_host
from codex_ml.utils import torch_checks

MISSING = torch_checks.TorchStatus("missing", problem="torch is not installed")


def levels(findings):
    return [(f.level, f.topic) for f in findings]


def test_missing_torch_is_a_warning_only_when_a_component_needs_it(monkeypatch):
    monkeypatch.setattr(torch_checks, "check_torch", lambda: MISSING)
    monkeypatch.setattr(doctor, "components_needing", lambda module: ["offline:gpt2"])
    findings, _ = doctor.check_torch()
    assert findings[0].level == "warn" and "needed by offline:gpt2" in findings[0].message
    assert "Install the official CPU wheels" in findings[0].message
    assert doctor.check_pickle_weights(MISSING)[0].level == "warn"
    monkeypatch.setattr(doctor, "components_needing", lambda module: [])
    findings, _ = doctor.check_torch()
    assert findings[0].level == "ok" and "no installed component needs it" in findings[0].message
    assert doctor.check_pickle_weights(MISSING)[0].level == "ok"


def test_hugging_face_versions_missing_or_too_old(monkeypatch):
    versions = {"transformers": None, "tokenizers": "0.15.2", "safetensors": "0.4.5"}
    monkeypatch.setattr(hf_checks, "installed_version", versions.get)
    monkeypatch.setattr(hf_checks, "components_needing", lambda module: ["offline:gpt2"] if module == "transformers" else [])
    by_topic = {f.topic: f for f in hf_checks.check_hf_versions()}
    assert by_topic["transformers"].level == "warn" and hf_checks.HF_INSTALL_HINT in by_topic["transformers"].message
    assert by_topic["tokenizers"].level == "warn" and "older than 0.20: pip install 'tokenizers>=0.20'" in by_topic["tokenizers"].message
    assert by_topic["safetensors"].level == "ok"
    monkeypatch.setattr(hf_checks, "components_needing", lambda module: [])
    assert hf_checks.check_hf_versions()[0].message == "not installed (no installed component needs it)"


def test_hub_cache_precedence(monkeypatch, tmp_path):
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "TRANSFORMERS_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert hf_checks.hub_cache() == (str(tmp_path / "huggingface" / "hub"), "default (~/.cache/huggingface)")
    monkeypatch.setenv("HF_HOME", "/h")
    assert hf_checks.hub_cache() == ("/h/hub", "HF_HOME")
    monkeypatch.setenv("HUGGINGFACE_HUB_CACHE", "/legacy")
    assert hf_checks.hub_cache() == ("/legacy", "HUGGINGFACE_HUB_CACHE")
    monkeypatch.setenv("HF_HUB_CACHE", "/hub")
    assert hf_checks.hub_cache() == ("/hub", "HF_HUB_CACHE")
    monkeypatch.setenv("TRANSFORMERS_CACHE", "/hub")
    findings = hf_checks.check_hf_cache()
    assert findings[1].level == "warn" and "deprecated upstream: set HF_HUB_CACHE=/hub" in findings[1].message


def test_low_disk_space_is_a_warning(monkeypatch, tmp_path):
    monkeypatch.setattr(doctor, "MIN_FREE_BYTES", 1 << 62)
    finding = doctor.check_output_dir(tmp_path)[0]
    assert finding.level == "warn" and "MiB free: free some space" in finding.message


def test_failed_and_disabled_plugins_are_listed():
    host = PluginHost()
    host.plugins = [
        PluginRecord("good", "dist-good", "1.0", "good.plugin"),
        PluginRecord("bad", "dist-bad", "0.1", "bad.plugin", status="failed", error="ImportError: no module x"),
        PluginRecord("off", "dist-off", "0.2", "off.plugin", status="disabled"),
    ]
    reset_host(host)
    findings = doctor.check_plugins()
    assert levels(findings) == [("ok", "plugins"), ("warn", "plugin"), ("ok", "plugin")]
    assert findings[0].message == "1 loaded"
    assert "dist-bad 0.1 failed: ImportError: no module x" in findings[1].message
    assert "disabled by CODEX_ML_DISABLE_PLUGINS" in findings[2].message


def test_unverified_large_artefact_asks_for_a_verify(monkeypatch, tmp_path):
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    directory = root / "artifacts" / "models" / "gpt2"
    directory.mkdir(parents=True)
    old = time.time() - 3600
    for name, size in (("config.json", 2), ("tokenizer.json", 2), ("model.safetensors", 4096)):
        (directory / name).write_bytes(b"x" * size)
        os.utime(directory / name, (old, old))
    files = {path.name: manifest.FileRecord(path.stat().st_size, sha256_file(path)) for path in directory.iterdir()}
    (directory / "manifest.json").write_text(json.dumps(manifest.Manifest(files=files).to_json()))  # no cache filled
    monkeypatch.setattr(manifest, "QUICK_HASH_LIMIT", 100)
    messages = [f.message for f in doctor.check_catalogue() if f.level == "warn"]
    assert any("offline:gpt2 (models) not verified yet: run `codex-ml catalogue verify offline:gpt2`" in m for m in messages)
