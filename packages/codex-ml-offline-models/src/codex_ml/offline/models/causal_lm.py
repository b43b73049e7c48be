"""One wrapper for every trainable causal language model (GPT-2, TinyLlama, MiniLM).

It satisfies the ``Model`` protocol (``generate``), exposes ``parameters()`` so ``offline:functional``
trains it, and gives evaluation what it needs: log-likelihood scoring of candidate answers and perplexity.
The wrapped ``module`` only has to map ``input_ids`` to an object with ``.logits``.
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any


class CausalLM:

    def __init__(self, module: Any, tokenizer: Any, *, family: str, source: Path | None = None) -> None:
        self.module = module
        self.tokenizer = tokenizer
        self.family = family
        self.source = source

    # --- what the trainer uses ---------------------------------------------------------------
    def parameters(self) -> Iterator[Any]:
        return self.module.parameters()

    @property
    def context_length(self) -> int:
        config = getattr(self.module, "config", None)
        for key in ("n_positions", "max_position_embeddings", "block_size"):
            value = getattr(config, key, None)
            if isinstance(value, int):
                return value
        return 1024

    def save_pretrained(self, directory: str | os.PathLike[str]) -> Path:
        """Weights as safetensors plus config.json, and the tokenizer's files when it can save them."""
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        self.module.save_pretrained(target)
        if hasattr(self.tokenizer, "save_pretrained"):
            self.tokenizer.save_pretrained(target)
        return target

    # --- evaluation ----------------------------------------------------------------------------
    def _start_ids(self) -> list[int]:
        start = getattr(self.tokenizer, "bos_token_id", None)
        if start is None:
            start = getattr(self.tokenizer, "eos_token_id", None)
        return [start] if start is not None else []

    def _logits(self, ids: Sequence[int]):
        import torch

        window = list(ids)[-self.context_length:]
        with torch.no_grad():
            return self.module(input_ids=torch.tensor([window]), use_cache=False).logits[0].float()

    def _token_logprobs(self, context: Sequence[int], continuation: Sequence[int]) -> list[float]:
        import torch

        ids = (list(context) + list(continuation))[-self.context_length:]
        n = min(len(continuation), len(ids) - 1)
        if n <= 0:
            return []
        logprobs = torch.log_softmax(self._logits(ids)[:-1], dim=-1)
        targets = torch.tensor(ids[1:])
        picked = logprobs.gather(1, targets[:, None])[:, 0]
        return picked[-n:].tolist()

    def score_candidates(self, prompt: str, candidates: Sequence[str]) -> list[float]:
        """Sum of the log-probabilities of each candidate's tokens after ``prompt`` (higher is likelier)."""
        self.module.eval()
        context = self._start_ids() + self.tokenizer.encode(prompt)
        return [float(sum(self._token_logprobs(context, self.tokenizer.encode(c)))) for c in candidates]

    def perplexity(self, texts: Sequence[str]) -> float:
        """exp(mean negative log-likelihood per token) over ``texts``, each scored from a start token."""
        self.module.eval()
        total, count = 0.0, 0
        for text in texts:
            ids = self.tokenizer.encode(text)
            for start in range(0, len(ids), self.context_length - 1):
                chunk = ids[start:start + self.context_length - 1]
                values = self._token_logprobs(self._start_ids() if start == 0 else ids[start - 1:start], chunk)
                total -= sum(values)
                count += len(values)
        if count == 0:
            raise ValueError("perplexity needs at least one token of text")
        return math.exp(total / count)

    def generate(self, prompt: str, max_new_tokens: int = 32, **sampling: Any) -> str:
        """Continuation of ``prompt`` (greedy unless ``do_sample=True``), stopping at the end-of-text token."""
        return self.generate_batch([prompt], max_new_tokens=max_new_tokens, **sampling)[0]

    def generate_batch(self, prompts: Sequence[str], max_new_tokens: int = 32, **sampling: Any) -> list[str]:
        """Continuations of ``prompts`` decoded as one batch (KV cache for transformers models); ``sampling``
        takes ``do_sample``, ``temperature``, ``top_p``, ``top_k`` and ``seed`` (see :mod:`.generation`)."""
        ids = self.generate_ids([self._start_ids() + self.tokenizer.encode(p) for p in prompts],
                                max_new_tokens=max_new_tokens, **sampling)
        return [self.tokenizer.decode(row) for row in ids]

    def generate_ids(self, prompts: Sequence[Sequence[int]], max_new_tokens: int = 32, **sampling: Any) -> list[list[int]]:
        """Token-id level :func:`~codex_ml.offline.models.generation.generate_batch` with this model's EOS/pad."""
        from codex_ml.offline.models.generation import generate_batch

        eos = getattr(self.tokenizer, "eos_token_id", None)
        pad = getattr(getattr(self.tokenizer, "hf", None), "pad_token_id", None)
        return generate_batch(self.module, prompts, max_new_tokens=max_new_tokens, eos_token_id=eos,
                              pad_token_id=pad if pad is not None else eos, **sampling)

    def __call__(self, prompts: Sequence[str]) -> list[str]:
        return self.generate_batch(list(prompts))
