"""Text records to fixed-size token blocks with no padding, document boundaries, and the held-out split.

Documents are joined with the end-of-text id into one stream (``doc eos doc eos ...``) that is cut into
blocks of ``block_size`` inputs and the same number of next-token targets, so every position computed is a
real token. Each block also carries per-document position ids: a document starts at its separator (the
``eos`` that precedes it; at its first token when there is no ``eos``) and at the start of the block, and
positions count from 0 there. Models that build a block-diagonal causal mask from such position ids
(transformers' GPT-2/Llama, MiniLM) then never let one document attend to another in the same block.
Without an ``eos`` the target that would cross into the next document is ignored (``IGNORE``).
"""
from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

#: Target id that the loss skips (``F.cross_entropy``'s default ``ignore_index``).
IGNORE = -100




def split_indices(n: int, eval_fraction: float, seed: int) -> tuple[list[int], list[int]]:
    """Deterministic held-out split by record; at least one record each side when both are possible."""
    order = list(range(n))
    random.Random(seed).shuffle(order)
    n_eval = 0 if eval_fraction <= 0 or n < 2 else min(n - 1, max(1, round(n * eval_fraction)))
    return sorted(order[n_eval:]), sorted(order[:n_eval])


@dataclass
class Blocks:
    inputs: torch.Tensor  # (n, block) int64
    targets: torch.Tensor  # (n, block) int64, IGNORE where no target is learnt
    positions: torch.Tensor | None = None  # (n, block) int64, per-document position ids

    def __len__(self) -> int:
        return self.inputs.shape[0]

    @property
    def tokens(self) -> int:
        """Targets that count in the loss."""
        return int((self.targets != IGNORE).sum())

    def take(self, count: int) -> Blocks:
        """The first ``count`` blocks (bounded evaluation passes)."""
        if count <= 0 or count >= len(self):
            return self
        return Blocks(self.inputs[:count], self.targets[:count], None if self.positions is None else self.positions[:count])

    def boundary_labels_masked(self) -> Blocks:
        """For a model that cannot keep documents apart: ignore the first prediction of each document inside a
        block (made from the previous document's context). Later tokens still see that document."""
        if self.positions is None:
            return self
        starts = self.positions == 0
        starts[:, 0] = False
        return Blocks(self.inputs, self.targets.masked_fill(starts, IGNORE), self.positions)


def _stream(documents: Sequence[Sequence[int] | np.ndarray], eos_id: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The joined token stream and a flag per stream token: a document starts here."""
    pieces, starts = [], []
    for ids in documents:
        ids = np.asarray(ids, dtype=np.int64)
        flag = np.zeros(len(ids) + (eos_id is not None), dtype=bool)
        if eos_id is None:
            if len(ids):
                flag[0] = True
            pieces.append(ids)
        else:
            flag[-1] = True  # the separator opens the next document
            pieces.append(np.append(ids, eos_id))
        starts.append(flag)
    if not pieces:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    return np.concatenate(pieces), np.concatenate(starts)


def pack(documents: Sequence[Sequence[int] | np.ndarray], block_size: int, eos_id: int | None) -> Blocks:
    """Join ``documents`` (each followed by ``eos_id``) and cut into full blocks; the tail that does not fill
    a block is dropped, unless the whole stream is shorter than one block (then it is one short block)."""
    stream, starts = _stream(documents, eos_id)
    if len(stream) < 2:
        empty = torch.zeros((0, block_size), dtype=torch.long)
        return Blocks(empty, empty.clone(), empty.clone())
    n = (len(stream) - 1) // block_size
    width = block_size if n else len(stream) - 1
    n = max(n, 1)
    inputs = stream[: n * width].reshape(n, width)
    targets = stream[1 : n * width + 1].reshape(n, width).copy()
    flags = starts[: n * width].reshape(n, width).copy()
    if eos_id is None:  # the target is the next document's first token: not predictable from this one
        targets[starts[1 : n * width + 1].reshape(n, width)] = IGNORE
    flags[:, 0] = True
    columns = np.arange(width)
    positions = columns - np.maximum.accumulate(np.where(flags, columns, 0), axis=1)
    return Blocks(torch.from_numpy(inputs.copy()), torch.from_numpy(targets), torch.from_numpy(positions))


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
