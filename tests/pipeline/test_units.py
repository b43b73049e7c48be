"""Small pieces of the pipeline, in process: argument translation, composition, the eval-set format,
the metrics, seeds and run-directory naming."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from codex_ml.config.arguments import Selection, split_arguments
from codex_ml.config.compose import compose_config
from codex_ml.errors import ConfigError, MalformedArtifactError
from codex_ml.offline.data.evalset import read_evalset
from codex_ml.runs.directory import RunDirectory, default_run_path
from codex_ml.runs.provenance import collect_seeds


def test_split_arguments_keeps_hydra_grammar_and_picks_out_selections():
    overrides, selections = split_arguments(["a.b=1", "+c=2", "~d", "metrics/offline/accuracy", "model/offline/gpt2"])
    assert overrides == ["a.b=1", "+c=2", "~d"]
    assert [(s.group, s.option) for s in selections] == [("metrics", "offline/accuracy"), ("model", "offline/gpt2")]
    with pytest.raises(ConfigError):
        split_arguments(["justaword"])


def test_selection_adds_or_replaces():
    metric = Selection("metrics/offline/accuracy", "metrics", "offline/accuracy")
    assert metric.to_override({}) == "+metrics@metrics.accuracy=offline/accuracy"
    assert metric.to_override({"metrics@metrics.accuracy": "offline/accuracy"}) == "metrics@metrics.accuracy=offline/accuracy"
    model = Selection("model/offline/gpt2", "model", "offline/gpt2")
    assert model.to_override({"model": "base"}) == "model=offline/gpt2"
    assert model.to_override({}) == "+model=offline/gpt2"


@pytest.mark.parametrize("name, model", [("config", "offline:tiny-sequence"), ("offline/tiny_fixtures", "offline:tiny-sequence"),
                                         ("offline/catalogue", "offline:gpt2")])
def test_every_primary_composes(name, model):
    composed = compose_config(name, [], check_requirements=False)  # composition only: requires is tested apart
    assert composed.config["model"]["plugin"] == model
    assert composed.config["evaluation"]["dataset"]["plugin"] == "offline:tiny-eval"
    assert {"model", "tokenizer", "dataset_loader", "training", "reward_model", "rl_agent", "metrics"} <= set(composed.config)


def test_bare_selection_replaces_a_chosen_group():
    composed = compose_config("offline/catalogue", ["model/offline/tiny_sequence", "metrics/offline/weighted_accuracy"],
                              check_requirements=False)
    assert composed.config["model"]["plugin"] == "offline:tiny-sequence"
    assert set(composed.config["metrics"]) == {"weighted_accuracy", "accuracy", "exact_match"}


def test_fragments_leave_artefact_variables_to_the_resolver(monkeypatch, tmp_path):
    from codex_ml.pipeline.components import plan

    policy = tmp_path / "policy.json"
    policy.write_text('{"default": "noop"}')
    monkeypatch.setenv("CODEX_ML_SCRIPTED_AGENT_PATH", str(tmp_path))
    node = compose_config("config", []).config["rl_agent"]
    assert node["path"] is None  # no ${oc.env:...} copy of the variable in the fragment
    assert plan("rl_agent", "rl_agents", node).artefact == policy


def test_eval_set_format(tmp_path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"prompt": "p", "target": "t", "label": "positive", "source": "x"}\n\n{"prompt": "q", "target": "u"}\n')
    samples = read_evalset(path)
    assert len(samples) == 2
    assert (samples[0].label, dict(samples[0].metadata)) == ("positive", {"source": "x"})
    assert samples[1].label is None
    for text, problem in [('{"prompt": 1, "target": "t"}', "'prompt' must be a string"), ("[1]", "expected a JSON object"),
                          ("{", "invalid JSON"), ('{"prompt": "p", "target": "t", "label": 3}', "'label' must be a string")]:
        path.write_text(text + "\n")
        with pytest.raises(MalformedArtifactError, match=problem):
            read_evalset(path)
    path.write_text("\n")
    with pytest.raises(MalformedArtifactError, match="no samples"):
        read_evalset(path)


def test_seeds_are_found_anywhere():
    assert collect_seeds({"seed": 1, "a": {"seed": 2, "b": {"seed": 3}}, "c": [1]}) == {"seed": 1, "a.seed": 2, "a.b.seed": 3}


def test_run_paths_never_collide(tmp_path):
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    first = default_run_path("offline/catalogue", tmp_path, now)
    assert first == tmp_path / "runs" / "20260102-030405-offline-catalogue"
    RunDirectory(first)
    assert default_run_path("offline/catalogue", tmp_path, now).name == "20260102-030405-offline-catalogue-2"


def test_metrics_file_is_complete_after_close(tmp_path):
    run = RunDirectory(tmp_path / "r")
    for step in range(5):
        run.log({"step": step})
    run.close()
    assert (tmp_path / "r" / "metrics.jsonl").read_text().count("\n") == 5


def test_every_installed_offline_fragment_composes():
    from codex_ml.config.messages import config_groups
    from codex_ml.config.searchpath import all_sources, group_options

    sources = all_sources()
    paths = [f"{group}/{option}" for group in config_groups() for option, provider in group_options(group, sources).items()
             if provider.startswith("codex-ml-offline-")]
    assert len(paths) >= 15 and "model/offline/gpt2" in paths and "interfaces/offline" in paths
    for path in paths:
        group, option = path.split("/", 1)
        word = path if group == "metrics" else f"{group}={option}"
        composed = compose_config("config", [word])
        key = {"data": "dataset_loader", "metrics": f"metrics.{option.rsplit('/', 1)[-1]}",
               "evaluation": "evaluation.dataset"}.get(group, group)
        if group != "interfaces":
            node = composed.config
            for part in key.split("."):
                node = node[part]
            assert node["plugin"].startswith("offline:"), path


def test_progress_bars_only_on_a_terminal(monkeypatch):
    import sys

    from codex_ml.utils import progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert not progress.wanted(quiet=False)
    assert list(progress.progress([1, 2], total=2, desc="x", quiet=False)) == [1, 2]
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    assert progress.wanted(quiet=False) and not progress.wanted(quiet=True)


def test_a_users_searchpath_extends_the_installed_one(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "mine.yaml").write_text("# @package model\nplugin: offline:tiny-sequence\nname: null\npath: null\n")
    composed = compose_config("config", [f"hydra.searchpath=[file://{tmp_path}]", "model=mine", "data=offline/tiny_corpus"])
    assert composed.config["model"]["plugin"] == "offline:tiny-sequence"
    assert composed.config["dataset_loader"]["plugin"] == "offline:tiny-corpus"  # installed fragments still found
