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


class ScoringModelConformance(ModelConformance):
    """A model that implements the scoring contract (``codex_ml.interfaces.ScoringModel``): batched
    ``loglikelihood``, ``loglikelihood_rolling`` and ``generate_until``, one result per request, in order."""

    #: (context, continuation) pairs; at least two should share a context, one context should be empty.
    loglikelihood_requests: ClassVar[Sequence[tuple[str, str]]] = (
        ("The answer is", " yes"), ("The answer is", " no"), ("", "hello"), ("Question: why?\nAnswer:", " because"))
    rolling_texts: ClassVar[Sequence[str]] = ("hello world", "A longer text, scored whole. " * 8)
    #: How far a batched result may be from the same request scored alone.
    tolerance: ClassVar[float] = 1e-4

    def test_satisfies_the_scoring_protocol(self) -> None:
        from codex_ml.interfaces import ScoringModel

        model = self.build()
        assert isinstance(model, ScoringModel), f"{type(model).__name__} lacks part of ScoringModel"

    def test_loglikelihood_gives_one_result_per_request_in_order(self) -> None:
        model = self.build()
        batched = model.loglikelihood(list(self.loglikelihood_requests))
        assert len(batched) == len(self.loglikelihood_requests)
        for request, (value, greedy) in zip(self.loglikelihood_requests, batched):
            assert isinstance(greedy, bool) and math.isfinite(value) and value <= 0
            alone, = model.loglikelihood([request])
            assert abs(alone[0] - value) <= self.tolerance, f"{request!r}: {value} batched, {alone[0]} alone"
        reversed_ = model.loglikelihood(list(self.loglikelihood_requests)[::-1])[::-1]
        assert all(abs(a[0] - b[0]) <= self.tolerance for a, b in zip(batched, reversed_))

    def test_an_empty_continuation_is_an_error(self) -> None:
        model = self.build()
        try:
            model.loglikelihood([("context", "")])
        except ValueError:
            return
        raise AssertionError("an empty continuation must be refused (it would score 0, a free win)")

    def test_loglikelihood_rolling_gives_one_total_per_text(self) -> None:
        model = self.build()
        totals = model.loglikelihood_rolling(list(self.rolling_texts))
        assert len(totals) == len(self.rolling_texts)
        assert all(math.isfinite(t) and t < 0 for t in totals)
        assert abs(model.loglikelihood_rolling([self.rolling_texts[0]])[0] - totals[0]) <= self.tolerance

    def test_generate_until_gives_one_text_per_request(self) -> None:
        model = self.build()
        answers = model.generate_until([(p, {"until": ["\n"], "max_gen_toks": 8}) for p in self.prompts])
        assert len(answers) == len(self.prompts) and all(isinstance(a, str) and "\n" not in a for a in answers)


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
    kind = "rl_agents"
    steps: ClassVar[int] = 6

    def test_act_and_update(self) -> None:
        agent = self.build()
        actions = [agent.act(None) for _ in range(self.steps)]
        stats = agent.update([(None, action, 0.0) for action in actions])
        assert isinstance(stats, dict) and all(isinstance(v, float) for v in stats.values())

    def test_save_load_round_trip(self, tmp_path: Path) -> None:
        original = self.build()
        original.save(tmp_path / "agent")
        assert any((tmp_path).rglob("*")), "save must write something"
        reference = [original.act(None) for _ in range(self.steps)]
        restored = self.build()
        for _ in range(3):
            restored.act(None)
        restored.load(tmp_path / "agent")
        assert [restored.act(None) for _ in range(self.steps)] == reference
