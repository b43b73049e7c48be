"""``offline:tiny-sequence``: a scripted model answering from prefix rules. It has no parameters."""
from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from codex_ml.artifacts.files import read_json_object
from codex_ml.errors import MalformedArtifactError


@dataclass(frozen=True)
class ResponseRule:
    prefix: str
    completion: str


class TinySequenceModel:
    """``generate(prompt)`` returns the completion of the first rule whose prefix starts the prompt
    (case-sensitive), else the default completion."""

    def __init__(self, rules: Sequence[ResponseRule], default_completion: str = "", *, source: Path | None = None) -> None:
        self.rules = list(rules)
        self.default_completion = default_completion
        self.source = source

    @classmethod
    def from_file(cls, path: Path) -> TinySequenceModel:
        data = read_json_object(path, required={"responses": list}, optional={"default_completion": str, "description": str})
        rules = []
        for index, rule in enumerate(data["responses"]):
            if not (isinstance(rule, dict) and isinstance(rule.get("prefix"), str) and isinstance(rule.get("completion"), str)):
                raise MalformedArtifactError(
                    f"{path}: responses[{index}] must be an object with string 'prefix' and 'completion'"
                )
            rules.append(ResponseRule(rule["prefix"], rule["completion"]))
        return cls(rules, data.get("default_completion", ""), source=path)

    def generate(self, prompt: str) -> str:
        for rule in self.rules:
            if prompt.startswith(rule.prefix):
                return rule.completion
        return self.default_completion

    def __call__(self, prompts: Sequence[str]) -> list[str]:
        return [self.generate(prompt) for prompt in prompts]


def load_tiny_sequence(path: str | os.PathLike[str]) -> TinySequenceModel:
    """Factory registered as ``offline:tiny-sequence``; ``path`` is a model file or its directory."""
    return TinySequenceModel.from_file(Path(path))
