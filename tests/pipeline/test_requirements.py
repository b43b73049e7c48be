"""Every missing distribution and package for a run, in one message with one pip command; each command
needs only the distributions it uses (evaluate never needs the rl or training distributions)."""
from __future__ import annotations

import json

import pytest
from guards import torch_problem
from pipeline_helpers import cli_env, only_run_dir, run_cli

WITHOUT_RL_AND_TRAINING = "codex-ml-offline-rl,codex-ml-offline-training"


@pytest.mark.parametrize("config", ["config", "offline/tiny_fixtures", "offline/catalogue"])
def test_evaluate_needs_neither_rl_nor_training(tmp_path, config):
    args = ["evaluate", "-q", "-cn", config]
    if config == "offline/catalogue":  # GPT-2 artefacts are not here; swap the model, keep the preset's groups
        if torch_problem():
            pytest.skip("the catalogue preset declares codex-ml-offline-models[hf], which needs torch")
        args += ["model=offline/tiny_sequence", "tokenizer=offline/tiny_vocab"]
    result = run_cli(args, tmp_path, env=cli_env(CODEX_ML_DISABLE_PLUGINS=WITHOUT_RL_AND_TRAINING))
    assert result.returncode == 0, result.stderr
    scores = json.loads((only_run_dir(tmp_path) / "results.json").read_text())["scores"]
    assert scores["accuracy"]["value"] == 0.7


def test_train_reports_every_missing_distribution_in_one_message(tmp_path):
    result = run_cli(["train", "-cn", "offline/tiny_fixtures"], tmp_path,
                     env=cli_env(CODEX_ML_DISABLE_PLUGINS=WITHOUT_RL_AND_TRAINING))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    err = result.stderr
    assert "codex-ml-offline-training is disabled" in err and "codex-ml-offline-rl is disabled" in err
    assert err.count("pip install") == 1
    assert "pip install codex-ml-offline-training codex-ml-offline-rl" in err
    assert not (tmp_path / "runs").exists()


def test_missing_packages_share_one_pip_command(codex_plugin_host, register_codex_plugin):
    """Components whose optional packages are missing: every one named, one pip line for all."""
    from codex_ml.errors import MissingDependencyError
    from codex_ml.pipeline.components import check_dependencies, plan
    from codex_ml.plugins import hookimpl

    class Acme:
        @hookimpl
        def register_models(self, register):
            register("acme:big", "acme.big:Model", requires=("codex_ml_no_such_module_a", "codex_ml_no_such_module_b"),
                     extra="big", summary="needs two packages")

        @hookimpl
        def register_metrics(self, register):
            register("acme:score", "acme.score:Score", requires=("codex_ml_no_such_module_c",), extra="big")

    class Other:
        @hookimpl
        def register_tokenizers(self, register):
            register("other:tok", "other.tok:Tok", requires=("codex_ml_no_such_module_d",), extra="fast")

    register_codex_plugin(Acme(), distribution="acme-models")
    register_codex_plugin(Other(), distribution="other-tokenizers")
    planned = [plan("model", "models", {"plugin": "acme:big"}), plan("metrics.score", "metrics", {"plugin": "acme:score"}),
               plan("tokenizer", "tokenizers", {"plugin": "other:tok"})]
    with pytest.raises(MissingDependencyError) as info:
        check_dependencies(planned)
    message = str(info.value)
    assert "model (acme:big) needs codex_ml_no_such_module_a, codex_ml_no_such_module_b" in message
    assert "metrics.score (acme:score) needs codex_ml_no_such_module_c" in message
    assert message.count("pip install") == 1
    assert message.endswith("Install everything with: pip install 'acme-models[big]' 'other-tokenizers[fast]'")
