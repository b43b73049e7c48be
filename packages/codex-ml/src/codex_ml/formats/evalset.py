"""Evaluation samples: what one sample may hold, and the rules a whole set must keep.

Three kinds of sample, told apart by their keys:

- ``{"prompt", "target"}`` (optional ``label``): the answer to produce; a scoring model picks it from
  the set's distinct targets, any other model generates it;
- ``{"prompt", "choices", "gold"}`` (multiple choice): ``gold`` indexes ``choices``;
- ``{"text"}`` (perplexity): the text is scored whole with ``loglikelihood_rolling``.

Any other key is kept as metadata. Every problem is reported with where it is (a file and line, or a
dataset record) before any model is loaded. Reading the JSONL file is the data distribution's job.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codex_ml.errors import MalformedArtifactError

TARGET, MULTIPLE_CHOICE, PERPLEXITY = "target", "multiple_choice", "perplexity"
_KNOWN = ("prompt", "target", "label", "choices", "gold", "text")


@dataclass(frozen=True)
class EvalSample:
    prompt: str = ""
    target: str = ""
    label: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    choices: tuple[str, ...] | None = None
    gold: int | None = None
    text: str | None = None
    #: Where the sample came from ("file.jsonl:3"), for error messages.
    where: str = ""

    @property
    def kind(self) -> str:
        if self.text is not None:
            return PERPLEXITY
        return MULTIPLE_CHOICE if self.choices is not None else TARGET

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str) -> EvalSample:
        label = data.get("label")
        if label is not None and not isinstance(label, str):
            raise MalformedArtifactError(f"{where}: 'label' must be a string, found {json.dumps(label)}")
        extra = {k: v for k, v in data.items() if k not in _KNOWN}
        if "text" in data:
            return cls(label=label, metadata=extra, text=_text_of(data, where), where=where)
        if "choices" in data:
            prompt = _string(data, "prompt", where, "a multiple-choice sample needs prompt, choices and gold")
            choices, gold = _choices_of(data, where)
            return cls(prompt, choices[gold], label, extra, choices=choices, gold=gold, where=where)
        if "gold" in data:
            raise MalformedArtifactError(f"{where}: 'gold' without 'choices': gold indexes the sample's choices list")
        hint = "each sample needs prompt and target, prompt/choices/gold, or text"
        return cls(_string(data, "prompt", where, hint), _string(data, "target", where, hint), label, extra, where=where)


def _string(data: Mapping[str, Any], key: str, where: str, hint: str) -> str:
    if key not in data:
        raise MalformedArtifactError(f"{where}: missing required key {key!r} ({hint})")
    if not isinstance(data[key], str):
        raise MalformedArtifactError(f"{where}: {key!r} must be a string, found {json.dumps(data[key])}")
    return data[key]


def _text_of(data: Mapping[str, Any], where: str) -> str:
    clash = [k for k in ("prompt", "target", "choices", "gold") if k in data]
    if clash:
        raise MalformedArtifactError(f"{where}: a perplexity sample has only 'text' (and optional label), "
                                     f"found {', '.join(map(repr, clash))} too")
    text = _string(data, "text", where, "a perplexity sample")
    if not text:
        raise MalformedArtifactError(f"{where}: 'text' is empty: there is nothing to score")
    return text


def _choices_of(data: Mapping[str, Any], where: str) -> tuple[tuple[str, ...], int]:
    if "target" in data:
        raise MalformedArtifactError(f"{where}: give either 'target' or 'choices' with 'gold', not both "
                                     "(the answer of a multiple-choice sample is choices[gold])")
    choices = data["choices"]
    if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
        raise MalformedArtifactError(f"{where}: 'choices' must be a non-empty list of strings, found {json.dumps(choices)}")
    for index, choice in enumerate(choices):
        if not choice:
            raise MalformedArtifactError(f"{where}: choices[{index}] is empty (an empty answer cannot be scored)")
        if choice in choices[:index]:
            raise MalformedArtifactError(f"{where}: choices[{index}] {choice!r} repeats choices[{choices.index(choice)}]")
    if "gold" not in data:
        raise MalformedArtifactError(f"{where}: missing required key 'gold' (the index of the right choice)")
    gold = data["gold"]
    if isinstance(gold, bool) or not isinstance(gold, int) or not 0 <= gold < len(choices):
        raise MalformedArtifactError(f"{where}: 'gold' must be an integer from 0 to {len(choices) - 1} "
                                     f"(an index into choices), found {json.dumps(gold)}")
    return tuple(choices), gold


def check_set(samples: Sequence[EvalSample], source: str) -> None:
    """Refuse a set that cannot be scored as one: perplexity texts mixed with prompt samples."""
    if not samples:
        raise MalformedArtifactError(f"{source}: the evaluation set has no samples")
    first = samples[0]
    for sample in samples[1:]:
        if (sample.kind == PERPLEXITY) != (first.kind == PERPLEXITY):
            raise MalformedArtifactError(
                f"{sample.where or source}: a {sample.kind} sample in a set that starts with a {first.kind} sample "
                f"({first.where or 'record 0'}); perplexity texts and prompt samples get different metrics: "
                "put them in separate files"
            )


class EvalSet:
    """A sized, re-iterable list of :class:`EvalSample`."""

    def __init__(self, samples: Iterable[EvalSample], *, source: Path | None = None) -> None:
        self.samples = list(samples)
        self.source = source

    def __len__(self) -> int:
        return len(self.samples)

    def __iter__(self) -> Iterator[EvalSample]:
        return iter(self.samples)

    def __getitem__(self, index: int) -> EvalSample:
        return self.samples[index]


def as_samples(dataset: Iterable[Any], source: str) -> list[EvalSample]:
    """Accept any dataset of :class:`EvalSample` or mappings in the format above; check the whole set."""
    samples = []
    for index, record in enumerate(dataset):
        if isinstance(record, EvalSample):
            samples.append(record)
        elif isinstance(record, Mapping):
            samples.append(EvalSample.from_mapping(record, f"{source} record {index}"))
        else:
            raise MalformedArtifactError(
                f"{source} record {index}: an evaluation sample is a mapping (prompt/target, prompt/choices/gold "
                f"or text), found {type(record).__name__}"
            )
    check_set(samples, source)
    return samples
