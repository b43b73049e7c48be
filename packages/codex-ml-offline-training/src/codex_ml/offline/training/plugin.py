"""Registers this distribution's trainers. Imports nothing heavy."""
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.plugins import hookimpl

FUNCTIONAL_CONFIG = ArtifactSpec("CODEX_ML_FUNCTIONAL_TRAINER_CONFIG", "CODEX_ML_OFFLINE_CONFIGS_DIR",
                                 "trainer_functional.json", package="codex_ml.offline.training")


@hookimpl
def register_trainers(register):
    register("offline:functional", "codex_ml.offline.training.functional:load_functional_trainer",
             summary="Step-based trainer configured by trainer_functional.json", artifact=FUNCTIONAL_CONFIG)


@hookimpl
def config_searchpath():
    """This distribution's Hydra fragments (conf/<group>/offline/<name>.yaml)."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "conf")
