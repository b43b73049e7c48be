"""Batched sampling with a KV cache for any transformers causal LM: left-padded prompts, temperature,
top-p (nucleus), a ``max_new_tokens`` cap, stop at end-of-text. Randomness comes only from the
``torch.Generator`` passed in, so a run that saves and restores it samples the same tokens.

Returned log-probabilities are those of the temperature-scaled distribution (before top-p), the same
quantity the policy loss computes, as in TRL's GRPOTrainer.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from dataclasses import dataclass

import torch


@dataclass
class Samples:
    completion_ids: list[list[int]]  # per sequence, end-of-text included when it was sampled
    logprobs: list[list[float]]
    stopped: list[bool]  # ended with end-of-text (False: cut at max_new_tokens)


def _top_p_filter(logits: torch.Tensor, top_p: float) -> torch.Tensor:
    """Keep the smallest set of tokens whose probability reaches ``top_p`` (the most likely always kept)."""
    if top_p >= 1.0:
        return logits
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
    remove = cumulative - torch.softmax(sorted_logits, dim=-1) >= top_p
    sorted_logits = sorted_logits.masked_fill(remove, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)


def left_pad(prompts: Sequence[Sequence[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(p) for p in prompts)
    ids = torch.full((len(prompts), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(prompts), width), dtype=torch.long)
    for row, prompt in enumerate(prompts):
        if prompt:
            ids[row, width - len(prompt) :] = torch.tensor(list(prompt), dtype=torch.long)
            mask[row, width - len(prompt) :] = 1
    return ids, mask


def _forward_keywords(module: torch.nn.Module) -> tuple[str, dict[str, int]]:
    """The KV-cache keyword of this transformers version (``cache`` in 5.x, ``past_key_values`` before), and
    ``logits_to_keep=1`` where supported so the prefill computes the vocabulary projection once, not per token."""
    parameters = inspect.signature(module.forward).parameters
    key = "cache" if "cache" in parameters else "past_key_values"
    return key, ({"logits_to_keep": 1} if "logits_to_keep" in parameters else {})


@torch.inference_mode()
def sample(
    module: torch.nn.Module,
    prompts: Sequence[Sequence[int]],
    *,
    max_new_tokens: int,
    eos_id: int | None,
    pad_id: int,
    generator: torch.Generator,
    temperature: float = 1.0,
    top_p: float = 1.0,
) -> Samples:
    """Sample one completion per prompt (every prompt non-empty), all in one batch with a KV cache."""
    ids, mask = left_pad(prompts, pad_id)
    device = next(module.parameters()).device
    ids, mask = ids.to(device), mask.to(device)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    batch = ids.shape[0]
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    new_ids, new_logprobs = [], []
    cache_key, extra = _forward_keywords(module)
    past = None
    step_ids, step_positions = ids, positions
    for _ in range(max_new_tokens):
        out = module(
            input_ids=step_ids,
            attention_mask=mask,
            position_ids=step_positions,
            use_cache=True,
            **{cache_key: past},
            **extra,
        )
        past = out[cache_key]
        scaled = out["logits"][:, -1, :].float() / temperature
        logprobs = torch.log_softmax(scaled, dim=-1)
        probs = torch.softmax(_top_p_filter(scaled, top_p), dim=-1)
        token = torch.multinomial(probs.cpu(), 1, generator=generator).to(device)[:, 0]
        if eos_id is not None:
            token = torch.where(done, torch.full_like(token, eos_id), token)
        new_ids.append(token)
        new_logprobs.append(logprobs.gather(1, token[:, None])[:, 0])
        finished_now = (token == eos_id) if eos_id is not None else torch.zeros_like(done)
        live = ~done
        done = done | finished_now
        new_ids[-1] = torch.where(live, token, torch.full_like(token, -1))
        if bool(done.all()):
            break
        step_ids = token[:, None]
        step_positions = step_positions[:, -1:] + 1
        mask = torch.cat([mask, torch.ones((batch, 1), dtype=mask.dtype, device=device)], dim=1)
    tokens = torch.stack(new_ids, dim=1).cpu().tolist()
    logps = torch.stack(new_logprobs, dim=1).cpu().tolist()
    completion_ids, completion_logprobs, stopped = [], [], []
    for row_tokens, row_logps in zip(tokens, logps):
        keep = [i for i, t in enumerate(row_tokens) if t >= 0]
        ids_row = [row_tokens[i] for i in keep]
        completion_ids.append(ids_row)
        completion_logprobs.append([row_logps[i] for i in keep])
        stopped.append(bool(ids_row) and eos_id is not None and ids_row[-1] == eos_id)
    return Samples(completion_ids, completion_logprobs, stopped)
