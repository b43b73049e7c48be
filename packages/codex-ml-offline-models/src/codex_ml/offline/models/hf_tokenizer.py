"""A transformers tokenizer behind the codex-ml ``Tokenizer`` protocol (plain ids, no special tokens)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any


class HFTokenizer:
    """``encode`` returns ids without BOS/EOS: the trainer adds EOS between documents itself."""

    def __init__(self, tokenizer: Any, *, source: Path | None = None) -> None:
        self.hf = tokenizer
        self.source = source

    @property
    def eos_token_id(self) -> int | None:
        return self.hf.eos_token_id

    @property
    def bos_token_id(self) -> int | None:
        return self.hf.bos_token_id

    @property
    def vocab_size(self) -> int:
        return len(self.hf)

    def encode(self, text: str) -> list[int]:
        return list(self.hf.encode(text, add_special_tokens=False))

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [list(ids) for ids in self.hf(list(texts), add_special_tokens=False)["input_ids"]]

    def decode(self, ids: Sequence[int]) -> str:
        return self.hf.decode([int(i) for i in ids], skip_special_tokens=True)

    def save_pretrained(self, directory: str | os.PathLike[str]) -> None:
        self.hf.save_pretrained(directory)
