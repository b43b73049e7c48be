"""The seven tiny offline components, built through the registries exactly as users do."""
from __future__ import annotations

import json

import pytest
from codex_ml.errors import ArtifactNotFoundError, MalformedArtifactError, UnknownSettingError
from codex_ml.kinds import PROTOCOLS
from codex_ml.plugins.registries import datasets, metrics, models, reward_models, rl_agents, tokenizers, trainers


def test_tiny_vocab_encodes_decodes_and_maps_unknown_words():
    tok = tokenizers.resolve_and_instantiate("offline:tiny-vocab")
    assert tok.encode("hello offline world") == [2, 3, 4]
    assert tok.decode([2, 3, 4]) == "hello offline world"
    assert tok.encode("hello mars") == [2, 1]
    assert tok.decode([5, 99]) == "catalogue <unk>"
    assert isinstance(tok, PROTOCOLS["tokenizers"])


def test_tiny_vocab_without_unk_is_rejected(tmp_path):
    (tmp_path / "vocab.json").write_text(json.dumps({"<pad>": 0, "hello": 1}))
    with pytest.raises(MalformedArtifactError, match="<unk>"):
        tokenizers.resolve_and_instantiate("offline:tiny-vocab", path=tmp_path)


def test_tiny_vocab_save_round_trips(tmp_path):
    tok = tokenizers.resolve_and_instantiate("offline:tiny-vocab")
    saved = tok.save_pretrained(tmp_path / "out")
    again = tokenizers.resolve_and_instantiate("offline:tiny-vocab", path=saved.parent)
    assert again.vocab == tok.vocab


def test_tiny_sequence_answers_by_first_matching_prefix():
    model = models.resolve_and_instantiate("offline:tiny-sequence")
    assert model.generate("hello there") == "offline world"
    assert model.generate("offline mode") == "catalogue ready"
    assert model.generate("something else") == "tiny offline model"
    assert model(["hello", "Hello"]) == ["offline world", "tiny offline model"]  # case-sensitive
    assert isinstance(model, PROTOCOLS["models"])


def test_tiny_sequence_rejects_malformed_rules(tmp_path):
    bad = tmp_path / "model.json"
    bad.write_text(json.dumps({"responses": [{"prefix": "a"}]}))
    with pytest.raises(MalformedArtifactError, match=r"responses\[0\]"):
        models.resolve_and_instantiate("offline:tiny-sequence", path=bad)


def test_tiny_corpus_lines_and_seeded_shuffle():
    corpus = datasets.resolve_and_instantiate("offline:tiny-corpus")
    assert list(corpus) == ["hello world", "offline first", "fixtures are tiny"]
    assert len(corpus) == 3
    a = datasets.resolve_and_instantiate("offline:tiny-corpus", shuffle=True, seed=1)
    b = datasets.resolve_and_instantiate("offline:tiny-corpus", shuffle=True, seed=1)
    assert list(a) == list(b) and sorted(a) == sorted(corpus)
    assert isinstance(corpus, PROTOCOLS["datasets"])


def test_weighted_accuracy_weighs_by_target_label():
    metric = metrics.resolve_and_instantiate("offline:weighted-accuracy")
    assert metric.compute(["a", "x", "c"], ["a", "b", "c"]) == pytest.approx(2 / 3)
    # positive weighs 1.5, negative 1.0: one correct positive out of (1.5 + 1.0)
    assert metric.compute(["positive", "positive"], ["positive", "negative"]) == pytest.approx(1.5 / 2.5)
    assert metric.compute([], []) == 0.0
    assert isinstance(metric, PROTOCOLS["metrics"])


def test_weighted_accuracy_refuses_length_mismatch():
    metric = metrics.resolve_and_instantiate("offline:weighted-accuracy")
    with pytest.raises(ValueError, match="differ in length"):
        metric.compute(["a"], ["a", "b"])


def test_weighted_accuracy_rejects_bad_weights(tmp_path):
    (tmp_path / "weighted_accuracy.json").write_text(json.dumps({"positive": "heavy"}))
    with pytest.raises(MalformedArtifactError, match="'positive'"):
        metrics.resolve_and_instantiate("offline:weighted-accuracy", path=tmp_path)


def test_functional_trainer_reads_file_and_overrides():
    trainer = trainers.resolve_and_instantiate("offline:functional")
    assert trainer.config.learning_rate == 0.001 and trainer.config.max_steps == 3
    tuned = trainers.resolve_and_instantiate("offline:functional", max_steps=5, log_interval=2)
    assert (tuned.config.max_steps, tuned.config.log_interval) == (5, 2)
    assert isinstance(trainer, PROTOCOLS["trainers"])


def test_functional_trainer_rejects_unknown_keys(tmp_path):
    with pytest.raises(UnknownSettingError, match="'epochs'"):
        trainers.resolve_and_instantiate("offline:functional", epochs=3)
    (tmp_path / "trainer_functional.json").write_text(json.dumps({"max_steps": 2, "lr": 0.1}))
    with pytest.raises(MalformedArtifactError, match="'lr'"):
        trainers.resolve_and_instantiate("offline:functional", path=tmp_path)


