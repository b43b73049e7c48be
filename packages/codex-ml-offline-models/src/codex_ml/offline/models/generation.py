"""Batched decoding on token ids: the one generation path for evaluation, ``CausalLM.generate`` and the RL
rollouts (``offline:grpo``/``offline:rloo`` sample through :func:`generate`).

transformers models decode with their own ``generate`` (KV cache, left padding, the usual sampling knobs);
any other module mapping ``input_ids`` to ``.logits`` (MiniLM) is decoded here step by step with the same
knobs, recomputing the window each step since it has no cache. Works on ids so callers choose the tokenizer.

Randomness: ``seed`` or a ``torch.Generator`` (which the call advances by one draw, so a caller that saves and
restores it samples the same tokens again) seeds a forked RNG; the caller's global stream is left untouched.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
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


@dataclass(frozen=True)
class Completions:
    """One batched generation, row per prompt: what RL needs besides the text.

    ``token_ids`` end with the EOS id where one was generated (``stopped``); ``logprobs`` (when asked for) are
    the log-probabilities of those tokens under the raw policy scaled by ``temperature`` -- before top-k/top-p,
    the quantity a policy-gradient loss recomputes from a full forward (as TRL's GRPOTrainer does).
    """

    token_ids: list[list[int]]
    logprobs: list[list[float]] | None
    stopped: list[bool]

    def padded(self, pad_token_id: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Right-padded ``(ids, mask)`` tensors of shape (rows, longest completion); mask 1 on real tokens."""
        width = max((len(row) for row in self.token_ids), default=0)
        ids = torch.full((len(self.token_ids), width), pad_token_id, dtype=torch.long)
        mask = torch.zeros((len(self.token_ids), width), dtype=torch.long)
        for i, row in enumerate(self.token_ids):
            ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
            mask[i, : len(row)] = 1
        return ids, mask

    def without_eos(self) -> list[list[int]]:
        return [row[:-1] if stop else row for row, stop in zip(self.token_ids, self.stopped)]


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


@contextlib.contextmanager
def _seeded(device: torch.device, seed: int | None) -> Iterator[None]:
    """Seed the CPU RNG (and ``device``'s CUDA RNG) inside a fork, so the caller's streams are unchanged."""
    if seed is None:
        yield
        return
    cuda = [device.index if device.index is not None else torch.cuda.current_device()] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=cuda):
        torch.random.default_generator.manual_seed(seed)
        if cuda:
            with torch.cuda.device(cuda[0]):
                torch.cuda.manual_seed(seed)
        yield


def generate_batch(module: Any, prompts: Sequence[Sequence[int]], **options: Any) -> list[list[int]]:
    """New token ids for each prompt (EOS and anything after it removed), decoded as one batch; ``options``
    are those of :func:`generate`."""
    return generate(module, prompts, **options).without_eos()


@torch.no_grad()
def generate(module: Any, prompts: Sequence[Sequence[int]], *, max_new_tokens: int = 32, do_sample: bool = False,
             temperature: float = 1.0, top_p: float = 1.0, top_k: int = 0, eos_token_id: int | None = None,
             pad_token_id: int | None = None, seed: int | None = None, generator: torch.Generator | None = None,
             logprobs: bool = False) -> Completions:
    """Completions of ``prompts`` decoded as one batch, each cut after its first EOS.

    ``seed`` or ``generator`` (not both) make sampling reproducible; ``logprobs=True`` also returns each
    generated token's log-probability (see :class:`Completions`), at the cost of keeping every step's logits.
    """
    if seed is not None and generator is not None:
        raise ValueError("pass seed or generator, not both")
    sampling = SamplingConfig(max_new_tokens, do_sample, temperature, top_p, top_k)
    if logprobs and not temperature > 0:
        raise ValueError(f"log-probabilities need a positive temperature, found {temperature}")
    prompts = [list(map(int, p)) for p in prompts]
    if not prompts or sampling.max_new_tokens == 0:
        return Completions([[] for _ in prompts], [[] for _ in prompts] if logprobs else None, [False] * len(prompts))
    if any(len(p) == 0 for p in prompts):
        raise ValueError("every prompt needs at least one token (prepend a BOS/EOS id to an empty prompt)")
    if generator is not None:  # one draw per call: a saved and restored generator replays the same samples
        seed = int(torch.randint(0, 2**62, (1,), generator=generator))
    was_training = getattr(module, "training", False)
    module.eval()
    try:
        with _seeded(_device_of(module), seed):
            decode = _hf_generate if is_transformers_model(module) else _plain_generate
            tokens, logits = decode(module, prompts, sampling, eos_token_id, pad_token_id, logprobs)
    finally:
        module.train(was_training)
    return _completions(tokens, logits, sampling.temperature, eos_token_id)


def _completions(tokens: torch.Tensor, logits: torch.Tensor | None, temperature: float,
                 eos: int | None) -> Completions:
    """Rows of ``tokens`` (batch, steps) cut after the first EOS; log-probabilities from ``logits``
    (batch, steps, vocab) scaled by ``temperature``."""
    rows = tokens.tolist()
    lengths = [row.index(eos) + 1 if eos is not None and eos in row else len(row) for row in rows]
    stopped = [eos is not None and eos in row for row in rows]
    picked = None
    if logits is not None:
        scaled = torch.log_softmax(logits.float() / temperature, dim=-1)
        picked = scaled.gather(-1, tokens.to(scaled.device)[..., None])[..., 0].cpu().tolist()
    return Completions([row[:n] for row, n in zip(rows, lengths)],
                       [lp[:n] for lp, n in zip(picked, lengths)] if picked is not None else None, stopped)


def _hf_generate(module: Any, prompts: list[list[int]], s: SamplingConfig, eos: int | None, pad: int | None,
                 keep_logits: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Left-padded batch through transformers' ``generate`` (KV cache on by default): the new tokens
    (batch, steps) and, if ``keep_logits``, the raw logits that chose them (batch, steps, vocab)."""
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
                              "eos_token_id": eos, "use_cache": True, "return_dict_in_generate": True,
                              "output_logits": keep_logits}
    if s.do_sample:
        kwargs.update(temperature=s.temperature, top_p=s.top_p, top_k=s.top_k)
    else:  # leave the model's own sampling defaults out of a greedy call
        kwargs.update(temperature=None, top_p=None, top_k=None)
    out = module.generate(input_ids=input_ids.to(device), attention_mask=attention_mask.to(device), **kwargs)
    return out.sequences[:, width:].cpu(), torch.stack(out.logits, dim=1) if keep_logits else None


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


def _plain_generate(module: Any, prompts: list[list[int]], s: SamplingConfig, eos: int | None, pad: int | None,
                    keep_logits: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Right-aligned decoding for modules without a cache: each row keeps its own window. Returns the new
    tokens (batch, steps; ``pad`` after a row's EOS) and, if ``keep_logits``, the logits that chose them."""
    device = _device_of(module)
    context = _context_length(module)
    pad = pad if pad is not None else (eos if eos is not None else 0)
    rows = [list(p) for p in prompts]
    new: list[list[int]] = [[] for _ in prompts]
    step_logits: list[list[torch.Tensor]] = [[] for _ in prompts]
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
            for i, token, row_logits in zip(slots, picked.tolist(), logits):
                rows[i].append(token)
                new[i].append(token)
                if keep_logits:
                    step_logits[i].append(row_logits)
                if token == eos:
                    finished[i] = True
    steps = max(len(row) for row in new)
    tokens = torch.full((len(new), steps), pad, dtype=torch.long)
    for i, row in enumerate(new):
        tokens[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    if not keep_logits:
        return tokens, None
    vocab = step_logits[0][0].shape[-1]  # every row decodes at least one token
    logits_out = torch.zeros((len(new), steps, vocab))
    for i, row_logits in enumerate(step_logits):
        logits_out[i, : len(row_logits)] = torch.stack(row_logits).cpu()
    return tokens, logits_out
