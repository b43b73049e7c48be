"""Batched log-likelihood of token continuations: the fast half of the scoring contract.

What makes it fast, compared with running every request whole and taking a log-softmax over the whole
vocabulary at every position:

- requests are sorted by length (longest first) and padded on the right into batches; results come
  back in the order the requests were given;
- requests that share a context are run as one row: the context once, then each continuation after it,
  with a mask that lets a continuation see the context and itself only and position ids that restart
  after the context for each (multiple choice: one context, N choices, one forward, nothing copied);
- the LM head is applied only to the hidden states that predict continuation tokens, and the
  log-softmax only there.

Right padding needs no attention mask for a causal model (no real token sees a later pad).

Modules that are not transformers causal LMs (e.g. MiniLM) have no separate head and take no masks:
they are run whole (still batched and length-sorted) and only the continuation positions are scored.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from codex_ml.offline.models.lm_requests import ScoringRequestError, TokenRequest

PAD_ID = 0
#: On a CPU, whole sequences are batched up to about this many padded tokens: bigger batches only add
#: padding and cache misses there (a GPU keeps batching up to ``batch_size`` rows).
CPU_BATCH_TOKENS = 2048


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
        # a shared row needs a custom mask: torch's SDPA and the eager path take one, flash-attention kernels do not
        implementation = getattr(getattr(module, "config", None), "_attn_implementation", None)
        self._masks = self._split and implementation in ("sdpa", "eager")

    @property
    def device(self) -> torch.device:
        return next(self.module.parameters()).device

    def score(self, requests: Sequence[TokenRequest]) -> list[tuple[float, bool]]:
        """(sum of the continuation's log-probabilities, whether every continuation token is the argmax)."""
        fitted = [fit_window(r, self.max_length) for r in requests]
        groups: dict[tuple[int, ...], list[int]] = {}
        for index, request in enumerate(fitted):
            groups.setdefault(request.context, []).append(index)
        shared: list[tuple[tuple[int, ...], list[int]]] = []
        single: list[int] = []
        for context, members in groups.items():
            if self._shares(context, members, fitted):
                shared.append((context, members))
            else:
                single += members
        results: list[tuple[float, bool] | None] = [None] * len(fitted)
        self.module.eval()
        with torch.inference_mode():
            single.sort(key=lambda i: (-(len(fitted[i].context) + len(fitted[i].continuation)), i))
            for batch in self._whole_batches(single, fitted):
                for index, value in zip(batch, self._score_whole([fitted[i] for i in batch])):
                    results[index] = value
            widths = {ctx: _row_width(ctx, [fitted[i] for i in members]) for ctx, members in shared}
            shared.sort(key=lambda g: (-widths[g[0]], g[1][0]))
            for batch in self._group_batches(shared, widths):
                contexts = [ctx for ctx, _ in batch]
                members = [[fitted[i] for i in m] for _, m in batch]
                for (_, indices), values in zip(batch, self._score_shared(contexts, members)):
                    for index, value in zip(indices, values):
                        results[index] = value
        missing = [i for i, r in enumerate(results) if r is None]
        if missing:
            raise RuntimeError(f"internal error: request(s) {missing[:5]} were not scored")
        return results  # type: ignore[return-value]

    def _shares(self, context: tuple[int, ...], members: Sequence[int], fitted: Sequence[TokenRequest]) -> bool:
        """Whether several continuations of one context go in one row. It always saves recomputing the
        context; it must not cost more attention than the rows it replaces: for tails t_i after a
        context c, (sum t)^2 - sum t^2 <= (n - 1) c^2. Multiple choice passes easily; rolling windows,
        whose shared context is the prefix token alone, do not."""
        if not (self._masks and len(members) > 1):
            return False
        tails = [len(fitted[i].continuation) - 1 for i in members]
        return sum(tails) ** 2 - sum(t * t for t in tails) <= (len(members) - 1) * len(context) ** 2

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

    def _group_batches(self, groups: list[tuple[tuple[int, ...], list[int]]], widths: dict[tuple[int, ...], int]):
        """Consecutive shared rows (sorted widest first) whose requests add up to at most ``batch_size``
        (one row at least) and, on a CPU, whose padded tokens stay within ``CPU_BATCH_TOKENS``."""
        budget = CPU_BATCH_TOKENS if self.device.type == "cpu" else None
        batch: list[tuple[tuple[int, ...], list[int]]] = []
        requests = width = 0
        for group in groups:
            if batch and (requests + len(group[1]) > self.batch_size
                          or (budget is not None and (len(batch) + 1) * width > budget)):
                yield batch
                batch, requests = [], 0
            if not batch:
                width = widths[group[0]]
            batch.append(group)
            requests += len(group[1])
        if batch:
            yield batch

    def _padded(self, rows: Sequence[Sequence[int]], fill: int = PAD_ID) -> torch.Tensor:
        width = max(len(r) for r in rows)
        return torch.tensor([list(r) + [fill] * (width - len(r)) for r in rows], dtype=torch.long, device=self.device)

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
        """Each context followed by all its continuations in one row; a mask lets every continuation see
        the context and itself only, and position ids restart after the context for each of them."""
        rows, segments, positions, picks = [], [], [], []
        for row, (context, group) in enumerate(zip(contexts, members)):
            ids, seg, pos = list(context), [0] * len(context), list(range(len(context)))
            for number, request in enumerate(group, start=1):
                tail = request.continuation[:-1]
                start = len(ids)
                picks.append((row, [len(context) - 1, *range(start, start + len(tail))]))
                ids += tail
                seg += [number] * len(tail)
                pos += range(len(context), len(context) + len(tail))
            rows.append(ids)
            segments.append(seg)
            positions.append(pos)
        ids = self._padded(rows)
        seg = self._padded(segments, fill=-1)
        pos = self._padded(positions)
        width = ids.shape[1]
        index = torch.arange(width, device=self.device)
        mask = (index[None, None, :] <= index[None, :, None]) & (
            (seg[:, None, :] == 0) | (seg[:, None, :] == seg[:, :, None])) & (seg[:, None, :] >= 0)
        mask |= torch.eye(width, dtype=torch.bool, device=self.device)[None]  # a pad sees itself: no empty row
        dtype = self._head.weight.dtype
        additive = torch.zeros(mask.shape, dtype=dtype, device=self.device).masked_fill_(~mask, torch.finfo(dtype).min)
        states = self._base(input_ids=ids, attention_mask=additive[:, None], position_ids=pos,
                            use_cache=False).last_hidden_state
        row_index = [row for row, cols in picks for _ in cols]
        col_index = [c for _, cols in picks for c in cols]
        flat = [r for group in members for r in group]
        values = _sum_by_request(states[row_index, col_index], self._head, [r.continuation for r in flat])
        out_values, start = [], 0
        for group in members:
            out_values.append(values[start:start + len(group)])
            start += len(group)
        return out_values


def _row_width(context: Sequence[int], requests: Sequence[TokenRequest]) -> int:
    """Tokens in a shared row: the context, then every continuation but its last token."""
    return len(context) + sum(len(r.continuation) - 1 for r in requests)


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
