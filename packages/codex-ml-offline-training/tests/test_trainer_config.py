"""TrainerConfig: the shipped file is the one home of the defaults; a partial trainer file and keyword
overrides change only what they name; every key is validated."""
from guards import require_torch

torch = require_torch()

import dataclasses
import json
from importlib import resources

import pytest
import yaml
from codex_ml.errors import MalformedArtifactError, UnknownSettingError
from codex_ml.offline.training.config import TrainerConfig
from codex_ml.plugins.registries import trainers


def load_functional_trainer(**settings):
    return trainers.resolve_and_instantiate("offline:functional", **settings)


def test_the_shipped_file_is_the_one_home_of_the_defaults():
    path = resources.files("codex_ml.offline.training").joinpath("fixtures/trainer_functional.json")
    shipped = json.loads(path.read_text())
    assert sorted(shipped) == sorted(TrainerConfig.field_types()) == sorted(f.name for f in dataclasses.fields(TrainerConfig))
    assert all(f.default is dataclasses.MISSING for f in dataclasses.fields(TrainerConfig))  # no second table
    assert load_functional_trainer().config.to_dict() == shipped
    fragment = resources.files("codex_ml.offline.training").joinpath("conf/training/offline/functional.yaml").read_text()
    values = {k: v for k, v in yaml.safe_load(fragment).items() if k in shipped}
    assert values.keys() - {"seed"} and all(v is None for k, v in values.items() if k != "seed")  # no third


def test_a_partial_trainer_file_changes_only_what_it_names(tmp_path, monkeypatch):
    (tmp_path / "trainer_functional.json").write_text(json.dumps({"max_steps": 9}))
    monkeypatch.setenv("CODEX_ML_FUNCTIONAL_TRAINER_CONFIG", str(tmp_path))
    config = load_functional_trainer(block_size=16).config
    assert (config.max_steps, config.block_size, config.learning_rate) == (9, 16, 0.001)


@pytest.mark.parametrize("override", [{"block_size": 1}, {"eval_fraction": 1.0}, {"warmup_steps": -1},
                                      {"resume": 3}, {"force_resume": "yes"}, {"output_dir": 5}, {"max_grad_norm": True}])
def test_bad_values_are_rejected(override):
    with pytest.raises(MalformedArtifactError):
        load_functional_trainer(**override)


def test_unknown_keys_are_rejected():
    with pytest.raises(UnknownSettingError, match="block_sise"):
        load_functional_trainer(block_sise=4)


def test_hash_ignores_keys_that_do_not_change_the_computation():
    base = load_functional_trainer().config
    same = load_functional_trainer(log_interval=7, output_dir="x", resume=True, checkpoint_interval=3).config
    assert same.training_hash() == base.training_hash()
    assert load_functional_trainer(learning_rate=0.5).config.training_hash() != base.training_hash()
