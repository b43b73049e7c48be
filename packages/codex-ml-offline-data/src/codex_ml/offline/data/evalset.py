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

import json
import os
from pathlib import Path

from codex_ml.artifacts.files import read_text
from codex_ml.errors import MalformedArtifactError
from codex_ml.formats.evalset import EvalSample, EvalSet, check_set


def read_evalset(path: str | os.PathLike[str]) -> EvalSet:
    """Parse and check a JSONL evaluation set."""
    path = Path(path)
    samples = []
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MalformedArtifactError(f"{where}: invalid JSON at column {exc.colno}: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise MalformedArtifactError(f"{where}: expected a JSON object (prompt/target, prompt/choices/gold or text)")
        samples.append(EvalSample.from_mapping(data, where))
    check_set(samples, str(path))
    return EvalSet(samples, source=path)


def load_tiny_eval(path: str | os.PathLike[str]) -> EvalSet:
    """Factory registered as ``offline:tiny-eval``; ``path`` is a JSONL file or its directory."""
    return read_evalset(Path(path))