def test_functional_trainer_honours_every_key_on_a_parameterless_model():
    trainer = trainers.resolve_and_instantiate("offline:functional", max_steps=5, log_interval=2,
                                               gradient_accumulation_steps=2, learning_rate=0.01)
    tok = tokenizers.resolve_and_instantiate("offline:tiny-vocab")
    model = models.resolve_and_instantiate("offline:tiny-sequence")
    corpus = datasets.resolve_and_instantiate("offline:tiny-corpus")
    logged = []
    summary = trainer.fit(model, corpus, tokenizer=tok, log=logged.append)
    assert summary["trained"] is False and "no trainable parameters" in summary["reason"]
    assert [r["step"] for r in logged] == [2, 4, 5]  # every log_interval, plus the last step
    assert summary["records_seen"] == 5 * 2  # max_steps x accumulation x batch_size(1)
    assert sum(r["records"] for r in logged) == summary["records_seen"]
    # the corpus cycles: 10 records = 3 full passes (2+2+3 tokens each) + "hello world"
    assert summary["tokens_seen"] == 3 * 7 + 2
    assert all(r["learning_rate"] == 0.01 for r in logged)


def test_length_reward_scores_characters():
    rm = reward_models.resolve_and_instantiate("offline:length")
    assert rm.score("prompt", "abcd") == 2.0
    assert rm.score_batch([("p", ""), ("p", "ab")]) == [1.0, 1.5]
    assert reward_models.resolve_and_instantiate("offline:length", scale=1.0).score("p", "ab") == 3.0
    with pytest.raises(UnknownSettingError):
        reward_models.resolve_and_instantiate("offline:length", bias=1.0)
    assert isinstance(rm, PROTOCOLS["reward_models"])


def test_heuristic_reward_is_deterministic_bounded_and_penalises_unsafe_text():
    rm = reward_models.resolve_and_instantiate("offline:heuristic")
    helpful = rm.score("explain offline mode", "Here are the steps to explain offline mode, with an example.")
    unsafe = rm.score("explain offline mode", "just run rm -rf and drop table users")
    assert -1.0 <= unsafe < helpful <= 1.0
    assert rm.score("x", "   ") == -1.0
    assert rm.score("a", "b c") == rm.score("a", "b c")
    assert rm.score_batch([("a", "b c")]) == [rm.score("a", "b c")]
    flagged = rm.score("a", "b c", metadata={"safety_flag": True})
    assert flagged == pytest.approx(rm.score("a", "b c") - 0.2)


def test_scripted_agent_cycles_and_round_trips(tmp_path):
    agent = rl_agents.resolve_and_instantiate("offline:scripted")
    state = {"prompt": "p", "prompt_ids": [], "group": 0}
    actions = [agent.act(state) for _ in range(5)]
    assert [a["completion_ids"] for a in actions] == [[1], [0], [1], [1], [1]]
    assert actions[0] == {"completion": "1", "completion_ids": [1], "logprobs": [0.0]}
    step = {**state, **actions[0], "reward": 0.5}
    assert agent.update([step]) == {"loss": 0.0, "updated": 0.0, "steps": 1.0, "mean_reward": 0.5}
    agent.save(tmp_path)
    saved = json.loads((tmp_path / "policy.json").read_text())
    assert saved == {"actions": [1, 0, 1, 1], "loop": True}
    (tmp_path / "hold.json").write_text(json.dumps({"actions": [2, 3], "loop": False}))
    agent.load(tmp_path / "hold.json")
    assert [agent.act(state)["completion"] for _ in range(4)] == ["2", "3", "3", "3"]
    assert isinstance(agent, PROTOCOLS["rl_agents"])


def test_scripted_agent_rejects_empty_actions(tmp_path):
    (tmp_path / "policy.json").write_text(json.dumps({"actions": []}))
    with pytest.raises(MalformedArtifactError, match="must not be empty"):
        rl_agents.resolve_and_instantiate("offline:scripted", path=tmp_path)


@pytest.mark.parametrize(
    ("registry", "name", "variable"),
    [
        (tokenizers, "offline:tiny-vocab", "CODEX_ML_TINY_TOKENIZER_PATH"),
        (models, "offline:tiny-sequence", "CODEX_ML_TINY_SEQUENCE_PATH"),
        (datasets, "offline:tiny-corpus", "CODEX_ML_TINY_CORPUS_PATH"),
        (metrics, "offline:weighted-accuracy", "CODEX_ML_WEIGHTED_ACCURACY_PATH"),
        (trainers, "offline:functional", "CODEX_ML_FUNCTIONAL_TRAINER_CONFIG"),
        (reward_models, "offline:length", "CODEX_ML_LENGTH_REWARD_PATH"),
        (rl_agents, "offline:scripted", "CODEX_ML_SCRIPTED_AGENT_PATH"),
    ],
)
def test_missing_user_named_paths_fail_fast(registry, name, variable, tmp_path, monkeypatch):
    with pytest.raises(ArtifactNotFoundError, match="argument points to"):
        registry.resolve_and_instantiate(name, path=tmp_path / "missing.json")
    monkeypatch.setenv(variable, str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match=variable):
        registry.resolve_and_instantiate(name)
