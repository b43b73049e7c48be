"""offline:bradley-terry: learns the shipped preference pairs, saves, and serves as a reward model by name and path."""

from __future__ import annotations

import json

import pytest
from guards import require_torch

require_torch()

from codex_ml.errors import PreferenceError
from codex_ml.offline.rl.bradley_terry import BradleyTerrySettings, check_pairs, train_bradley_terry
from codex_ml.plugins.registries import datasets, reward_models


@pytest.fixture(scope="module")
def trained(policy_dir, tmp_path_factory):
    pairs = list(datasets.resolve_and_instantiate("offline:preferences"))
    out = tmp_path_factory.mktemp("bt") / "reward_model"
    summary = train_bradley_terry(
        pairs, policy_dir, out, BradleyTerrySettings(epochs=2, batch_size=8, learning_rate=3e-3)
    )
    return summary, out


def test_held_out_accuracy_beats_chance_clearly(trained):
    summary, _ = trained
    assert summary["held_out_pairs"] == 32 and summary["train_pairs"] == 96  # tasks held out by the script
    assert summary["held_out_accuracy"] >= 0.8, summary
    assert summary["held_out_accuracy"] > summary["held_out_accuracy_initial"]


def test_usable_as_a_reward_model_by_name_and_path(trained, monkeypatch):
    _, out = trained
    monkeypatch.setenv("CODEX_ML_BRADLEY_TERRY_PATH", str(out))  # by name alone: the usual search finds it
    assert reward_models.resolve_and_instantiate("offline:bradley-terry").source == out
    reward = reward_models.resolve_and_instantiate("offline:bradley-terry", path=out)
    good = reward.score(
        "How do I read a CSV file?",
        "Here are the steps to read a CSV file: first check what you have, then test the result.",
    )
    bad = reward.score("How do I read a CSV file?", "That is a stupid question, figure it out yourself.")
    assert isinstance(good, float) and good > bad
    assert json.loads((out / "reward_config.json").read_text())["held_out_accuracy"] >= 0.8
    from transformers import AutoModelForSequenceClassification

    assert AutoModelForSequenceClassification.from_pretrained(out).config.num_labels == 1


def test_bad_pairs_are_named():
    with pytest.raises(PreferenceError, match="record 1 has chosen equal to rejected"):
        check_pairs(
            [{"prompt": "p", "chosen": "a", "rejected": "b"}, {"prompt": "p", "chosen": "same", "rejected": "same"}]
        )
    with pytest.raises(PreferenceError, match="record 0 lacks text field.*'rejected'"):
        check_pairs([{"prompt": "p", "chosen": "a"}])
    with pytest.raises(PreferenceError, match="empty"):
        check_pairs([])


def test_a_directory_not_saved_by_the_trainer_is_refused(policy_dir, trained, tmp_path):
    import shutil

    from codex_ml.errors import CodexMLError, MalformedArtifactError

    with pytest.raises(MalformedArtifactError, match="no reward_config.json"):
        reward_models.resolve_and_instantiate("offline:bradley-terry", path=policy_dir)
    # saved complete (manifest.json written last, then renamed into place); a changed file is refused
    copy = shutil.copytree(trained[1], tmp_path / "changed")
    assert (copy / "manifest.json").is_file() and not list(copy.parent.glob("*partial*"))
    config = json.loads((copy / "reward_config.json").read_text())
    (copy / "reward_config.json").write_text(json.dumps({**config, "max_length": 8}))
    with pytest.raises(CodexMLError, match="reward_config.json"):
        reward_models.resolve_and_instantiate("offline:bradley-terry", path=copy)


def test_minilm_reward_model_learns_saves_and_loads_by_name_and_path(tmp_path):
    """The issue's other base: a sequence-classification head on codex-ml's own MiniLM (fresh, byte tokens)."""
    from codex_ml.offline.models.minilm import load_minilm
    from codex_ml.offline.rl.minilm_reward import SCORE_HEAD

    torch = require_torch()
    torch.manual_seed(0)
    fresh = load_minilm(n_layer=2, n_head=2, n_embd=32, block_size=128).module
    pairs = list(datasets.resolve_and_instantiate("offline:preferences"))
    out = tmp_path / "minilm_reward"
    summary = train_bradley_terry(pairs, fresh, out, BradleyTerrySettings(epochs=2, batch_size=8, learning_rate=3e-3))
    assert summary["held_out_pairs"] == 32 and summary["held_out_accuracy"] >= 0.8, summary
    assert (out / SCORE_HEAD).is_file() and load_minilm(path=out).module.config.n_embd == 32  # a plain MiniLM too
    reward = reward_models.resolve_and_instantiate("offline:bradley-terry", path=out)
    assert reward.pair_accuracy([p for p in pairs if p.get("split") == "test"]) == summary["held_out_accuracy"]
    good = reward.score("How do I read a CSV file?", "Here are the steps: first check what you have, then test it.")
    bad = reward.score("How do I read a CSV file?", "That is a stupid question, figure it out yourself.")
    assert good > bad


def test_settings_of_the_wrong_type_or_range_are_named():
    from codex_ml.errors import AgentSettingsError

    with pytest.raises(AgentSettingsError, match=r"training.epochs='two': must be an integer"):
        BradleyTerrySettings.build({"epochs": "two"})
    with pytest.raises(AgentSettingsError, match=r"training.eval_fraction=1.5: must be in \[0, 1\)"):
        BradleyTerrySettings.build({"eval_fraction": 1.5})


def test_the_shipped_pairs_and_prompts_are_what_the_script_makes(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[3] / "scripts" / "make_preferences.py"
    if not script.is_file():
        pytest.skip("scripts/ is not part of an installed distribution")
    subprocess.run([sys.executable, str(script), "--out", str(tmp_path)], check=True, capture_output=True, timeout=120)
    from codex_ml.offline.rl import plugin

    shipped = Path(plugin.__file__).parent / "fixtures"
    for name in ("preferences.jsonl", "rl_prompts.jsonl"):
        assert (tmp_path / name).read_bytes() == (shipped / name).read_bytes(), name
