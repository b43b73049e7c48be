"""What each component kind must provide, as small structural Protocols.

Implementations do not inherit from these; anything with the right methods fits. The conformance
suites and the pipeline rely only on what is written here.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol, TypedDict, runtime_checkable


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
class ScoringModel(Protocol):
    """A model that answers evaluation requests in batches, as lm-evaluation-harness's ``LM`` does.

    Each method takes a list of requests and returns one result per request, in the same order; the
    model decides how to batch them and on which device. ``add_bos_token`` (a keyword the evaluator
    passes only when ``evaluation.add_bos_token`` is set) forces a BOS token on or off.

    - ``loglikelihood([(context, continuation), ...])`` -> ``[(sum of the continuation's token
      log-probabilities, whether greedy decoding produces it), ...]``
    - ``loglikelihood_rolling([text, ...])`` -> ``[total log-likelihood of the text, ...]``
    - ``generate_until([(context, {"until": [str, ...], "max_gen_toks": int}), ...])`` -> ``[text, ...]``
    """

    def loglikelihood(self, requests: Sequence[tuple[str, str]]) -> list[tuple[float, bool]]: ...

    def loglikelihood_rolling(self, requests: Sequence[str]) -> list[float]: ...

    def generate_until(self, requests: Sequence[tuple[str, Mapping[str, Any]]]) -> list[str]: ...


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


class RLState(TypedDict):
    """What ``RLAgent.act`` receives: one prompt to complete.

    ``prompt`` is the prompt text (taken from the record by ``rollout.prompt_field``); ``prompt_ids`` its
    token ids under the run's tokenizer (empty when the run has none; a policy with its own tokenizer
    re-encodes ``prompt``); ``group`` numbers the prompt within the step: the G samples of one prompt
    share it, which is what group baselines (GRPO, RLOO) normalise over.
    """

    prompt: str
    prompt_ids: list[int]
    group: int


class RLAction(TypedDict):
    """What ``RLAgent.act`` returns: the completion it chose, as text and as the policy's token ids, and the
    log-probability the policy gave each of those tokens when it sampled them (same length as
    ``completion_ids``; 0.0 per token for a deterministic policy)."""

    completion: str
    completion_ids: list[int]
    logprobs: list[float]


class TrajectoryStep(TypedDict):
    """One scored completion, as ``RLAgent.update`` receives it: the state, the action, and the reward
    (the weighted sum of the configured reward models; always finite: non-finite steps are skipped)."""

    prompt: str
    prompt_ids: list[int]
    group: int
    completion: str
    completion_ids: list[int]
    logprobs: list[float]
    reward: float


@runtime_checkable
class RLAgent(Protocol):
    """A policy that completes prompts and learns from scored completions.

    The loop (``codex-ml rl``, and the rollout stage of ``codex-ml train``) calls, per step:
    ``act(state)`` for every state (or ``act_batch(states)`` when the agent has it: same result, one
    call), scores each completion, then ``update(trajectory)`` once with every finite-reward step.
    ``update`` returns JSON-ready float statistics, at least ``loss`` and ``updated`` (1.0 when the policy
    changed, 0.0 when it did not). ``save``/``load`` persist everything needed to continue exactly.
    """

    def act(self, state: RLState) -> RLAction: ...

    def update(self, trajectory: Sequence[TrajectoryStep]) -> dict[str, float]: ...

    def save(self, path: str | Path) -> None: ...

    def load(self, path: str | Path) -> None: ...

