"""Batched decoding on token ids: the one generation path for evaluation, ``CausalLM.generate`` and RL rollouts.

transformers models decode with their own ``generate`` (KV cache, left padding, the usual sampling knobs);
any other module mapping ``input_ids`` to ``.logits`` (MiniLM) is decoded here step by step with the same
knobs, recomputing the window each step since it has no cache. Works on ids so callers choose the tokenizer.
"""
from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class SamplingConfig:
    """What to generate: ``max_new_tokens`` at most; greedy unless ``do_sample`` (then ``temperature``,
    ``top_k`` (0: off) and ``top_p`` (1.0: off) shape the distribution); stop at ``eos_token_id``."""

    max_new_tokens: int = 32
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    top_k: int = 0

    def __post_init__(self) -> None:
        if self.max_new_tokens < 0:
            raise ValueError(f"max_new_tokens must not be negative, found {self.max_new_tokens}")
        if self.do_sample and not self.temperature > 0:
            raise ValueError(f"temperature must be positive when sampling, found {self.temperature}")
        if not 0 < self.top_p <= 1:
            raise ValueError(f"top_p must be in (0, 1], found {self.top_p}")
        if self.top_k < 0:
            raise ValueError(f"top_k must not be negative, found {self.top_k}")


def is_transformers_model(module: Any) -> bool:
    return callable(getattr(module, "generate", None)) and hasattr(module, "generation_config")


def _device_of(module: Any) -> torch.device:
    try:
        return next(module.parameters()).device
    except (StopIteration, AttributeError):
        return torch.device("cpu")


def _context_length(module: Any) -> int | None:
    config = getattr(module, "config", None)
    for key in ("n_positions", "max_position_embeddings", "block_size"):
        value = getattr(config, key, None)
        if isinstance(value, int):
            return value
    return None


@torch.no_grad()
def generate_batch(module: Any, prompts: Sequence[Sequence[int]], *, max_new_tokens: int = 32, do_sample: bool = False,
                   temperature: float = 1.0, top_p: float = 1.0, top_k: int = 0, eos_token_id: int | None = None,
                   pad_token_id: int | None = None, seed: int | None = None) -> list[list[int]]:
    """New token ids for each prompt (EOS and anything after it removed), decoded as one batch.

    ``seed`` makes sampling reproducible without touching the caller's global RNG stream.
    """
    sampling = SamplingConfig(max_new_tokens, do_sample, temperature, top_p, top_k)
    prompts = [list(map(int, p)) for p in prompts]
    if not prompts or sampling.max_new_tokens == 0:
        return [[] for _ in prompts]
    if any(len(p) == 0 for p in prompts):
        raise ValueError("every prompt needs at least one token (prepend a BOS/EOS id to an empty prompt)")
    was_training = getattr(module, "training", False)
    module.eval()
    rng = torch.random.fork_rng(devices=[]) if seed is not None else contextlib.nullcontext()
    try:
        with rng:
            if seed is not None:
                torch.manual_seed(seed)
            if is_transformers_model(module):
                out = _hf_generate(module, prompts, sampling, eos_token_id, pad_token_id)
            else:
                out = _plain_generate(module, prompts, sampling, eos_token_id)
    finally:
        module.train(was_training)
    return [_until_eos(ids, eos_token_id) for ids in out]


def _until_eos(ids: list[int], eos: int | None) -> list[int]:
    return ids[: ids.index(eos)] if eos is not None and eos in ids else ids


def _hf_generate(module: Any, prompts: list[list[int]], s: SamplingConfig, eos: int | None,
                 pad: int | None) -> list[list[int]]:
    """Left-padded batch through transformers' ``generate`` (KV cache on by default)."""
    device = _device_of(module)
    pad = pad if pad is not None else (eos if eos is not None else 0)
    context = _context_length(module)
    if context:  # the prompt's tail and the new tokens must fit the model's positions
        s = SamplingConfig(min(s.max_new_tokens, context - 1), s.do_sample, s.temperature, s.top_p, s.top_k)
        prompts = [p[-(context - s.max_new_tokens):] for p in prompts]
    width = max(len(p) for p in prompts)
    input_ids = torch.full((len(prompts), width), pad, dtype=torch.long)
    attention_mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, ids in enumerate(prompts):
        input_ids[row, width - len(ids):] = torch.tensor(ids)
        attention_mask[row, width - len(ids):] = 1
    kwargs: dict[str, Any] = {"max_new_tokens": s.max_new_tokens, "do_sample": s.do_sample, "pad_token_id": pad,
                              "eos_token_id": eos, "use_cache": True}
    if s.do_sample:
        kwargs.update(temperature=s.temperature, top_p=s.top_p, top_k=s.top_k)
    else:  # leave the model's own sampling defaults out of a greedy call
        kwargs.update(temperature=None, top_p=None, top_k=None)
    out = module.generate(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device), **kwargs)
    return [row.tolist() for row in out[:, width:].cpu()]


def filter_logits(logits: torch.Tensor, top_k: int, top_p: float) -> torch.Tensor:
    """Keep the ``top_k`` best tokens, then the smallest set whose probability reaches ``top_p``."""
    if top_k > 0:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        ordered, order = torch.sort(logits, descending=True, dim=-1)
        cumulative = torch.softmax(ordered, dim=-1).cumsum(-1)
        drop = cumulative - torch.softmax(ordered, dim=-1) >= top_p  # mass before this token already reaches top_p
        logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    return logits


def _plain_generate(module: Any, prompts: list[list[int]], s: SamplingConfig, eos: int | None) -> list[list[int]]:
    """Right-aligned decoding for modules without a cache: each row keeps its own window."""
    device = _device_of(module)
    context = _context_length(module)
    rows = [list(p) for p in prompts]
    new: list[list[int]] = [[] for _ in prompts]
    finished = [False] * len(prompts)
    for _ in range(s.max_new_tokens):
        active = [i for i, done in enumerate(finished) if not done]
        if not active:
            break
        windows = {i: rows[i][-context:] if context else rows[i] for i in active}
        # rows of equal length batch together (no padding: such a module takes no attention mask)
        by_length: dict[int, list[int]] = {}
        for slot in active:
            by_length.setdefault(len(windows[slot]), []).append(slot)
        for slots in by_length.values():
            batch = torch.tensor([windows[i] for i in slots], device=device)
            out = module(input_ids=batch, use_cache=False)
            logits = (out.logits if hasattr(out, "logits") else out)[:, -1, :].float()
            if s.do_sample:
                probs = torch.softmax(filter_logits(logits / s.temperature, s.top_k, s.top_p), dim=-1)
                picked = torch.multinomial(probs, 1)[:, 0]
            else:
                picked = logits.argmax(-1)
            for i, token in zip(slots, picked.tolist()):
                rows[i].append(token)
                new[i].append(token)
                if token == eos:
                    finished[i] = True
    return new
