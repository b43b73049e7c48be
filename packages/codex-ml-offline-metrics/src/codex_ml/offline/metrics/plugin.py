"""Registers this distribution's metrics. Imports nothing heavy."""
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.plugins import hookimpl

WEIGHTED_ACCURACY = ArtifactSpec("CODEX_ML_WEIGHTED_ACCURACY_PATH", "CODEX_ML_OFFLINE_METRICS_DIR",
                                 "weighted_accuracy.json", package="codex_ml.offline.metrics")


@hookimpl
def register_metrics(register):
    register("offline:weighted-accuracy", "codex_ml.offline.metrics.accuracy:load_weighted_accuracy",
             summary="Accuracy where each pair weighs its target label's weight", artifact=WEIGHTED_ACCURACY)
    register("offline:accuracy", "codex_ml.offline.metrics.accuracy:Accuracy",
             summary="Fraction of predictions equal to their target (exact string comparison)")
    register("offline:exact-match", "codex_ml.offline.metrics.accuracy:ExactMatch",
             summary="Fraction equal after normalising case, punctuation, articles and whitespace")


@hookimpl
def config_searchpath():
    """This distribution's Hydra fragments (conf/<group>/offline/<name>.yaml)."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "conf")
