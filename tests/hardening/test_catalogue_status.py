"""`catalogue list` and `catalogue verify`: locations, statuses and exit codes, without importing torch."""
from __future__ import annotations

import json
import os
import time

import click
import pytest
from click.testing import CliRunner
from codex_ml.artifacts.manifest import write_manifest
from codex_ml.cli.catalogue_status import list_command, verify_command
from hardening_helpers import run_python

OLD = time.time() - 3600


@pytest.fixture
def catalogue():
    group = click.Group("catalogue")
    group.add_command(list_command)
    group.add_command(verify_command)
    return group


def gpt2(root, *, manifest=True):
    directory = root / "artifacts" / "models" / "gpt2"
    directory.mkdir(parents=True)
    for name, text in {"config.json": "{}", "tokenizer.json": "{}", "model.safetensors": "w" * 64}.items():
        (directory / name).write_text(text)
        os.utime(directory / name, (OLD, OLD))
    if manifest:
        write_manifest(directory, name="gpt2", source="test")
    return directory


def rows(output):
    return {(line.split()[0], line.split()[1]): line for line in output.splitlines()[1:] if line.strip()}


def test_list_shows_every_entry_with_location_and_status(catalogue, tmp_path, monkeypatch):
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    gpt2(root)
    result = CliRunner().invoke(catalogue, ["list"])
    assert result.exit_code == 0, result.output
    table = rows(result.output)
    assert "verified" in table[("offline:gpt2", "model")] and "artifacts/models/gpt2" in table[("offline:gpt2", "model")]
    assert "missing" in table[("offline:tinyllama", "model")]
    assert "CODEX_ML_TINYLLAMA_PATH" in table[("offline:tinyllama", "model")]
    assert "present" in table[("offline:tiny-vocab", "tokenizer")]  # packaged fixture, no manifest
    assert "packaged fixture" in table[("offline:tiny-vocab", "tokenizer")]


def test_list_json_reports_modified_files(catalogue, tmp_path, monkeypatch):
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    (gpt2(root) / "config.json").write_text("{ }")
    result = CliRunner().invoke(catalogue, ["list", "--json"])
    document = json.loads(result.output)
    assert document["schema_version"] == 1
    entry = next(e for e in document["entries"] if e["name"] == "offline:gpt2" and e["kind"] == "models")
    assert entry["status"] == "modified" and "modified: config.json" in entry["detail"]


def test_verify_passes_then_names_the_modified_file(catalogue, tmp_path, monkeypatch):
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    directory = gpt2(root)
    ok = CliRunner().invoke(catalogue, ["verify", "offline:gpt2"])
    assert ok.exit_code == 0, ok.output
    assert ok.output.count("verified") == 1  # tokenizer and model share the directory: checked once
    (directory / "model.safetensors").write_text("x" * 64)
    bad = CliRunner().invoke(catalogue, ["verify"])
    assert bad.exit_code == 1
    assert "offline:gpt2 (tokenizer): modified" in bad.output and "modified: model.safetensors" in bad.output


def test_verify_of_everything_fails_when_an_entry_is_missing(catalogue, tmp_path, monkeypatch):
    """Only gpt2 is in place: tinyllama (and MiniLM) are missing, so the whole catalogue does not verify."""
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    gpt2(root)
    result = CliRunner().invoke(catalogue, ["verify"])
    assert result.exit_code == 1, result.output
    assert "offline:gpt2 (tokenizer): verified" in result.output
    assert "offline:tinyllama (model): missing" in result.output


def test_verify_root_checks_a_copied_layout(catalogue, tmp_path):
    usb = tmp_path / "usb"
    gpt2(usb)
    result = CliRunner().invoke(catalogue, ["verify", "offline:gpt2", "--root", str(usb)])
    assert result.exit_code == 0, result.output
    assert str(usb / "artifacts" / "models" / "gpt2") in result.output
    missing = CliRunner().invoke(catalogue, ["verify", "offline:tinyllama", "--root", str(usb)])
    assert missing.exit_code == 1 and f"missing under {usb}" in missing.output


def test_verify_root_accepts_a_bundle_directory(catalogue, tmp_path):
    directory = gpt2(tmp_path)
    assert CliRunner().invoke(catalogue, ["verify", "--root", str(directory)]).exit_code == 0
    (directory / "tokenizer.json").unlink()
    result = CliRunner().invoke(catalogue, ["verify", "--root", str(directory)])
    assert result.exit_code == 1 and "missing: tokenizer.json" in result.output


def test_verify_named_entry_without_manifest_or_unknown_name_fails(catalogue, tmp_path, monkeypatch):
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    gpt2(root, manifest=False)
    result = CliRunner().invoke(catalogue, ["verify", "offline:gpt2"])
    assert result.exit_code == 1 and "no manifest" in result.output
    unknown = CliRunner().invoke(catalogue, ["verify", "offline:gtp2"])
    assert unknown.exit_code == 1 and "Did you mean 'offline:gpt2'" in unknown.output


def test_listing_imports_no_heavy_module():
    code = (
        "import sys, click\n"
        "from click.testing import CliRunner\n"
        "from codex_ml.cli.catalogue_status import list_command\n"
        "result = CliRunner().invoke(list_command, [])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in ('torch', 'transformers', 'hydra', 'omegaconf', 'safetensors') if m in sys.modules))\n"
    )
    result = run_python(["-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_list_and_verify_are_in_the_catalogue_group():
    from codex_ml.cli.catalogue_cli import catalogue as group

    assert group.commands["list"] is list_command and group.commands["verify"] is verify_command
    result = CliRunner().invoke(group, ["list"])
    assert result.exit_code == 0 and result.output.startswith("NAME")
