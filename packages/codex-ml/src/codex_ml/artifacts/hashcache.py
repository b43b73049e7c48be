"""SHA-256 of files, remembered by (path, size, mtime_ns, ctime_ns, inode) so re-checking multi-GB weights
at load time is instant.

Size and mtime alone can be forged: a same-size edit followed by ``touch -d`` (or ``os.utime``) restores
both. The change time cannot be set from user space and moves on every write or ``utime``, and
replacing the file changes the inode, so an entry matching all four keys is the file that was hashed.
``catalogue verify`` does not trust the cache at all unless asked (``--fast``).

The cache is one JSON file, ``$CODEX_ML_CACHE_DIR/hashes.json`` (default ``~/.cache/codex-ml``), written
atomically and merged with what other processes wrote meanwhile. A digest is only remembered when the
file did not change while it was read and its mtime is not so recent that a same-size rewrite within
the file system's timestamp resolution could go unnoticed. An unreadable or unwritable cache only
costs speed, never correctness.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from codex_ml.io import atomic_write_json
from codex_ml.utils.cache_dir import CACHE_DIR_VAR, cache_root

CACHE_FILE = "hashes.json"
#: Files modified less than this many seconds ago are hashed but not remembered.
RACY_SECONDS = 2.0
_CHUNK = 1 << 20


def cache_dir() -> Path:
    """The folder holding ``hashes.json`` (see :func:`codex_ml.utils.cache_dir.cache_root`)."""
    return cache_root()


def _key(path: Path) -> str:
    return str(Path(path).resolve())


def identity(stat: os.stat_result) -> dict[str, int]:
    """What must be unchanged for a remembered digest to stand: size, mtime_ns, ctime_ns and inode."""
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "ctime_ns": stat.st_ctime_ns, "inode": stat.st_ino}


class HashCache:
    """Digests keyed by resolved path, valid while size, mtime_ns, ctime_ns and the inode are unchanged."""

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else cache_dir() / CACHE_FILE
        self._entries: dict[str, dict] | None = None
        self._dirty: dict[str, dict] = {}
        self.hits = 0
        self.misses = 0

    def _read(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        entries = data.get("files") if isinstance(data, dict) else None
        return entries if isinstance(entries, dict) else {}

    @property
    def entries(self) -> dict[str, dict]:
        if self._entries is None:
            self._entries = self._read()
        return self._entries

    def lookup(self, path: Path, stat: os.stat_result) -> str | None:
        entry = self.entries.get(_key(path))
        if not isinstance(entry, dict) or not isinstance(entry.get("sha256"), str):
            return None
        if any(entry.get(key) != value for key, value in identity(stat).items()):
            return None  # entries from older versions lack ctime_ns and inode: never trusted
        return entry["sha256"]

    def store(self, path: Path, stat: os.stat_result, digest: str) -> None:
        entry = {**identity(stat), "sha256": digest}
        self.entries[_key(path)] = entry
        self._dirty[_key(path)] = entry

    def save(self) -> bool:
        """Merge new digests into the file on disk; False (and no error) when it cannot be written."""
        if not self._dirty:
            return True
        merged = {**self._read(), **self._dirty}
        try:
            atomic_write_json(self.path, {"schema_version": 2, "files": merged})
        except OSError:
            return False
        self._dirty.clear()
        return True


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sha256_file(path: str | os.PathLike[str], cache: HashCache | None = None, *, trust_cache: bool = True) -> str:
    """The file's SHA-256 hex digest, from ``cache`` when its identity (:func:`identity`) still matches.

    ``trust_cache=False`` always reads the file (and still refreshes the cache)."""
    path = Path(path)
    before = path.stat()
    if cache is not None and trust_cache:
        known = cache.lookup(path, before)
        if known is not None:
            cache.hits += 1
            return known
        cache.misses += 1
    digest = _digest(path)
    if cache is not None:
        after = path.stat()
        unchanged = identity(before) == identity(after)
        if unchanged and time.time() - after.st_mtime >= RACY_SECONDS:
            cache.store(path, after, digest)
    return digest


def cached_sha256(path: str | os.PathLike[str], cache: HashCache) -> str | None:
    """The cached digest if the file's identity still matches, without reading the file; else None."""
    path = Path(path)
    return cache.lookup(path, path.stat())


__all__ = ["CACHE_DIR_VAR", "HashCache", "cache_dir", "cached_sha256", "identity", "sha256_file"]
