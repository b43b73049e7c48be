"""Tokenise a corpus once: a memory-mapped token file under the cache directory, keyed by corpus and tokenizer.

``$CODEX_ML_CACHE_DIR/tokens/<key>/`` holds ``tokens.npy`` (every document's ids, concatenated, uint32),
``offsets.npy`` (document ``i`` is ``tokens[offsets[i]:offsets[i+1]]``) and ``meta.json`` with the SHA-256
of both. The key is the SHA-256 of the corpus bytes (each record's text, NUL-separated) and of the
tokenizer's own definition, so a changed record or tokenizer builds a new entry. An entry whose files no
longer match their recorded hash is reported in one line and rebuilt. Entries are written to a temporary
directory and renamed into place, so a crash never leaves a half-written entry behind.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from codex_ml.utils.cache_dir import cache_root

CHUNK_RECORDS = 4096
FORMAT = 1


@dataclass
class TokenizedCorpus:
    tokens: np.ndarray  # uint32, memory-mapped when it came from the cache
    offsets: np.ndarray  # int64, len = documents + 1
    key: str | None = None
    cache_hit: bool = False
    rebuilt_corrupt: bool = False
    seconds: float = 0.0

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def document(self, index: int) -> np.ndarray:
        return self.tokens[self.offsets[index]:self.offsets[index + 1]]

    def documents(self, indices: Sequence[int]) -> list[np.ndarray]:
        return [self.document(i) for i in indices]

    def describe(self) -> dict[str, Any]:
        return {"key": self.key, "cache_hit": self.cache_hit, "rebuilt_corrupt": self.rebuilt_corrupt,
                "documents": len(self), "tokens": len(self.tokens), "seconds": round(self.seconds, 3)}


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """The tokenizer's definition: a transformers fast tokenizer's JSON, else its vocabulary, else its type and
    what it makes of a fixed probe text (tokenizers that expose nothing else)."""
    hf = getattr(tokenizer, "hf", tokenizer)
    backend = getattr(hf, "backend_tokenizer", None)
    parts = [type(tokenizer).__qualname__, type(hf).__qualname__]
    if backend is not None and hasattr(backend, "to_str"):
        parts.append(backend.to_str())
    elif callable(getattr(hf, "get_vocab", None)):
        parts.append(json.dumps(sorted(hf.get_vocab().items())))
    probe = "The quick brown fox.\n\tJumps over 12 lazy dogs: ÄÖÜ ß 你好 <|endoftext|>"
    parts.append(json.dumps(list(map(int, tokenizer.encode(probe)))))
    parts.append(repr(getattr(tokenizer, "eos_token_id", None)))
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def corpus_digest(texts: Sequence[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def tokenize(texts: Sequence[str], tokenizer: Any, *, show_progress: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """All documents as one uint32 array plus offsets, encoded in chunks (never one Python list per corpus);
    ``show_progress`` draws a bar by documents on a terminal."""
    from codex_ml.utils.progress import bar

    shown = bar(total=len(texts), desc="tokenise", quiet=not show_progress, unit="doc")
    batch = getattr(tokenizer, "encode_batch", None)
    lengths = np.zeros(len(texts), dtype=np.int64)
    chunks = []
    for start in range(0, len(texts), CHUNK_RECORDS):
        part = list(texts[start:start + CHUNK_RECORDS])
        encoded = batch(part) if callable(batch) else [tokenizer.encode(t) for t in part]
        lengths[start:start + len(part)] = [len(ids) for ids in encoded]
        count = int(lengths[start:start + len(part)].sum())
        chunks.append(np.fromiter(itertools.chain.from_iterable(encoded), dtype=np.uint32, count=count))
        shown.update(len(part))
    shown.close()
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return (np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.uint32)), offsets


def cache_dir() -> Path:
    return cache_root() / "tokens"


def load_or_build(texts: Sequence[str], tokenizer: Any, *, use_cache: bool = True,
                  root: Path | None = None, show_progress: bool = False) -> TokenizedCorpus:
    """The corpus's tokens from the cache, else tokenised now (and stored when ``use_cache``)."""
    began = time.perf_counter()
    if not use_cache:
        tokens, offsets = tokenize(texts, tokenizer, show_progress=show_progress)
        return TokenizedCorpus(tokens, offsets, seconds=time.perf_counter() - began)
    key = hashlib.sha256(f"{FORMAT}:{corpus_digest(texts)}:{tokenizer_fingerprint(tokenizer)}".encode()).hexdigest()
    entry = (root or cache_dir()) / key
    rebuilt = False
    if (entry / "meta.json").is_file():
        loaded = _load(entry)
        if loaded is not None:
            return TokenizedCorpus(*loaded, key=key, cache_hit=True, seconds=time.perf_counter() - began)
        print(f"codex-ml: token cache {entry} is corrupt (its files do not match the hash in meta.json); rebuilding it",
              file=sys.stderr)
        rebuilt = True
    tokens, offsets = tokenize(texts, tokenizer, show_progress=show_progress)
    _store(entry, tokens, offsets)
    return TokenizedCorpus(tokens, offsets, key=key, rebuilt_corrupt=rebuilt, seconds=time.perf_counter() - began)


def _load(entry: Path) -> tuple[np.ndarray, np.ndarray] | None:
    try:
        meta = json.loads((entry / "meta.json").read_text())
        for name in ("tokens.npy", "offsets.npy"):
            if _file_sha256(entry / name) != meta["sha256"][name]:
                return None
        tokens = np.load(entry / "tokens.npy", mmap_mode="r")
        offsets = np.load(entry / "offsets.npy")
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None
    if offsets.ndim != 1 or len(offsets) == 0 or int(offsets[-1]) != len(tokens):
        return None
    return tokens, offsets


def _store(entry: Path, tokens: np.ndarray, offsets: np.ndarray) -> None:
    """Write into a sibling temporary directory, then rename it into place (replacing a corrupt entry)."""
    entry.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{entry.name}.", dir=entry.parent))
    try:
        np.save(staging / "tokens.npy", tokens)
        np.save(staging / "offsets.npy", offsets)
        meta = {"format": FORMAT, "documents": len(offsets) - 1, "tokens": len(tokens),
                "sha256": {name: _file_sha256(staging / name) for name in ("tokens.npy", "offsets.npy")}}
        (staging / "meta.json").write_text(json.dumps(meta, indent=2) + "\n")
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)
        try:
            os.replace(staging, entry)
        except OSError:  # another process stored the same entry first: theirs is as good as ours
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
