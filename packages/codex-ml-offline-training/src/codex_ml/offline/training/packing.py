"""Text records to fixed-size token blocks with no padding, and the held-out split.

Documents are joined with the end-of-text id into one stream that is cut into blocks of ``block_size``
inputs and the same number of next-token targets, so every position computed is a real token.
Attention may cross a document boundary inside a block (as in GPT-2 pretraining); the separator tells
the model where one document ends.
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import torch


#: Documents per tokenizer call, so a progress bar can advance while a large corpus is tokenised.
ENCODE_CHUNK = 256


def encode_all(texts: Sequence[str], tokenizer: Any, *, show_progress: bool = False) -> list[list[int]]:
    """Token ids of every text, in chunks (batched when the tokenizer can), with a bar on a terminal."""
    from codex_ml.pipeline.progress import bar

    batch = getattr(tokenizer, "encode_batch", None)
    shown = bar(total=len(texts), desc="tokenise", quiet=not show_progress, unit="doc")
    encoded: list[list[int]] = []
    for start in range(0, len(texts), ENCODE_CHUNK):
        chunk = list(texts[start:start + ENCODE_CHUNK])
        encoded += batch(chunk) if callable(batch) else [tokenizer.encode(text) for text in chunk]
        shown.update(len(chunk))
    shown.close()
    return encoded


def split_indices(n: int, eval_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Deterministic held-out split by record; at least one record each side when both are possible."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_eval = 0 if eval_fraction <= 0 or n < 2 else min(n - 1, max(1, round(n * eval_fraction)))
    return sorted(order[n_eval:]), sorted(order[:n_eval])


@dataclass
class Blocks:
    inputs: torch.Tensor  # (n, block) int64
    targets: torch.Tensor  # (n, block) int64

    def __len__(self) -> int:
        return self.inputs.shape[0]

    @property
    def tokens(self) -> int:
        return self.targets.numel()


def pack(documents: Sequence[Sequence[int]], block_size: int, eos_id: int | None) -> Blocks:
    """Join ``documents`` (each followed by ``eos_id``) and cut into full blocks; the tail that does not fill
    a block is dropped, unless the whole stream is shorter than one block (then it is one short block)."""
    stream: list[int] = []
    for ids in documents:
        stream.extend(ids)
        if eos_id is not None:
            stream.append(eos_id)
    if len(stream) < 2:
        return Blocks(torch.zeros((0, block_size), dtype=torch.long), torch.zeros((0, block_size), dtype=torch.long))
    data = torch.tensor(stream, dtype=torch.long)
    n = (len(stream) - 1) // block_size
    if n == 0:
        return Blocks(data[None, :-1].clone(), data[None, 1:].clone())
    return Blocks(data[: n * block_size].view(n, block_size).clone(), data[1 : n * block_size + 1].view(n, block_size).clone())


def fingerprint(blocks: Blocks) -> str:
    """SHA-256 of the packed training tokens: resuming on different data is refused."""
    return hashlib.sha256(blocks.inputs.numpy().tobytes() + blocks.targets[:, -1:].numpy().tobytes()).hexdigest()


class BlockOrder:
    """Shuffled block order per epoch (seed + epoch), so a position ``(epoch, cursor)`` is all that a
    checkpoint must store to continue with exactly the same batches."""

    def __init__(self, n_blocks: int, seed: int, epoch: int = 0, cursor: int = 0) -> None:
        if n_blocks < 1:
            raise ValueError("offline:functional: no training block: the corpus is too small for one token pair")
        self.n, self.seed, self.epoch, self.cursor = n_blocks, seed, epoch, cursor
        self._perm = self._permutation(epoch)

    def _permutation(self, epoch: int) -> torch.Tensor:
        return torch.randperm(self.n, generator=torch.Generator().manual_seed(self.seed * 1_000_003 + epoch))

    def take(self, count: int) -> torch.Tensor:
        chosen = []
        while count:
            if self.cursor == self.n:
                self.epoch, self.cursor = self.epoch + 1, 0
                self._perm = self._permutation(self.epoch)
            size = min(count, self.n - self.cursor)
            chosen.append(self._perm[self.cursor:self.cursor + size])
            self.cursor += size
            count -= size
        return torch.cat(chosen)

    def position(self) -> dict[str, int]:
        return {"epoch": self.epoch, "cursor": self.cursor}
