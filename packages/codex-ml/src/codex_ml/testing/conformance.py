"""Conformance suites: subclass one, name the component, and pytest runs the contract against it.

    from codex_ml.testing import TokenizerConformance

    class TestCharTokenizer(TokenizerConformance):
        component = "example:chars"
        round_trip_texts = ["hello", "a b"]

Each suite builds the component through the registries (so registration is tested too); override
``build()`` to construct it differently. The class attributes document what each suite needs.
"""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, ClassVar, Mapping, Sequence

from codex_ml.interfaces import PROTOCOLS
from codex_ml.plugins.registries import REGISTRIES


class _Conformance:
    kind: ClassVar[str] = ""
    #: The registered name of the component under test.
    component: ClassVar[str] = ""
    #: Keyword arguments passed to the component's factory.
    kwargs: ClassVar[Mapping[str, Any]] = {}

    def build(self, **overrides: Any) -> Any:
        if not self.component:
            raise AssertionError(f"{type(self).__name__} must set `component` to the registered name")
        return REGISTRIES[self.kind].resolve_and_instantiate(self.component, **{**self.kwargs, **overrides})

    def test_is_registered(self) -> None:
        spec = REGISTRIES[self.kind].get(self.component)
        assert spec.kind == self.kind and spec.summary, "register the component with a one-line summary"

    def test_satisfies_the_protocol(self) -> None:
        obj = self.build()
        protocol = PROTOCOLS[self.kind]
        assert isinstance(obj, protocol), f"{type(obj).__name__} lacks part of {protocol.__name__}"


class TokenizerConformance(_Conformance):
    kind = "tokenizers"
    #: Texts that must survive ``decode(encode(text))`` unchanged.
    round_trip_texts: ClassVar[Sequence[str]] = ()
    #: A text containing tokens the vocabulary lacks; encoding it must not raise.
    unknown_text: ClassVar[str | None] = "zzqx-unseen-token"

    def test_encode_returns_integer_ids(self) -> None:
        tok = self.build()
        for text in [*self.round_trip_texts, "hello"]:
            ids = tok.encode(text)
            assert isinstance(ids, list) and all(isinstance(i, int) and not isinstance(i, bool) for i in ids)

    def test_round_trip(self) -> None:
        assert self.round_trip_texts, "set round_trip_texts to texts your tokenizer reproduces exactly"
        tok = self.build()
        for text in self.round_trip_texts:
            assert tok.decode(tok.encode(text)) == text

    def test_unknown_tokens_are_handled(self) -> None:
        if self.unknown_text is None:
            return
        tok = self.build()
        ids = tok.encode(self.unknown_text)
        assert ids and isinstance(tok.decode(ids), str)

    def test_empty_text(self) -> None:
        tok = self.build()
        assert tok.decode(tok.encode("")) == ""


class ModelConformance(_Conformance):
    kind = "models"
    prompts: ClassVar[Sequence[str]] = ("hello", "something else")

    def test_generate_returns_text(self) -> None:
        model = self.build()
        for prompt in self.prompts:
            assert isinstance(model.generate(prompt), str)

    def test_generate_is_deterministic(self) -> None:
        model = self.build()
        assert [model.generate(p) for p in self.prompts] == [model.generate(p) for p in self.prompts]


class DatasetConformance(_Conformance):
    kind = "datasets"
    #: The number of records, when known.
    expected_length: ClassVar[int | None] = None
    #: Factory arguments that shuffle with a seed, e.g. ``{"shuffle": True, "seed": 3}``; None skips the test.
    shuffle_kwargs: ClassVar[Mapping[str, Any] | None] = None

    def test_length_matches_iteration(self) -> None:
        data = self.build()
        records = list(data)
        assert len(data) == len(records)
        if self.expected_length is not None:
            assert len(records) == self.expected_length

    def test_can_be_iterated_twice(self) -> None:
        data = self.build()
        assert list(data) == list(data)

    def test_seeded_shuffle_is_a_reproducible_permutation(self) -> None:
        if self.shuffle_kwargs is None:
            return
        plain = list(self.build())
        first, second = list(self.build(**self.shuffle_kwargs)), list(self.build(**self.shuffle_kwargs))
        assert first == second
        assert sorted(map(repr, first)) == sorted(map(repr, plain))


class MetricConformance(_Conformance):
    kind = "metrics"
    predictions: ClassVar[Sequence[Any]] = ("a", "b", "c")
    targets: ClassVar[Sequence[Any]] = ("a", "x", "c")
    bounds: ClassVar[tuple[float, float]] = (0.0, 1.0)
    #: The score of predictions equal to their targets; None when the metric has no such notion.
    perfect_score: ClassVar[float | None] = 1.0

    def test_result_is_a_float_within_bounds(self) -> None:
        value = self.build().compute(list(self.predictions), list(self.targets))
        assert isinstance(value, float) and self.bounds[0] <= value <= self.bounds[1]

    def test_perfect_predictions(self) -> None:
        if self.perfect_score is None:
            return
        assert self.build().compute(list(self.targets), list(self.targets)) == self.perfect_score

    def test_length_mismatch_is_an_error(self) -> None:
        metric = self.build()
        try:
            metric.compute(list(self.predictions)[:-1], list(self.targets))
        except ValueError:
            return
        raise AssertionError("predictions and targets of different lengths must raise ValueError, not truncate")


