"""The project's own tiny components pass the same conformance suites third parties use."""
from __future__ import annotations

from typing import ClassVar

from codex_ml.testing import (
    DatasetConformance,
    MetricConformance,
    ModelConformance,
    RewardModelConformance,
    RLAgentConformance,
    TokenizerConformance,
    TrainerConformance,
)


class TestTinyVocab(TokenizerConformance):
    component = "offline:tiny-vocab"
    round_trip_texts = ("hello offline world", "catalogue")


class TestTinySequence(ModelConformance):
    component = "offline:tiny-sequence"


class TestTinyCorpus(DatasetConformance):
    component = "offline:tiny-corpus"
    expected_length = 3
    shuffle_kwargs: ClassVar[dict[str, object]] = {"shuffle": True, "seed": 3}


class TestWeightedAccuracy(MetricConformance):
    component = "offline:weighted-accuracy"


class TestFunctionalTrainer(TrainerConformance):
    component = "offline:functional"
    model = "offline:tiny-sequence"
    dataset = "offline:tiny-corpus"
    tokenizer = "offline:tiny-vocab"


class TestFunctionalTrainerOnStandIns(TrainerConformance):
    """The suite's own stand-in model and records, with no other distribution involved."""

    component = "offline:functional"


class TestLengthReward(RewardModelConformance):
    component = "offline:length"


class TestHeuristicReward(RewardModelConformance):
    component = "offline:heuristic"


class TestScriptedAgent(RLAgentConformance):
    component = "offline:scripted"
