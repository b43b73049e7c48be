"""``offline:tiny-eval``: the labelled evaluation set (JSONL: prompt, target, label).

Labels say whether a prompt is in the tiny model's domain: ``positive`` prompts should trigger one of
its scripted answers, ``negative`` ones should get its fallback. Weighted accuracy weighs them by
weighted_accuracy.json (positive 1.5, negative 1.0).
"""
from __future__ import annotations

import os
from pathlib import Path

from codex_ml.formats.evalset import EvalSet


def load_tiny_eval(path: str | os.PathLike[str]) -> EvalSet:
    """Factory registered as ``offline:tiny-eval``; ``path`` is a JSONL file or its directory."""
    return EvalSet.from_file(Path(path))