class TrainerConformance(_Conformance):
    """Fits the trainer on a model and dataset named here (or built by the ``build_*`` methods)."""

    kind = "trainers"
    model: ClassVar[str] = "offline:tiny-sequence"
    dataset: ClassVar[str] = "offline:tiny-corpus"
    tokenizer: ClassVar[str | None] = "offline:tiny-vocab"
    #: Settings the trainer must honour; ``max_steps`` and ``log_interval`` are checked when present.
    kwargs: ClassVar[Mapping[str, Any]] = {"max_steps": 3, "log_interval": 2}

    def build_model(self) -> Any:
        return REGISTRIES["models"].resolve_and_instantiate(self.model)

    def build_dataset(self) -> Any:
        return REGISTRIES["datasets"].resolve_and_instantiate(self.dataset)

    def build_tokenizer(self) -> Any:
        return REGISTRIES["tokenizers"].resolve_and_instantiate(self.tokenizer) if self.tokenizer else None

    def _fit(self) -> tuple[dict[str, Any], list[Mapping[str, Any]]]:
        logged: list[Mapping[str, Any]] = []
        summary = self.build().fit(self.build_model(), self.build_dataset(), tokenizer=self.build_tokenizer(), log=logged.append)
        return summary, logged

    def test_fit_returns_a_json_summary_and_logs_json_records(self) -> None:
        summary, logged = self._fit()
        assert isinstance(summary, dict)
        json.dumps(summary)
        assert logged, "log at least once"
        for record in logged:
            json.dumps(dict(record))

    def test_honours_max_steps_and_log_interval(self) -> None:
        if not {"max_steps", "log_interval"} <= set(self.kwargs):
            return
        _, logged = self._fit()
        steps = [record["step"] for record in logged]
        max_steps, interval = self.kwargs["max_steps"], self.kwargs["log_interval"]
        assert steps[-1] == max_steps
        assert all(step % interval == 0 for step in steps[:-1])
        assert steps == sorted(set(steps))


class RewardModelConformance(_Conformance):
    kind = "reward_models"
    pairs: ClassVar[Sequence[tuple[str, str]]] = (("explain offline mode", "Here are the steps."), ("hi", ""), ("a", "b c"))

    def test_scores_are_finite_floats(self) -> None:
        rm = self.build()
        for prompt, completion in self.pairs:
            value = rm.score(prompt, completion)
            assert isinstance(value, float) and math.isfinite(value)

    def test_batch_equals_single(self) -> None:
        rm = self.build()
        assert rm.score_batch(list(self.pairs)) == [rm.score(p, c) for p, c in self.pairs]


class RLAgentConformance(_Conformance):
    """The RL agent contract of ``codex_ml.interfaces``: states in, actions out, scored steps to ``update``,
    through the same rollout helper the pipeline uses."""

    kind = "rl_agents"
    #: Prompts of one step; each is acted on ``group_size`` times.
    prompts: ClassVar[Sequence[str]] = ("hello", "offline first")
    group_size: ClassVar[int] = 2
    #: Whether ``update`` changes the policy (``updated`` 1.0) on a trajectory with reward spread.
    learns: ClassVar[bool] = False

    def build_states(self) -> list[Any]:
        from codex_ml.pipeline.rollout import make_states

        return make_states(list(self.prompts), self.group_size, None)

    def _trajectory(self, agent: Any) -> list[Any]:
        from codex_ml.pipeline.rollout import WeightedReward, rollout

        class _Length:
            def score_batch(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
                return [float(len(c)) for _, c in pairs]

        return rollout(agent, self.build_states(), WeightedReward({"length": (1.0, _Length())})).steps

    def test_act_returns_an_action(self) -> None:
        from codex_ml.pipeline.rollout import check_action

        agent = self.build()
        for state in self.build_states():
            action = agent.act(state)
            check_action(agent, action)
            assert all(isinstance(i, int) for i in action["completion_ids"])
            assert all(isinstance(x, float) and math.isfinite(x) and x <= 0.0 for x in action["logprobs"])

    def test_update_returns_float_statistics(self) -> None:
        from codex_ml.pipeline.rollout import check_update

        agent = self.build()
        steps = self._trajectory(agent)
        assert {s["group"] for s in steps} == set(range(len(self.prompts)))
        stats = check_update(agent, agent.update(steps))
        json.dumps(stats)
        assert stats["updated"] in (0.0, 1.0)
        if self.learns:
            rewards = [s["reward"] for s in steps]
            spread = max(rewards) > min(rewards)
            assert not spread or stats["updated"] == 1.0, "a learning agent must update on reward spread"
        else:
            assert stats["updated"] == 0.0

    def test_save_load_round_trip(self, tmp_path: Path) -> None:
        original = self.build()
        original.save(tmp_path / "agent")
        assert any((tmp_path).rglob("*")), "save must write something"
        reference = [original.act(state) for state in self.build_states()]
        restored = self.build()
        for state in self.build_states()[:3]:
            restored.act(state)
        restored.load(tmp_path / "agent")
        assert [restored.act(state) for state in self.build_states()] == reference
