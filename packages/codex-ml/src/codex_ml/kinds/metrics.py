"""The metric kind: a name and compute(predictions, targets) -> float."""
from codex_ml.interfaces import Metric
from codex_ml.kinds.declaration import Example, Kind

#: What `codex-ml plugins new --kind metrics` writes: a small component that passes its suite.
EXAMPLE_SOURCE = '''
class ExactMatch:
    """Fraction of predictions equal to their targets."""

    name = "exact-match"

    def compute(self, predictions, targets) -> float:
        if len(predictions) != len(targets):
            raise ValueError(f"predictions and targets differ in length ({len(predictions)} vs {len(targets)})")
        if not targets:
            return 0.0
        return sum(p == t for p, t in zip(predictions, targets)) / len(targets)
'''

KIND = Kind(
    name="metrics",
    singular="metric",
    contract="a name and compute(predictions, targets) -> float.",
    protocol=Metric,
    config_group="metrics",
    suite="MetricConformance",
    example=Example("ExactMatch", EXAMPLE_SOURCE),
)
