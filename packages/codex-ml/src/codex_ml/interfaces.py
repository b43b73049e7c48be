"""What each component kind must provide, as small structural Protocols.

Implementations do not inherit from these; anything with the right methods fits. The conformance
suites and the pipeline rely only on what is written here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable


@runtime_checkable
class Tokenizer(Protocol):
    """Text to integer ids and back."""

    def encode(self, text: str) -> list[int]: ...

    def decode(self, ids: Sequence[int]) -> str: ...


@runtime_checkable
class Model(Protocol):
    """Produces a completion for a prompt."""

    def generate(self, prompt: str) -> str: ...


@runtime_checkable
class Dataset(Protocol):
    """A sized, re-iterable collection of records."""

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


@runtime_checkable
class Metric(Protocol):
    """Scores predictions against targets; equal lengths are required."""

    name: str

    def compute(self, predictions: Sequence[Any], targets: Sequence[Any]) -> float: ...


#: Called by trainers with one JSON-serialisable record per logged step.
LogFn = Callable[[Mapping[str, Any]], None]


@runtime_checkable
class Trainer(Protocol):
    """Fits a model on a dataset and returns a JSON-serialisable summary of what happened."""

    def fit(self, model: Any, dataset: Dataset, *, tokenizer: Tokenizer | None = None, log: LogFn | None = None) -> dict[str, Any]: ...


@runtime_checkable
class RewardModel(Protocol):
    """Scores a completion of a prompt with a finite float."""

    def score(self, prompt: str, completion: str) -> float: ...

    def score_batch(self, pairs: Sequence[tuple[str, str]]) -> list[float]: ...


@runtime_checkable
class RLAgent(Protocol):
    """Chooses actions, learns from trajectories and persists its state."""

    def act(self, state: Any = None) -> Any: ...

    def update(self, trajectory: Sequence[Any]) -> dict[str, float]: ...

    def save(self, path: str | Path) -> None: ...

    def load(self, path: str | Path) -> None: ...

