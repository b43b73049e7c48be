"""Relative paths from specs and configs cannot leave the root they are resolved against."""
from __future__ import annotations

import os

import pytest
from codex_ml.artifacts.paths import contained
from codex_ml.artifacts.resolver import inspect_locations, resolve
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.errors import PathEscapeError

DIR_SPEC = ArtifactSpec("CODEX_ML_GPT2_PATH", "CODEX_ML_OFFLINE_MODELS_DIR", "gpt2", is_dir=True, required=("config.json",))
FILE_SPEC = ArtifactSpec("CODEX_ML_TINY_TOKENIZER_PATH", "CODEX_ML_OFFLINE_MODELS_DIR", "tiny_tokenizer/vocab.json")


def checkpoint(directory):
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "config.json").write_text("{}")
    return directory


@pytest.mark.parametrize("relpath", ["../outside", "gpt2/../../x", "/etc/passwd", "C:\\weights"])
def test_spec_relpaths_must_stay_relative(relpath):
    with pytest.raises(PathEscapeError):
        ArtifactSpec("CODEX_ML_X_PATH", "CODEX_ML_OFFLINE_MODELS_DIR", relpath)
    with pytest.raises(ValueError):  # PathEscapeError is a ValueError too
        ArtifactSpec("CODEX_ML_X_PATH", "CODEX_ML_OFFLINE_MODELS_DIR", "ok", required=(relpath,))


def test_symlink_out_of_the_project_layout_is_refused(tmp_path, monkeypatch):
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    (root / "artifacts" / "models").mkdir(parents=True)
    secret = checkpoint(tmp_path / "elsewhere")
    (root / "artifacts" / "models" / "gpt2").symlink_to(secret)
    with pytest.raises(PathEscapeError) as info:
        resolve("offline:gpt2", DIR_SPEC)
    message = str(info.value)
    assert "project layout" in message and str(secret) in message and "symbolic link" in message
    assert "CODEX_ML_GPT2_PATH" in message  # the way out: name the real location explicitly
    candidate = inspect_locations("offline:gpt2", DIR_SPEC).candidates[-1]
    assert candidate.source == "project layout" and not candidate.exists and "outside" in candidate.problem


def test_symlink_out_of_the_kind_directory_is_refused(tmp_path, monkeypatch):
    models = tmp_path / "models"
    (models / "tiny_tokenizer").mkdir(parents=True)
    (tmp_path / "passwd").write_text("{}")
    (models / "tiny_tokenizer" / "vocab.json").symlink_to(tmp_path / "passwd")
    monkeypatch.setenv("CODEX_ML_OFFLINE_MODELS_DIR", str(models))
    with pytest.raises(PathEscapeError, match=r"\$CODEX_ML_OFFLINE_MODELS_DIR"):
        resolve("offline:tiny-vocab", FILE_SPEC)


def test_symlinks_inside_the_root_and_a_symlinked_root_are_fine(tmp_path, monkeypatch):
    real_models = tmp_path / "disk" / "models"
    checkpoint(real_models / "snapshots" / "abc")
    (real_models / "gpt2").symlink_to(real_models / "snapshots" / "abc")
    (tmp_path / "models-link").symlink_to(real_models)
    monkeypatch.setenv("CODEX_ML_OFFLINE_MODELS_DIR", str(tmp_path / "models-link"))
    assert resolve("offline:gpt2", DIR_SPEC) == tmp_path / "models-link" / "gpt2"


def test_user_named_paths_are_not_constrained(tmp_path, monkeypatch):
    target = checkpoint(tmp_path / "anywhere" / "gpt2")
    monkeypatch.setenv("CODEX_ML_GPT2_PATH", str(target))
    assert resolve("offline:gpt2", DIR_SPEC) == target


def test_config_relative_paths_stay_inside_their_root(tmp_path):
    config_dir = tmp_path / "configs"
    inside = checkpoint(config_dir / "models" / "gpt2")
    assert resolve("offline:gpt2", DIR_SPEC, "models/gpt2", explicit_root=config_dir) == inside
    (config_dir / "models" / "x").mkdir()
    assert resolve("offline:gpt2", DIR_SPEC, "models/x/../gpt2", explicit_root=config_dir).resolve() == inside.resolve()
    checkpoint(tmp_path / "outside")
    with pytest.raises(PathEscapeError, match="configured path escapes its root"):
        resolve("offline:gpt2", DIR_SPEC, "../outside", explicit_root=config_dir)
    (config_dir / "link").symlink_to(tmp_path / "outside")
    with pytest.raises(PathEscapeError, match="symbolic link"):
        resolve("offline:gpt2", DIR_SPEC, "link", explicit_root=config_dir)


def test_contained_helper(tmp_path):
    assert contained(tmp_path, "a/b") == tmp_path / "a" / "b"
    assert contained(tmp_path, "a/../b") == tmp_path / "a/../b"
    for bad in ("..", "../x", "a/../../x", os.fspath(tmp_path / "abs")):
        with pytest.raises(PathEscapeError):
            contained(tmp_path, bad)


def test_plugins_show_marks_a_refused_location(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from codex_ml.cli.main import cli

    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    (root / "artifacts" / "models").mkdir(parents=True)
    (root / "artifacts" / "models" / "gpt2").symlink_to(checkpoint(tmp_path / "elsewhere"))
    result = CliRunner().invoke(cli, ["plugins", "show", "offline:gpt2", "--kind", "models"])
    assert result.exit_code == 0, result.output
    assert "project layout: " in result.output and "(refused: " in result.output and "symbolic link" in result.output
