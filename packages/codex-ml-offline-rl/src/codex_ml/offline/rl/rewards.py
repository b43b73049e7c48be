"""Reward models that score a completion of a prompt with a finite float."""
from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codex_ml.artifacts.files import read_json_object
from codex_ml.errors import UnknownSettingError


class LengthRewardModel:
    """``offset + scale * len(completion)``, counting characters."""

    def __init__(self, scale: float = 1.0, offset: float = 0.0, *, source: Path | None = None) -> None:
        if not (math.isfinite(scale) and math.isfinite(offset)):
            raise ValueError(f"scale and offset must be finite, got scale={scale}, offset={offset}")
        self.scale, self.offset, self.source = float(scale), float(offset), source

    def score(self, prompt: str, completion: str) -> float:
        return self.offset + self.scale * len(completion)

    def score_batch(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return [self.score(prompt, completion) for prompt, completion in pairs]


def load_length_reward(path: str | os.PathLike[str], **overrides: Any) -> LengthRewardModel:
    """Factory registered as ``offline:length``: ``scale``/``offset`` from the file, overridable by keyword."""
    unknown = sorted(set(overrides) - {"scale", "offset"})
    if unknown:
        raise UnknownSettingError(f"offline:length: unknown setting(s) {', '.join(map(repr, unknown))}; known: 'scale', 'offset'")
    config_path = Path(path)
    data = read_json_object(config_path, optional={"scale": float, "offset": float, "notes": str}, allow_extra=False)
    values = {"scale": data.get("scale", 1.0), "offset": data.get("offset", 0.0), **overrides}
    return LengthRewardModel(values["scale"], values["offset"], source=config_path)


_WORD = re.compile(r"[a-z0-9']+")


@dataclass
class HeuristicRewardModel:
    """A deterministic, documented scorer for completions (clamped to [-1, 1]).

    The completion is lowercased and split into words. Empty completions score -1. Otherwise:
    start at 0.8; add up to 0.25 for length (``min(n, target_length) / (4 * target_length)``);
    +0.1 per helpful phrase present, -0.5 per banned phrase present; subtract ``length_penalty`` per
    word beyond ``target_length``; add up to 0.2 for overlap with the prompt's words
    (``|shared| / (5 * |prompt words|)``); subtract 0.2 when ``metadata["safety_flag"]`` is true.
    """

    banned_phrases: tuple[str, ...] = ("drop table", "rm -rf", "shutdown")
    helpful_phrases: tuple[str, ...] = ("explain", "example", "steps")
    length_penalty: float = 0.02
    target_length: int = 128

    def score(self, prompt: str, completion: str, metadata: Mapping[str, Any] | None = None) -> float:
        text = " ".join(completion.lower().split())
        words = _WORD.findall(text)
        if not words:
            return -1.0
        value = 0.8 + min(len(words), self.target_length) / (4 * self.target_length)
        value += 0.1 * sum(phrase in text for phrase in self.helpful_phrases)
        value -= 0.5 * sum(phrase in text for phrase in self.banned_phrases)
        if len(words) > self.target_length:
            value -= (len(words) - self.target_length) * self.length_penalty
        prompt_words = set(_WORD.findall(prompt.lower()))
        if prompt_words:
            value += len(prompt_words & set(words)) / (5 * len(prompt_words))
        if metadata and metadata.get("safety_flag"):
            value -= 0.2
        return max(-1.0, min(1.0, value))

    def score_batch(self, pairs: Sequence[tuple[str, str]]) -> list[float]:
        return [self.score(prompt, completion) for prompt, completion in pairs]
