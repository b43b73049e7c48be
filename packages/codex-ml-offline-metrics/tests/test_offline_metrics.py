"""offline:accuracy, offline:exact-match and offline:weighted-accuracy, built through the registry as users do."""
from __future__ import annotations

import pytest
from codex_ml.plugins.registries import metrics


def test_metrics():
    accuracy = metrics.resolve_and_instantiate("offline:accuracy")
    exact = metrics.resolve_and_instantiate("offline:exact-match")
    weighted = metrics.resolve_and_instantiate("offline:weighted-accuracy")
    predictions, targets = ["Tiny offline model.", "b", "c"], ["tiny offline model", "b", "x"]
    assert accuracy.compute(predictions, targets) == pytest.approx(1 / 3)
    assert exact.compute(predictions, targets) == pytest.approx(2 / 3)
    assert exact.compute(["The answer!"], ["answer"]) == 1.0
    assert accuracy.compute([], []) == exact.compute([], []) == 0.0
    # weights by label: positive 1.5, negative 1.0
    assert weighted.compute(["a", "b"], ["a", "c"], labels=["positive", "negative"]) == pytest.approx(1.5 / 2.5)
    assert weighted.compute(["a", "x", "c"], ["a", "b", "c"]) == pytest.approx(2 / 3)  # unlabelled: by target
    with pytest.raises(ValueError):
        accuracy.compute(["a"], [])
