"""TrainerConfig: the shipped four-key file still loads; the new keys are validated."""
from guards import require_torch

torch = require_torch()

import json
from importlib import resources

import pytest
from codex_ml.errors import MalformedArtifactError, UnknownSettingError
from codex_ml.offline.training.config import TrainerConfig
from codex_ml.offline.training.functional import load_functional_trainer


def test_shipped_fixture_keeps_its_four_keys():
    path = resources.files("codex_ml.offline.training").joinpath("fixtures/trainer_functional.json")
    assert sorted(json.loads(path.read_text())) == ["gradient_accumulation_steps", "learning_rate", "log_interval", "max_steps"]
    assert load_functional_trainer().config.block_size == 128


@pytest.mark.parametrize("override", [{"block_size": 1}, {"eval_fraction": 1.0}, {"warmup_steps": -1},
                                      {"resume": 3}, {"force_resume": "yes"}, {"output_dir": 5}, {"max_grad_norm": True}])
def test_bad_values_are_rejected(override):
    with pytest.raises(MalformedArtifactError):
        load_functional_trainer(**override)


def test_unknown_keys_are_rejected():
    with pytest.raises(UnknownSettingError, match="block_sise"):
        load_functional_trainer(block_sise=4)


def test_hash_ignores_keys_that_do_not_change_the_computation():
    base = TrainerConfig()
    assert TrainerConfig(log_interval=7, output_dir="x", resume=True, checkpoint_interval=3).training_hash() == base.training_hash()
    assert TrainerConfig(learning_rate=0.5).training_hash() != base.training_hash()
