"""The core resolves each artefact exactly once per run and hands factories the resolved path."""
from __future__ import annotations

import json
from collections import Counter

import pytest
from codex_ml.artifacts import resolver
from codex_ml.config.compose import compose_config
from codex_ml.pipeline.training import run_train
from codex_ml.plugins.registries import REGISTRIES


@pytest.fixture
def searches(monkeypatch):
    """Every artefact search, by component name (``resolve`` and ``inspect_locations`` all go through ``_plan``)."""
    counted: Counter[str] = Counter()
    original = resolver._plan

    def counting(spec, explicit, explicit_root):
        counted[spec.env_var] += 1
        return original(spec, explicit, explicit_root)

    monkeypatch.setattr(resolver, "_plan", counting)
    return counted


def test_one_resolve_per_artefact_in_a_run(tmp_path, searches):
    composed = compose_config("offline/tiny_fixtures", [f"output_dir={tmp_path / 'run'}"])
    summary = run_train(composed, quiet=True)
    read = {record["role"] for record in json.loads((tmp_path / "run" / "provenance.json").read_text())["artefacts"]}
    assert summary["trained"] is False and len(read) == 8, read  # tokenizer, model, data, trainer, reward, agent, metric, evalset
    assert sum(searches.values()) == len(searches) == 8, dict(searches)


def test_registry_builds_resolve_once_and_pass_the_path(tmp_path, searches, monkeypatch):
    received = {}
    spec = REGISTRIES["tokenizers"].get("offline:tiny-vocab")
    factory = spec.load()

    def spy(path, **kwargs):
        received["path"] = path
        return factory(path, **kwargs)

    REGISTRIES["tokenizers"].register("test:spy-vocab", spy, artifact=spec.artifact)
    try:
        tokenizer = REGISTRIES["tokenizers"].resolve_and_instantiate("test:spy-vocab")
    finally:
        REGISTRIES["tokenizers"].unregister("test:spy-vocab")
    assert tokenizer.vocab_size > 0
    assert received["path"].is_file() and received["path"].name == "vocab.json"  # already resolved
    assert sum(searches.values()) == 1
