"""``manifest.json``: each file of an artefact directory with its size and SHA-256, so an air-gapped
host can check that what it received is exactly what was fetched or synthesised."""
from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from codex_ml.io import atomic_write_json

MANIFEST = "manifest.json"


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def describe_files(directory: Path) -> dict[str, dict[str, Any]]:
    files = {}
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        rel = path.relative_to(directory).as_posix()
        if rel == MANIFEST or rel.startswith(".cache/") or "/." in f"/{rel}":
            continue
        files[rel] = {"size": path.stat().st_size, "sha256": sha256_file(path)}
    return files


def write_manifest(directory: Path, meta: Mapping[str, Any]) -> Path:
    """Describe every file now in ``directory`` (hidden files and the hub's ``.cache`` excluded)."""
    return atomic_write_json(Path(directory) / MANIFEST, {**meta, "files": describe_files(Path(directory))})
