"""One wrapper for every trainable causal language model (GPT-2, TinyLlama, MiniLM).

It satisfies the ``Model`` protocol (``generate``), exposes ``parameters()`` so ``offline:functional``
trains it, and implements the scoring contract (``ScoringModel``): batched ``loglikelihood``,
``loglikelihood_rolling`` and ``generate_until`` requests scored as lm-evaluation-harness scores them
(rules in :mod:`lm_requests`, batching and KV reuse in :mod:`token_scoring`). The wrapped ``module`` only
has to map ``input_ids`` to an object with ``.logits``; transformers models get the fast path.
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from codex_ml.offline.models.lm_requests import RequestEncoder, ScoringRequestError

#: Requests per forward pass when scoring; the ``batch_size`` factory argument overrides it.
DEFAULT_BATCH_SIZE = 32


class CausalLM:

    def __init__(self, module: Any, tokenizer: Any, *, family: str, source: Path | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE, device: str | None = None) -> None:
        self.module = module
        self.tokenizer = tokenizer
        self.family = family
        self.source = source
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ScoringRequestError(f"{family}: batch_size must be a positive integer, got {batch_size!r}")
        self.batch_size = batch_size
        if device is not None:
            self.module.to(device)

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

    # --- the scoring contract (lm-evaluation-harness's request types) ---------------------------
    def _scorer(self):
        from codex_ml.offline.models.token_scoring import TokenScorer

        return TokenScorer(self.module, max_length=self.context_length, batch_size=self.batch_size)

    def loglikelihood(self, requests: Sequence[tuple[str, str]], *,
                      add_bos_token: bool | None = None) -> list[tuple[float, bool]]:
        """Per (context, continuation): the continuation's summed log-probability and whether greedy
        decoding would have produced it. In the order given."""
        token_requests = RequestEncoder(self.tokenizer, add_bos_token).pairs(requests)
        return self._scorer().score(token_requests)

    def loglikelihood_rolling(self, requests: Sequence[str], *, add_bos_token: bool | None = None) -> list[float]:
        """Per text: its total log-likelihood over disjoint windows of the model's length."""
        encoder = RequestEncoder(self.tokenizer, add_bos_token)
        encoder.prefetch(requests)
        windows, owners = [], []
        for index, text in enumerate(requests):
            if not text:
                raise ScoringRequestError(f"loglikelihood_rolling request {index}: the text is empty")
            for window in encoder.rolling(text, self.context_length):
                windows.append(window)
                owners.append(index)
        totals = [0.0] * len(requests)
        for owner, (value, _) in zip(owners, self._scorer().score(windows)):
            totals[owner] += value
        return totals

    def generate_until(self, requests: Sequence[tuple[str, Mapping[str, Any]]], *,
                       add_bos_token: bool | None = None) -> list[str]:
        """Per (context, options): the greedy continuation, cut before the first of ``options["until"]``
        (default: none but end-of-text), at most ``options["max_gen_toks"]`` tokens (default 256)."""
        encoder = RequestEncoder(self.tokenizer, add_bos_token)
        eos = getattr(self.tokenizer, "eos_token_id", None)
        self.module.eval()
        answers = []
        for context, options in requests:
            until = options.get("until") or []
            until = [until] if isinstance(until, str) else list(until)
            budget = int(options.get("max_gen_toks", 256))
            ids = encoder.encode(context)[-max(self.context_length - budget, 1):]
            new: list[int] = []
            text = ""
            for _ in range(budget):
                next_id = int(self._logits(ids + new)[-1].argmax())
                if next_id == eos:
                    break
                new.append(next_id)
                text = self.tokenizer.decode(new)
                if any(stop in text for stop in until):
                    break
            for stop in until:
                text = text.split(stop, 1)[0]
            answers.append(text)
        return answers

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
