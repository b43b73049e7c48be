"""Batched log-likelihood of token continuations: the fast half of the scoring contract.

What makes it fast, compared with running every request whole and taking a log-softmax over the whole
vocabulary at every position:

- requests are sorted by length (longest first) and padded on the right into batches; results come
  back in the order the requests were given;
- requests that share a context are run as one group: the context goes through the model once and its
  KV cache is reused for every continuation (multiple choice: one context, N choices);
- the LM head is applied only to the hidden states that predict continuation tokens, and the
  log-softmax only there.

Right padding needs no attention mask for a causal model (no real token sees a later pad); the second
step of a shared context masks the pads that shorter contexts left in the cache and gives each
continuation its true positions.

Modules that are not transformers causal LMs (e.g. MiniLM) have no cache or separate head: they are
run whole (still batched and length-sorted) and only the continuation positions are scored.
"""
from __future__ import annotations

import copy
import inspect
from collections.abc import Sequence
from typing import Any

import torch
from codex_ml.offline.models.lm_requests import ScoringRequestError, TokenRequest

PAD_ID = 0
#: On a CPU, whole sequences are batched up to about this many padded tokens: bigger batches only add
#: padding and cache misses there (a GPU keeps batching up to ``batch_size`` rows).
CPU_BATCH_TOKENS = 2048
#: Shorter contexts are recomputed with each continuation rather than shared through a KV cache.
MIN_SHARED_CONTEXT = 2


def fit_window(request: TokenRequest, max_length: int) -> TokenRequest:
    """Left-truncate the context so context + continuation[:-1] fits ``max_length`` inputs (lm-eval's rule)."""
    if len(request.continuation) > max_length:
        raise ScoringRequestError(
            f"a continuation of {len(request.continuation)} tokens does not fit the model's {max_length}-token window"
        )
    keep = max_length + 1 - len(request.continuation)
    return request if len(request.context) <= keep else TokenRequest(request.context[-keep:], request.continuation)


