"""The shared artefact resolver: order, fail-fast rules and the searched-locations message."""
from __future__ import annotations

import json
import os

import pytest
from codex_ml.artifacts.files import read_json_object
from codex_ml.artifacts.resolver import inspect_locations, project_root, resolve
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.errors import ArtifactNotFoundError, MalformedArtifactError

# The packaged copy comes from a throw-away package (see packaged_probe), so the core's tests need no
# component distribution installed.
SPEC = ArtifactSpec("CODEX_ML_TINY_TOKENIZER_PATH", "CODEX_ML_OFFLINE_MODELS_DIR", "tiny_tokenizer/vocab.json",
                    package="codex_ml_resolver_probe")
DIR_SPEC = ArtifactSpec("CODEX_ML_GPT2_PATH", "CODEX_ML_OFFLINE_MODELS_DIR", "gpt2", is_dir=True, required=("config.json",))


@pytest.fixture(scope="module", autouse=True)
def packaged_probe(tmp_path_factory):
    """An importable package shipping ``fixtures/tiny_tokenizer/vocab.json``, like a component distribution."""
    site = tmp_path_factory.mktemp("probe-site")
    write(site / "codex_ml_resolver_probe" / "__init__.py", "")
    write(site / "codex_ml_resolver_probe" / "fixtures" / "tiny_tokenizer" / "vocab.json")
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(site))
        yield


def write(path, text="{}"):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_order_argument_then_variable_then_directory_then_layout_then_fixture(tmp_path, monkeypatch):
    root = tmp_path / "project"
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    assert resolve("t", SPEC).parts[-3:] == ("fixtures", "tiny_tokenizer", "vocab.json")  # packaged

    layout = write(root / "artifacts/models/tiny_tokenizer/vocab.json")
    assert resolve("t", SPEC) == layout

    kind_dir = write(tmp_path / "models/tiny_tokenizer/vocab.json")
    monkeypatch.setenv("CODEX_ML_OFFLINE_MODELS_DIR", str(tmp_path / "models"))
    assert resolve("t", SPEC) == kind_dir

    specific = write(tmp_path / "specific/vocab.json")
    monkeypatch.setenv("CODEX_ML_TINY_TOKENIZER_PATH", str(specific.parent))  # a directory is accepted
    assert resolve("t", SPEC) == specific

    explicit = write(tmp_path / "explicit.json")
    assert resolve("t", SPEC, explicit) == explicit


def test_kind_directory_without_the_file_falls_through(tmp_path, monkeypatch):
    (tmp_path / "models").mkdir()
    monkeypatch.setenv("CODEX_ML_OFFLINE_MODELS_DIR", str(tmp_path / "models"))
    assert resolve("t", SPEC).parts[-2:] == ("tiny_tokenizer", "vocab.json")


def test_not_found_lists_every_location_and_the_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEX_ML_OFFLINE_MODELS_DIR", str(tmp_path / "models"))
    with pytest.raises(ArtifactNotFoundError) as info:
        resolve("offline:gpt2", DIR_SPEC)
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert "1. $CODEX_ML_OFFLINE_MODELS_DIR: " + str(tmp_path / "models" / "gpt2") in message
    assert "2. project layout: " in message and "artifacts/models/gpt2" in message
    assert "CODEX_ML_GPT2_PATH" in message


def test_directory_artefact_needs_its_required_files(tmp_path):
    (tmp_path / "gpt2").mkdir()
    with pytest.raises(ArtifactNotFoundError, match="missing config.json"):
        resolve("offline:gpt2", DIR_SPEC, tmp_path / "gpt2")
    write(tmp_path / "gpt2/config.json")
    assert resolve("offline:gpt2", DIR_SPEC, tmp_path / "gpt2") == tmp_path / "gpt2"


def test_inspect_marks_the_winner_and_unset_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("CODEX_ML_TINY_TOKENIZER_PATH", str(write(tmp_path / "v.json")))
    resolution = inspect_locations("t", SPEC)
    assert resolution.source == "$CODEX_ML_TINY_TOKENIZER_PATH"
    sources = [c.source for c in resolution.candidates]
    assert sources == ["$CODEX_ML_TINY_TOKENIZER_PATH", "$CODEX_ML_OFFLINE_MODELS_DIR", "project layout", "packaged fixture"]
    assert resolution.candidates[1].path is None


def test_project_root_walks_up_to_a_marker(tmp_path, monkeypatch):
    monkeypatch.delenv("CODEX_ML_PROJECT_ROOT")
    (tmp_path / "repo" / "deep" / "er").mkdir(parents=True)
    (tmp_path / "repo" / "pyproject.toml").write_text("")
    assert project_root(tmp_path / "repo" / "deep" / "er") == (tmp_path / "repo").resolve()
    monkeypatch.chdir(tmp_path / "repo" / "deep")
    assert project_root() == (tmp_path / "repo").resolve()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "invalid JSON at line 1"),
        ("[1, 2]", "expected a JSON object"),
        ('{"other": 1}', "missing required key(s) 'scale'"),
        ('{"scale": "big"}', "'scale' must be a number"),
        ('{"scale": true}', "'scale' must be a number"),
        ('{"scale": 1, "extra": 2}', "unknown key(s) 'extra'"),
    ],
)
def test_malformed_json_names_the_file_and_the_problem(tmp_path, content, message):
    path = write(tmp_path / "cfg.json", content)
    with pytest.raises(MalformedArtifactError) as info:
        read_json_object(path, required={"scale": float}, allow_extra=False)
    assert str(path) in str(info.value) and message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_unknown_directory_variable_is_rejected():
    with pytest.raises(ValueError, match="unknown kind directory variable"):
        ArtifactSpec("X", "CODEX_ML_NOPE_DIR", "x.json")


def test_home_expansion(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    write(tmp_path / "v.json", json.dumps({"<unk>": 0}))
    assert resolve("t", SPEC, "~/v.json") == tmp_path / "v.json"
    assert os.path.isabs(resolve("t", SPEC, "~/v.json"))
