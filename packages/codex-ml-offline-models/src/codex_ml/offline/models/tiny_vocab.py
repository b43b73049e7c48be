"""``offline:tiny-vocab``: a whitespace tokenizer over a fixed JSON vocabulary."""
from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from codex_ml.artifacts.files import read_json
from codex_ml.errors import MalformedArtifactError

PAD, UNK = "<pad>", "<unk>"


class TinyVocabTokenizer:
    """Splits on whitespace; words outside the vocabulary become ``<unk>``. No lowercasing."""

    def __init__(self, vocab: Mapping[str, int], *, source: Path | None = None) -> None:
        where = f"{source}: " if source else ""
        if UNK not in vocab:
            raise MalformedArtifactError(f"{where}vocabulary has no {UNK!r} token; unknown words need one")
        ids = list(vocab.values())
        if len(set(ids)) != len(ids):
            raise MalformedArtifactError(f"{where}vocabulary maps two tokens to the same id")
        self.vocab = dict(vocab)
        self.source = source
        self.unk_id = self.vocab[UNK]
        self.pad_id = self.vocab.get(PAD)
        self._inverse = {index: token for token, index in self.vocab.items()}

    @classmethod
    def from_file(cls, path: Path) -> TinyVocabTokenizer:
        data = read_json(path)
        if not isinstance(data, dict):
            raise MalformedArtifactError(f"{path}: expected a JSON object mapping tokens to ids")
        bad = {k: v for k, v in data.items() if isinstance(v, bool) or not isinstance(v, int) or v < 0}
        if bad:
            token, value = next(iter(bad.items()))
            raise MalformedArtifactError(f"{path}: token {token!r} has id {json.dumps(value)}; ids must be non-negative integers")
        return cls(data, source=path)

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    def encode(self, text: str) -> list[int]:
        return [self.vocab.get(token, self.unk_id) for token in text.split()]

    def decode(self, ids: Sequence[int]) -> str:
        return " ".join(self._inverse.get(int(index), UNK) for index in ids)

    def save_pretrained(self, directory: str | os.PathLike[str]) -> Path:
        from codex_ml.io import atomic_write_text

        target = Path(directory) / "vocab.json"
        atomic_write_text(target, json.dumps(self.vocab, indent=2) + "\n")
        return target


def load_tiny_vocab(path: str | os.PathLike[str]) -> TinyVocabTokenizer:
    """Factory registered as ``offline:tiny-vocab``; ``path`` is a vocab file or its directory."""
    return TinyVocabTokenizer.from_file(Path(path))
