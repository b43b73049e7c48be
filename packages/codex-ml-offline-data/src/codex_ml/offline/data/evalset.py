"""Evaluation sets in JSON Lines, and ``offline:tiny-eval``.

One JSON object per line, in any of the formats of :mod:`codex_ml.formats.evalset` (prompt/target,
prompt/choices/gold, text). Blank lines are skipped. Every problem (bad JSON, a bad sample, kinds that
cannot be scored together) is reported with the file and line, when the set is loaded: before any
model is.

``offline:tiny-eval`` is the labelled set for the tiny stack. Labels say whether a prompt is in the
tiny model's domain: ``positive`` prompts should trigger one of its scripted answers, ``negative`` ones
should get its fallback. Weighted accuracy weighs them by weighted_accuracy.json (positive 1.5,
negative 1.0).
"""
from __future__ import annotations

import os
from pathlib import Path

from codex_ml.artifacts.files import read_jsonl_objects
from codex_ml.formats.evalset import EvalSample, EvalSet, check_set


def read_evalset(path: str | os.PathLike[str]) -> EvalSet:
    """Parse and check a JSONL evaluation set."""
    path = Path(path)
    expected = "a JSON object (prompt/target, prompt/choices/gold or text)"
    samples = [EvalSample.from_mapping(data, where) for where, data in read_jsonl_objects(path, expected)]
    check_set(samples, str(path))
    return EvalSet(samples, source=path)


def load_tiny_eval(path: str | os.PathLike[str]) -> EvalSet:
    """Factory registered as ``offline:tiny-eval``; ``path`` is a JSONL file or its directory."""
    return read_evalset(Path(path))
