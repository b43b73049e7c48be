"""``offline:bytes``: UTF-8 bytes as ids 0-255 plus an end-of-text id 256. Needs no artefact, so a
MiniLM can be trained from scratch on any text with nothing on disk."""
from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

EOS_ID = 256
VOCAB_SIZE = 257


class ByteTokenizer:
    eos_token_id = EOS_ID
    bos_token_id = None
    vocab_size = VOCAB_SIZE

    def encode(self, text: str) -> list[int]:
        return list(text.encode("utf-8"))

    def encode_batch(self, texts: Sequence[str]) -> list[list[int]]:
        return [self.encode(text) for text in texts]

    def decode(self, ids: Sequence[int]) -> str:
        return bytes(int(i) for i in ids if 0 <= int(i) < 256).decode("utf-8", errors="replace")

    def save_pretrained(self, directory: str | os.PathLike[str]) -> None:
        path = Path(directory) / "tokenizer_config.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"tokenizer_class": "codex-ml:bytes", "eos_token_id": EOS_ID}, indent=2) + "\n")


def load_byte_tokenizer(path: str | os.PathLike[str] | None = None) -> ByteTokenizer:
    """Factory registered as ``offline:bytes``; takes no artefact (``path`` is accepted and ignored)."""
    return ByteTokenizer()
