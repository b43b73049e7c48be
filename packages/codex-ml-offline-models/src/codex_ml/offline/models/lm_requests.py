"""Text requests to token requests, by lm-evaluation-harness 0.4's rules for Hugging Face causal LMs.

Kept apart from the torch code so each rule can be read (and tested) on its own:

- a (context, continuation) pair: trailing whitespace of the context moves to the continuation, then
  context and context + continuation are encoded whole and the continuation is the tail of the whole
  encoding (so the tokeniser sees the text as it will when the model reads it);
- an empty context is the model's prefix token (BOS, else EOS);
- a document is cut into disjoint rolling windows of the model's length, each scored after as much
  earlier text as fits (the first after the prefix token).

No torch here: pure token bookkeeping.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from codex_ml.errors import ScoringRequestError


@dataclass(frozen=True)
class TokenRequest:
    """Token ids to condition on (never empty) and token ids to score (never empty)."""

    context: tuple[int, ...]
    continuation: tuple[int, ...]


class RequestEncoder:
    """Encodes text the way lm-eval's HFLM does for a given tokenizer and BOS setting.

    ``add_bos_token``: ``None`` lets the tokenizer decide (GPT-2's adds nothing, Llama's adds BOS), as
    lm-eval's default; ``True``/``False`` force it.
    """

    def __init__(self, tokenizer: Any, add_bos_token: bool | None = None) -> None:
        self.tokenizer = tokenizer
        bos = getattr(tokenizer, "bos_token_id", None)
        eos = getattr(tokenizer, "eos_token_id", None)
        self.prefix_token_id = bos if bos is not None else eos
        if self.prefix_token_id is None:
            raise ScoringRequestError("the tokenizer has neither a BOS nor an EOS token: an empty context cannot be scored")
        self.bos_token_id = bos if bos is not None else self.prefix_token_id
        self.add_bos = tokenizer_adds_bos(tokenizer) if add_bos_token is None else bool(add_bos_token)
        self._bos_text = _decode_special(tokenizer, self.prefix_token_id)
        self._plain: dict[str, list[int]] = {}

    def prefetch(self, texts: Sequence[str]) -> None:
        """Encode ``texts`` in one call of the tokenizer's batch encoder (when it has one): a whole
        evaluation set tokenised at once instead of one Python round trip per string."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._plain))
        batch = getattr(self.tokenizer, "encode_batch", None)
        if todo and callable(batch):
            self._plain.update(zip(todo, (list(ids) for ids in batch(todo))))

    def _ids(self, text: str) -> list[int]:
        ids = self._plain.get(text)
        if ids is None:  # memoised: the choices of a question share its context
            ids = self._plain[text] = list(self.tokenizer.encode(text))
        return ids

    def encode(self, text: str) -> list[int]:
        """``text`` as the model reads it: plain ids, BOS first when BOS is on and the text lacks it."""
        ids = self._ids(text)
        if self.add_bos and not (self._bos_text and text.startswith(self._bos_text)):
            return [self.bos_token_id, *ids]
        return list(ids)

    def pairs(self, requests: Sequence[tuple[str, str]]) -> list[TokenRequest]:
        """:meth:`pair` of every request, its texts tokenised in one batch; an error names the request."""
        texts = []
        for context, continuation in requests:
            stripped = context.rstrip()
            texts += [stripped, context + continuation] if context else [continuation]
        self.prefetch(texts)
        token_requests = []
        for index, (context, continuation) in enumerate(requests):
            try:
                token_requests.append(self.pair(context, continuation))
            except ScoringRequestError as exc:
                raise ScoringRequestError(f"loglikelihood request {index}: {exc}") from None
        return token_requests

    def pair(self, context: str, continuation: str) -> TokenRequest:
        """One loglikelihood request. An empty continuation is refused (it would score 0, a free win)."""
        if not continuation:
            raise ScoringRequestError(f"empty continuation after context {context[-40:]!r}: nothing to score")
        if not context:
            cont = list(self._ids(continuation))
            if cont and cont[0] == self.prefix_token_id:
                return _checked(cont[:1], cont[1:], context, continuation)
            return _checked([self.prefix_token_id], cont, context, continuation)
        stripped = context.rstrip()
        moved = len(context) - len(stripped)
        if moved:
            context, continuation = stripped, context[len(stripped):] + continuation
        whole = self.encode(context + continuation)
        ctx = self.encode(context)
        return _checked(ctx, whole[len(ctx):], context, continuation)

    def rolling(self, text: str, max_length: int) -> list[TokenRequest]:
        """The disjoint windows whose scores sum to ``text``'s log-likelihood."""
        return [TokenRequest(tuple(ctx), tuple(cont))
                for ctx, cont in rolling_windows(self.encode(text), self.prefix_token_id, max_length)]


def _checked(ctx: Sequence[int], cont: Sequence[int], context: str, continuation: str) -> TokenRequest:
    if not cont:
        raise ScoringRequestError(f"continuation {continuation!r} after context {context[-40:]!r} encodes to no tokens")
    return TokenRequest(tuple(ctx), tuple(cont))


def tokenizer_adds_bos(tokenizer: Any) -> bool:
    """Whether the wrapped transformers tokenizer puts BOS first when special tokens are on."""
    hf = getattr(tokenizer, "hf", None)
    bos = getattr(tokenizer, "bos_token_id", None)
    if hf is None or bos is None:
        return False
    with_special = list(hf.encode("a"))
    return len(with_special) > len(hf.encode("a", add_special_tokens=False)) and with_special[0] == bos


def _decode_special(tokenizer: Any, token_id: int) -> str:
    hf = getattr(tokenizer, "hf", None)
    if hf is not None:
        return str(hf.decode([token_id], skip_special_tokens=False))
    return ""


def rolling_windows(tokens: Sequence[int], prefix_token: int, max_length: int) -> Iterator[tuple[list[int], list[int]]]:
    """(context, continuation) windows that together predict every token exactly once.

    The first window predicts up to ``max_length`` tokens after the prefix token; each later window
    predicts the next up-to-``max_length`` tokens, conditioned on the earlier tokens that still fit in
    ``max_length`` inputs (one token for a full window, more for the last, partial one). Matches
    lm-eval's ``get_rolling_token_windows(..., context_len=1)`` followed by ``make_disjoint_window``.
    """
    if max_length < 1:
        raise ScoringRequestError(f"max_length must be at least 1, got {max_length}")
    tokens = list(tokens)
    if not tokens:
        return
    first = min(max_length, len(tokens))
    yield [prefix_token], tokens[:first]
    predicted = first
    while predicted < len(tokens):
        size = min(len(tokens) - predicted, max_length)
        end = predicted + size
        yield tokens[max(end - max_length - 1, 0):predicted], tokens[predicted:end]
        predicted = end
