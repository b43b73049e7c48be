"""A preset names what it needs (`requires:`); a run without a part names every missing one at once."""
from __future__ import annotations

from importlib import metadata

import pytest
from codex_ml.config import requirements
from codex_ml.errors import ConfigError
from pipeline_helpers import cli_env, run_cli


def _preset(tmp_path, body: str):
    path = tmp_path / "preset.yaml"
    path.write_text(body)
    return path


def test_every_missing_distribution_and_extra_is_named_in_one_message(tmp_path, monkeypatch):
    real_version = metadata.version

    def version(name):  # exactly transformers and tokenizers missing, the rest satisfied, whatever is installed here
        if name in ("transformers", "tokenizers"):
            raise metadata.PackageNotFoundError(name)
        return real_version(name) if name.startswith("codex-ml") else "999.0"

    monkeypatch.setattr(requirements.metadata, "version", version)
    path = _preset(tmp_path, "requires:\n  - codex-ml-offline-data\n  - no-such-distribution-xyz\n"
                             "  - codex-ml-offline-models[hf]\n")
    with pytest.raises(ConfigError) as raised:
        requirements.check("preset", path, "train")
    message = str(raised.value)
    assert "no-such-distribution-xyz is not installed" in message
    needs = message.split("codex-ml-offline-models[hf] needs ", 1)[1].split(")", 1)[0]
    assert sorted(needs.split(", ")) == ["tokenizers", "transformers"]
    assert message.endswith("pip install no-such-distribution-xyz 'codex-ml-offline-models[hf]'")
    assert "codex-ml-offline-data" not in message  # installed: not named


def test_requirements_per_command(tmp_path):
    path = _preset(tmp_path, "requires:\n  evaluate: [codex-ml-offline-data]\n  train: [no-such-distribution-xyz]\n")
    requirements.check("preset", path, "evaluate")
    with pytest.raises(ConfigError, match="no-such-distribution-xyz is not installed"):
        requirements.check("preset", path, "train")
    assert requirements.declared(path, None) == ["codex-ml-offline-data", "no-such-distribution-xyz"]


@pytest.mark.parametrize("body, expected", [
    ("requires: codex-ml-offline-data\n", "must be a list of requirement strings"),
    ("requires: ['codex-ml-offline-data>=1']\n", "is not 'distribution' or"),
])
def test_a_malformed_requires_names_the_file(tmp_path, body, expected):
    path = _preset(tmp_path, body)
    with pytest.raises(ConfigError, match=expected) as raised:
        requirements.check("preset", path, "train")
    assert str(path) in str(raised.value)


def test_the_shipped_presets_declare_what_they_need():
    from codex_ml.config.searchpath import CORE_CONF

    train = requirements.declared(CORE_CONF / "config.yaml", "train")
    assert requirements.declared(CORE_CONF / "config.yaml", "evaluate") == [
        "codex-ml-offline-models", "codex-ml-offline-data", "codex-ml-offline-metrics"]
    assert {"codex-ml-offline-training", "codex-ml-offline-rl"} <= set(train)
    assert "codex-ml-offline-models[hf]" in requirements.declared(CORE_CONF / "offline" / "catalogue.yaml", "train")


def test_evaluate_needs_only_models_data_and_metrics(tmp_path):
    env = cli_env(CODEX_ML_DISABLE_PLUGINS="codex-ml-offline-training,codex-ml-offline-rl")
    evaluated = run_cli(["evaluate", "-q", f"output_dir={tmp_path / 'eval'}"], tmp_path, env=env)
    assert evaluated.returncode == 0, evaluated.stderr
    assert (tmp_path / "eval" / "results.json").is_file()
    trained = run_cli(["train", "-q", f"output_dir={tmp_path / 'train'}"], tmp_path, env=env)
    assert trained.returncode == 2 and "Traceback" not in trained.stderr
    assert ("codex-ml-offline-training is disabled by CODEX_ML_DISABLE_PLUGINS; "
            "codex-ml-offline-rl is disabled by CODEX_ML_DISABLE_PLUGINS") in trained.stderr
    assert "pip install codex-ml-offline-training codex-ml-offline-rl" in trained.stderr
    assert not (tmp_path / "train").exists()
