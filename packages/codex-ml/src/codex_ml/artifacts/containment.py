"""What an artefact folder may point at: only files inside itself.

A verified folder is only worth something if loading it reads nothing else. Two things can reach out:
a symbolic link (a weight file, or a folder on its path, linking elsewhere) and a shard index
(``model.safetensors.index.json``, ``pytorch_model.bin.index.json``) whose ``weight_map`` names
``../other/shard.safetensors`` or an absolute path. Both are resolved here and must stay inside.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from codex_ml.artifacts.paths import check_relative, escape_problem
from codex_ml.errors import PathEscapeError

INDEX_SUFFIX = ".index.json"


def escape_of(directory: Path, relative: str) -> str | None:
    """Why ``directory/relative`` resolves (through ``..`` or a symlink) outside ``directory``, else None."""
    try:
        check_relative(relative, what="path")
    except PathEscapeError as exc:
        return str(exc)
    return escape_problem(directory, directory / relative)


def shard_indexes(directory: Path) -> list[Path]:
    return sorted(p for p in directory.glob(f"*{INDEX_SUFFIX}") if p.is_file())


def index_problems(directory: str | os.PathLike[str]) -> list[str]:
    """One line per shard-index entry that is unreadable or points outside ``directory``."""
    base = Path(directory)
    problems = []
    for index in shard_indexes(base):
        try:
            weight_map = json.loads(index.read_text(encoding="utf-8")).get("weight_map")
        except (OSError, ValueError, AttributeError) as exc:
            problems.append(f"shard index {index.name}: unreadable ({exc})")
            continue
        if not isinstance(weight_map, dict):
            problems.append(f"shard index {index.name}: no 'weight_map' object")
            continue
        for shard in sorted({str(v) for v in weight_map.values()}):
            why = escape_of(base, shard)
            if why:
                problems.append(f"shard index {index.name}: shard {shard!r} is outside the artefact folder ({why})")
    return problems


def check_contained(directory: str | os.PathLike[str], files: list[str]) -> None:
    """Raise :class:`PathEscapeError` naming every file or shard that resolves outside ``directory``."""
    base = Path(directory)
    problems = [f"{rel}: {why}" for rel in files if (why := escape_of(base, rel))] + index_problems(base)
    if problems:
        raise PathEscapeError(f"{base}: refusing to load files from outside the artefact folder: " + "; ".join(problems))


__all__ = ["INDEX_SUFFIX", "check_contained", "escape_of", "index_problems", "shard_indexes"]
