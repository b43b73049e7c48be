"""The log-likelihood metrics, defined as lm-evaluation-harness 0.4 defines them.

- ``acc``: the choice with the highest log-likelihood is the gold one (first on ties, like numpy's argmax);
- ``acc_norm``: the same after dividing each log-likelihood by its choice's length in characters
  (the target delimiter not counted);
- ``*_stderr``: the sample standard error of the mean of the per-sample 0/1 values;
- ``word_perplexity``, ``byte_perplexity``, ``bits_per_byte``: from the sums over the whole set of the
  texts' log-likelihoods, words (``re.split(r"\\s+", text)``) and UTF-8 bytes.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence

_WHITESPACE = re.compile(r"\s+")


def argmax(values: Sequence[float]) -> int:
    """Index of the first largest value."""
    return max(range(len(values)), key=lambda i: (values[i], -i))


def acc(loglikelihoods: Sequence[float], gold: int) -> int:
    return int(argmax(loglikelihoods) == gold)


def acc_norm(loglikelihoods: Sequence[float], choices: Sequence[str], gold: int) -> int:
    return int(argmax([ll / len(choice) for ll, choice in zip(loglikelihoods, choices)]) == gold)


def mean_stderr(values: Sequence[float]) -> float | None:
    """Sample standard deviation / sqrt(n); None for fewer than two values."""
    n = len(values)
    if n < 2:
        return None
    mean = sum(values) / n
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1) / n)


def n_words(text: str) -> int:
    return len(_WHITESPACE.split(text))


def n_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def perplexities(loglikelihoods: Sequence[float], words: Sequence[int], nbytes: Sequence[int]) -> dict[str, float]:
    total = sum(loglikelihoods)
    per_byte = -total / sum(nbytes)
    return {
        "word_perplexity": _exp(-total / sum(words)),
        "byte_perplexity": _exp(per_byte),
        "bits_per_byte": per_byte / math.log(2),
    }


def _exp(value: float) -> float:
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf
