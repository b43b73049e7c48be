"""Batched decoding on token ids: the one generation path for evaluation, ``CausalLM.generate`` and the RL
rollouts (``offline:grpo``/``offline:rloo`` sample through :func:`generate`).

transformers causal LMs decode in one KV-cached loop over the model's forward (left-padded prefill, then
one token per step; checked token for token against transformers' greedy ``generate``), which skips
``generate``'s per-step overhead -- it matters for RL sampling. Any other module mapping ``input_ids`` to
``.logits`` (MiniLM) is decoded step by step with the same knobs, recomputing the window each step since it
has no cache. Works on ids so callers choose the tokenizer.

Randomness: ``seed`` or a ``torch.Generator`` (which the call advances by one draw, so a caller that saves and
restores it samples the same tokens again) seeds a forked RNG; the caller's global stream is left untouched.
"""
from __future__ import annotations

import contextlib
import functools
import inspect
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


@torch.inference_mode()
def generate(module: Any, prompts: Sequence[Sequence[int]], *, max_new_tokens: int = 32, do_sample: bool = False,
             temperature: float = 1.0, top_p: float = 1.0, top_k: int = 0, eos_token_id: int | None = None,
             pad_token_id: int | None = None, seed: int | None = None, generator: torch.Generator | None = None,
             logprobs: bool = False) -> Completions:
    """Completions of ``prompts`` decoded as one batch, each cut after its first EOS.

    ``seed`` or ``generator`` (not both) make sampling reproducible; ``logprobs=True`` also returns each
    generated token's log-probability (see :class:`Completions`).
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
    with _eval_mode(module), _seeded(_device_of(module), seed):
        decode = _hf_generate if is_transformers_model(module) else _plain_generate
        tokens, token_logprobs = decode(module, prompts, sampling, eos_token_id, pad_token_id, logprobs)
    return _completions(tokens, token_logprobs, eos_token_id)


@contextlib.contextmanager
def _eval_mode(module: Any) -> Iterator[None]:
    """Dropout off while decoding, then every submodule's mode put back as it was. A module already wholly in
    eval mode (the RL policy, evaluation) is left alone: switching a model's modes costs more than a decode step."""
    states = [(m, m.training) for m in module.modules()]
    if not any(training for _, training in states):
        yield
        return
    module.eval()
    try:
        yield
    finally:
        for m, training in states:
            m.training = training


def _completions(tokens: torch.Tensor, token_logprobs: torch.Tensor | None, eos: int | None) -> Completions:
    """Rows of ``tokens`` (batch, steps) and their log-probabilities (batch, steps) cut after the first EOS."""
    rows = tokens.tolist()
    lengths = [row.index(eos) + 1 if eos is not None and eos in row else len(row) for row in rows]
    stopped = [eos is not None and eos in row for row in rows]
    picked = token_logprobs.tolist() if token_logprobs is not None else None
    return Completions([row[:n] for row, n in zip(rows, lengths)],
                       [lp[:n] for lp, n in zip(picked, lengths)] if picked is not None else None, stopped)


def _scaled_logprobs(logits: torch.Tensor, tokens: torch.Tensor, temperature: float) -> torch.Tensor:
    """log_softmax(logits / temperature) at ``tokens``: logits (..., vocab), tokens (...)."""
    scaled = torch.log_softmax(_scaled(logits.float(), temperature), dim=-1)
    return scaled.gather(-1, tokens.to(scaled.device)[..., None])[..., 0]


def _scaled(logits: torch.Tensor, temperature: float) -> torch.Tensor:
    return logits if temperature == 1.0 else logits / temperature


def sample_from(probs: torch.Tensor) -> torch.Tensor:
    """One token per row of ``probs`` (rows, vocab; zeros allowed, rows need not sum to 1 exactly), drawn from the
    global RNG by inverting the cumulative distribution with one uniform per row.

    The same distribution as ``torch.multinomial(probs, 1)``, which on CPU draws an exponential for every
    vocabulary entry (~0.15 ms per call for 8 x 400, the cost of a whole decoder layer here). Accumulated in
    float64 (float32 where the device has no float64) and searched with ``right=True`` and a draw strictly below
    the total, so a token of probability zero (top-k/top-p filtered) is never picked."""
    wide = torch.float32 if probs.device.type == "mps" else torch.float64
    cdf = probs.to(wide).cumsum(-1)
    total = cdf[:, -1:]
    draw = torch.rand(total.shape, dtype=wide, device=probs.device) * total
    draw = torch.minimum(draw, torch.nextafter(total, torch.zeros_like(total)))
    return torch.searchsorted(cdf, draw, right=True)[:, 0]


def _next_token(logits: torch.Tensor, s: SamplingConfig, keep_logprobs: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The next token of each row from its float32 ``logits`` (rows, vocab) -- greedy, or sampled after
    temperature -> top-k -> top-p -- and, if ``keep_logprobs``, its log-probability under
    ``log_softmax(logits / temperature)`` (before top-k/top-p)."""
    if not s.do_sample:
        token = logits.argmax(-1)
        if not keep_logprobs:
            return token, None
        log_probs = torch.log_softmax(_scaled(logits, s.temperature), dim=-1)
    else:
        scaled = _scaled(logits, s.temperature)
        log_probs = torch.log_softmax(scaled, dim=-1)
        filtered = s.top_k > 0 or s.top_p < 1.0
        token = sample_from(torch.softmax(filter_logits(scaled, s.top_k, s.top_p), dim=-1) if filtered
                            else log_probs.exp())
        if not keep_logprobs:
            return token, None
    return token, log_probs.gather(-1, token[:, None])[:, 0]


@functools.lru_cache(maxsize=64)
def _forward_keywords(model_class: type) -> tuple[str, dict[str, int]]:
    """The KV-cache keyword of this transformers version (``cache`` in 5.x, ``past_key_values`` before), and
    ``logits_to_keep=1`` where supported so the prefill projects only the last position onto the vocabulary."""
    parameters = inspect.signature(model_class.forward).parameters
    key = "cache" if "cache" in parameters else "past_key_values"
    return key, ({"logits_to_keep": 1} if "logits_to_keep" in parameters else {})


def _full_attention_only(config: Any) -> bool:
    """Every layer attends to every earlier token (no sliding-window, chunked or other layer kinds)."""
    layer_types = set(getattr(config, "layer_types", None) or ["full_attention"])
    return (layer_types == {"full_attention"} and getattr(config, "sliding_window", None) is None
            and getattr(config, "attention_chunk_size", None) is None)


def _new_cache(module: Any) -> Any:
    """An empty ``DynamicCache``, or None on transformers versions where the model makes its own. Only models
    with other than full-attention layers need it built from their config (which costs more than a decode step)."""
    try:
        from transformers import DynamicCache
    except ImportError:
        return None
    if _full_attention_only(module.config):
        return DynamicCache()
    try:
        return DynamicCache(config=module.config)
    except TypeError:  # older transformers: the model creates its own cache
        return None


@functools.lru_cache(maxsize=1)
def _masks_pass_through() -> bool:
    """transformers 5 builds every model's mask in ``masking_utils``, which hands a ready 4D mask through
    unchanged; some 4.x models still built theirs in their own code."""
    import transformers

    return int(transformers.__version__.split(".")[0]) >= 5


def _decode_mask(module: Any, mask: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The attention mask of every decode step at once, to be cut to ``[..., :kv_length]`` per step.

    ``mask`` (batch, prompt width + new tokens) is 1 on real tokens. Where transformers takes a ready 4D mask as
    is (transformers 5; SDPA or eager attention; full-attention layers only), it is given as the additive
    mask of one query token in the model's ``dtype`` -- ``-inf`` on padding for SDPA (what SDPA turns
    transformers' boolean mask into, bit for bit), dtype-min for eager (as ``masking_utils`` builds it) -- so the
    model neither rebuilds it every token nor converts it in every layer; otherwise the 2D mask."""
    kernel = getattr(module.config, "_attn_implementation", None)
    if kernel not in ("sdpa", "eager") or not _full_attention_only(module.config) or not _masks_pass_through():
        return mask
    blocked = float("-inf") if kernel == "sdpa" else torch.finfo(dtype).min
    return torch.zeros(mask.shape, dtype=dtype, device=mask.device).masked_fill(mask == 0, blocked)[:, None, None, :]


def _hf_generate(module: Any, prompts: list[list[int]], s: SamplingConfig, eos: int | None, pad: int | None,
                 keep_logprobs: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
    """KV-cached decoding over the model's forward: prefill the left-padded batch once, then one token per
    step, stopping when every row has sampled EOS. Returns the new tokens (batch, steps; ``pad`` after a row's
    EOS) and, if ``keep_logprobs``, their log-probabilities under ``log_softmax(logits / temperature)``.

    Mirrors transformers' ``generate`` (same position ids and attention masks, float32 logits,
    temperature -> top-k -> top-p) without its per-step bookkeeping: positions and attention masks are built
    once for all steps and each step only slices them; the greedy tests check it token for token against
    ``generate``. Sampling draws through :func:`sample_from`."""
    first = next(module.parameters())
    device, dtype = first.device, first.dtype if first.is_floating_point() else torch.float32
    pad = pad if pad is not None else (eos if eos is not None else 0)
    context = _context_length(module)
    if context:  # the prompt's tail and the new tokens must fit the model's positions
        s = SamplingConfig(min(s.max_new_tokens, context - 1), s.do_sample, s.temperature, s.top_p, s.top_k)
        prompts = [p[-(context - s.max_new_tokens):] for p in prompts]
    batch, width, steps = len(prompts), max(len(p) for p in prompts), s.max_new_tokens
    input_ids = torch.full((batch, width), pad, dtype=torch.long)
    mask = torch.ones((batch, width + steps), dtype=torch.long)  # the new tokens are always attended
    for row, ids in enumerate(prompts):
        input_ids[row, width - len(ids):] = torch.tensor(ids)
        mask[row, : width - len(ids)] = 0
    input_ids, mask = input_ids.to(device), mask.to(device)
    prompt_mask = mask[:, :width]
    positions = (prompt_mask.cumsum(-1) - 1).masked_fill(prompt_mask == 0, 1)  # as transformers' generate builds them
    new_positions = positions[:, -1:] + 1 + torch.arange(steps, device=device)  # (batch, steps)
    step_masks = _decode_mask(module, mask, dtype)
    cache_key, extra = _forward_keywords(type(module))
    cache = _new_cache(module)
    done = torch.zeros(batch, dtype=torch.bool, device=device)
    tokens: list[torch.Tensor] = []
    token_logprobs: list[torch.Tensor] = []
    inputs = {"input_ids": input_ids, "attention_mask": prompt_mask, "position_ids": positions, "use_cache": True,
              cache_key: cache, **extra}
    for step in range(steps):
        out = module(**inputs)
        if cache is None:  # the model made the cache: carry it over
            inputs[cache_key] = out[cache_key] if cache_key in out else out["past_key_values"]
        token, logprob = _next_token(out["logits"][:, -1, :].float(), s, keep_logprobs)
        if eos is not None:
            token = token.masked_fill(done, pad)
            done |= token == eos
        tokens.append(token)
        if logprob is not None:
            token_logprobs.append(logprob)
        if eos is not None and bool(done.all()):
            break
        inputs.update(input_ids=token[:, None], position_ids=new_positions[:, step : step + 1],
                      attention_mask=step_masks[..., : width + step + 1])
    new = torch.stack(tokens, dim=1).cpu()
    return new, torch.stack(token_logprobs, dim=1).cpu() if keep_logprobs else None


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
    tokens (batch, steps; ``pad`` after a row's EOS) and, if ``keep_logits``, their log-probabilities under
    ``log_softmax(logits / temperature)``."""
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
            picked, _ = _next_token(logits, s, False)
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
    logprobs = torch.zeros((len(new), steps))
    for i, row_logits in enumerate(step_logits):
        logprobs[i, : len(row_logits)] = _scaled_logprobs(torch.stack(row_logits), tokens[i, : len(row_logits)],
                                                          s.temperature).cpu()
    return tokens, logprobs
