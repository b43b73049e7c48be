"""Registers this distribution's datasets. Imports nothing heavy."""
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.plugins import hookimpl

TINY_CORPUS = ArtifactSpec("CODEX_ML_TINY_CORPUS_PATH", "CODEX_ML_OFFLINE_DATASETS_DIR", "tiny_corpus.txt",
                           package="codex_ml.offline.data")
TINY_EVAL = ArtifactSpec("CODEX_ML_TINY_EVAL_PATH", "CODEX_ML_OFFLINE_DATASETS_DIR", "tiny_eval.jsonl",
                         package="codex_ml.offline.data")


@hookimpl
def register_datasets(register):
    register("offline:tiny-corpus", "codex_ml.offline.data.lines:load_tiny_corpus",
             summary="Three-line text corpus, one record per line", artifact=TINY_CORPUS)
    register("offline:stdlib-docs", "codex_ml.offline.data.stdlib_docs:load_stdlib_docs",
             summary="Docstrings of the installed Python standard library, built at run time (about 2 MB)")
    register("offline:tiny-eval", "codex_ml.offline.data.evalset:load_tiny_eval",
             summary="Ten labelled prompt/target pairs (positive/negative) for evaluate", artifact=TINY_EVAL)


@hookimpl
def config_searchpath():
    """This distribution's Hydra fragments (conf/<group>/offline/<name>.yaml)."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "conf")