class TokenScorer:
    """Scores :class:`TokenRequest` lists on ``module`` in batches of at most ``batch_size`` rows."""

    def __init__(self, module: Any, *, max_length: int, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ScoringRequestError(f"batch_size must be at least 1, got {batch_size}")
        self.module = module
        self.max_length = max_length
        self.batch_size = batch_size
        base = getattr(module, "base_model", None)
        head = module.get_output_embeddings() if callable(getattr(module, "get_output_embeddings", None)) else None
        self._split = base is not None and base is not module and head is not None
        self._base, self._head = (base, head) if self._split else (None, None)
        # transformers 5 renamed ``past_key_values`` to ``cache`` (the old name still works, with a warning)
        self._cache_arg = "cache" if self._split and "cache" in inspect.signature(base.forward).parameters \
            else "past_key_values"

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def score(self, requests: Sequence[TokenRequest]) -> list[tuple[float, bool]]:
        """(sum of the continuation's log-probabilities, whether every continuation token is the argmax)."""
        fitted = [fit_window(r, self.max_length) for r in requests]
        groups: dict[tuple[int, ...], list[int]] = {}
        for index, request in enumerate(fitted):
            groups.setdefault(request.context, []).append(index)
        shared = [(ctx, members) for ctx, members in groups.items() if self._shares(ctx, members)]
        single = [i for ctx, members in groups.items() if not self._shares(ctx, members) for i in members]
        results: list[tuple[float, bool] | None] = [None] * len(fitted)
        self.module.eval()
        with torch.inference_mode():
            single.sort(key=lambda i: (-(len(fitted[i].context) + len(fitted[i].continuation)), i))
            for batch in self._whole_batches(single, fitted):
                for index, value in zip(batch, self._score_whole([fitted[i] for i in batch])):
                    results[index] = value
            shared.sort(key=lambda g: (-len(g[0]), g[1][0]))  # continuations are re-sorted inside each batch
            for batch in self._group_batches(shared):
                contexts = [ctx for ctx, _ in batch]
                members = [[fitted[i] for i in m] for _, m in batch]
                for (_, indices), values in zip(batch, self._score_shared(contexts, members)):
                    for index, value in zip(indices, values):
                        results[index] = value
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            raise RuntimeError(f"internal error: request(s) {missing[:5]} were not scored")
        return results  # type: ignore[return-value]

    def _shares(self, context: tuple[int, ...], members: Sequence[int]) -> bool:
        """Whether a context is worth one forward of its own whose cache its continuations reuse: it must
        serve several of them and be longer than the prefix token alone (rolling windows' first context),
        which costs less to recompute than to copy and mask."""
        return self._split and len(members) > 1 and len(context) >= MIN_SHARED_CONTEXT

    def _whole_batches(self, order: Sequence[int], fitted: Sequence[TokenRequest]):
        """Consecutive requests (sorted longest first) in batches of at most ``batch_size`` rows, cut early
        when a row is under 2/3 of the batch's first (bounding the padding) and, on a CPU, when the batch
        would exceed ``CPU_BATCH_TOKENS`` padded tokens (large activations fall out of cache)."""
        budget = CPU_BATCH_TOKENS if self.device.type == "cpu" else None
        batch: list[int] = []
        width = 0
        for index in order:
            length = len(fitted[index].context) + len(fitted[index].continuation) - 1
            if batch and (len(batch) == self.batch_size or 3 * length < 2 * width
                          or (budget is not None and (len(batch) + 1) * width > budget)):
                yield batch
                batch = []
            if not batch:
                width = length
            batch.append(index)
        if batch:
            yield batch

    def _group_batches(self, groups: list[tuple[tuple[int, ...], list[int]]]):
        """Consecutive groups whose members add up to at most ``batch_size`` rows (one group at least)."""
        batch: list[tuple[tuple[int, ...], list[int]]] = []
        rows = 0
        for group in groups:
            if batch and rows + len(group[1]) > self.batch_size:
                yield batch
                batch, rows = [], 0
            batch.append(group)
            rows += len(group[1])
        if batch:
            yield batch

    def _padded(self, rows: Sequence[Sequence[int]]) -> torch.Tensor:
        width = max(len(r) for r in rows)
        return torch.tensor([list(r) + [PAD_ID] * (width - len(r)) for r in rows], dtype=torch.long, device=self.device)

    def _score_whole(self, requests: Sequence[TokenRequest]) -> list[tuple[float, bool]]:
        """One forward over each (context + continuation[:-1]); only the continuation positions are scored."""
        inputs = [r.context + r.continuation[:-1] for r in requests]
        ids = self._padded(inputs)
        rows, cols = [], []
        for row, (request, seq) in enumerate(zip(requests, inputs)):
            first = len(seq) - len(request.continuation)
            rows += [row] * len(request.continuation)
            cols += range(first, len(seq))
        if self._split:
            hidden = self._base(input_ids=ids, use_cache=False).last_hidden_state
            return _sum_by_request(hidden[rows, cols], self._head, [r.continuation for r in requests])
        logits = self.module(input_ids=ids).logits[rows, cols]
        return _sum_by_request(logits, None, [r.continuation for r in requests])

    def _score_shared(self, contexts: Sequence[tuple[int, ...]], members: Sequence[Sequence[TokenRequest]]):
        """Contexts once (keeping their KV cache), then every continuation on a copy of its context's cache.

        Continuations run in chunks of similar length (longest first), so one long choice does not pad
        every other row of the batch to its length."""
        ctx_ids = self._padded(contexts)
        out = self._base(input_ids=ctx_ids, use_cache=True)
        lengths = [len(c) for c in contexts]
        last = out.last_hidden_state[range(len(contexts)), [n - 1 for n in lengths]]  # predicts each first token
        flat = [(g, r) for g, group in enumerate(members) for r in group]
        tails = {row: r.continuation[:-1] for row, (_, r) in enumerate(flat) if len(r.continuation) > 1}
        chunks = list(_similar_lengths(sorted(tails, key=lambda row: (-len(tails[row]), row)), tails))
        cache = getattr(out, "cache", None) or out.past_key_values
        hidden: dict[int, torch.Tensor] = {}
        for number, chunk in enumerate(chunks):
            owned = cache if number == len(chunks) - 1 else _detached_copy(cache)
            owned.batch_select_indices(torch.tensor([flat[row][0] for row in chunk], device=self.device))
            ids = self._padded([tails[row] for row in chunk])
            mask = torch.ones(len(chunk), ctx_ids.shape[1] + ids.shape[1], dtype=torch.long, device=self.device)
            for i, row in enumerate(chunk):
                mask[i, lengths[flat[row][0]]:ctx_ids.shape[1]] = 0  # the padding after a shorter context
            offsets = torch.tensor([lengths[flat[row][0]] for row in chunk], device=self.device)
            positions = offsets[:, None] + torch.arange(ids.shape[1], device=self.device)[None, :]
            states = self._base(input_ids=ids, attention_mask=mask, position_ids=positions, use_cache=True,
                                **{self._cache_arg: owned}).last_hidden_state
            for i, row in enumerate(chunk):
                hidden[row] = states[i, :len(tails[row])]
        pieces = []
        for row, (g, _) in enumerate(flat):
            pieces.append(last[g:g + 1])
            if row in hidden:
                pieces.append(hidden[row])
        values = _sum_by_request(torch.cat(pieces), self._head, [r.continuation for _, r in flat])
        out_values, start = [], 0
        for group in members:
            out_values.append(values[start:start + len(group)])
            start += len(group)
        return out_values


def _detached_copy(cache: Any) -> Any:
    """A cache whose ``batch_select_indices`` leaves ``cache`` as it is, without copying its tensors:
    selecting rows builds new tensors and the next step's keys are concatenated onto those, so only the
    per-layer holders need copying (transformers >= 4.56 keeps them in ``cache.layers``; older caches are
    deep-copied)."""
    layers = getattr(cache, "layers", None)
    if not isinstance(layers, list):
        return copy.deepcopy(cache)
    owned = copy.copy(cache)
    owned.layers = [copy.copy(layer) for layer in layers]
    return owned


def _similar_lengths(rows: Sequence[int], tails: dict[int, Sequence[int]]):
    """Consecutive runs of ``rows`` (sorted longest first) whose lengths stay above 2/3 of the run's first."""
    chunk: list[int] = []
    for row in rows:
        if chunk and 3 * len(tails[row]) < 2 * len(tails[chunk[0]]):
            yield chunk
            chunk = []
        chunk.append(row)
    if chunk:
        yield chunk


#: Positions whose logits are computed at once: small enough to stay in cache, large enough to batch well.
HEAD_CHUNK = 512


def _sum_by_request(states: torch.Tensor, head: Any, continuations: Sequence[Sequence[int]]) -> list[tuple[float, bool]]:
    """Rows of ``states`` are the continuation positions of every request, concatenated in order: hidden
    states when ``head`` is given (the LM head is applied here, a chunk of positions at a time), else logits."""
    targets = torch.tensor([t for cont in continuations for t in cont], device=states.device)
    picked = torch.empty(len(targets), dtype=torch.float32, device=states.device)
    greedy = torch.empty(len(targets), dtype=torch.bool, device=states.device)
    for start in range(0, len(targets), HEAD_CHUNK):
        end = start + HEAD_CHUNK
        logits = (head(states[start:end]) if head is not None else states[start:end]).float()
        target = targets[start:end]
        chosen = logits.gather(1, target[:, None])[:, 0]
        # one pass for the row maxima serves both the logsumexp and the greedy check (argmax is a second,
        # slower pass over the whole vocabulary); the logsumexp is torch.logsumexp's own recipe
        top = logits.amax(dim=-1)
        shift = top.masked_fill(top.abs() == float("inf"), 0.0)
        lse = (logits - shift[:, None]).exp_().sum(dim=-1).log_().add_(shift)
        # log p(target) = logit - logsumexp(logits): the log-softmax, without writing it out for the whole vocabulary
        picked[start:end] = chosen - lse
        greedy[start:end] = _is_argmax(logits, target, chosen, top)
    results, start = [], 0
    for cont in continuations:
        end = start + len(cont)
        results.append((float(picked[start:end].sum()), bool(greedy[start:end].all())))
        start = end
    return results


def _is_argmax(logits: torch.Tensor, target: torch.Tensor, chosen: torch.Tensor, top: torch.Tensor) -> torch.Tensor:
    """``logits.argmax(-1) == target`` from the row maxima: the target holds the maximum and no earlier
    token ties with it (argmax returns the first). Only rows that reach the maximum are checked for ties."""
    hit = chosen == top
    rows = hit.nonzero()[:, 0]
    if len(rows):
        earlier = torch.arange(logits.shape[1], device=logits.device)[None, :] < target[rows, None]
        hit[rows] = ~((logits[rows] == top[rows, None]) & earlier).any(dim=-1)
    return hit
