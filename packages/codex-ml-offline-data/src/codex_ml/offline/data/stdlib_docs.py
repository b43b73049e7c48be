"""``offline:stdlib-docs``: a prose corpus built at run time from the docstrings of the installed Python
standard library, so every machine has the same few megabytes of real English text without a download.

Only the source files are parsed (``ast``), never imported, so building the corpus runs no library code.
"""
from __future__ import annotations

import ast
import inspect
import os
import sysconfig
from collections.abc import Iterator
from pathlib import Path

from codex_ml.errors import ArtifactNotFoundError
from codex_ml.offline.data.lines import LineDataset

#: Folders skipped: tests and vendored code are repetitive or not prose.
_SKIP_PARTS = {"test", "tests", "idlelib", "site-packages", "dist-packages", "lib2to3", "__pycache__", "turtledemo"}


def stdlib_dir() -> Path:
    return Path(sysconfig.get_paths()["stdlib"])


def _source_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*.py")):
        if not _SKIP_PARTS.intersection(path.relative_to(root).parts):
            yield path


def _docstrings(path: Path) -> Iterator[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError, OSError):
        return
    nodes = [tree] + [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    for node in nodes:
        doc = ast.get_docstring(node, clean=False)
        if doc:
            yield inspect.cleandoc(doc)


def stdlib_docstrings(*, max_chars: int = 2_000_000, min_chars: int = 40, root: Path | None = None) -> list[str]:
    """Docstrings of at least ``min_chars`` characters, in sorted file order, until ``max_chars`` in total.

    The order is fixed for a given Python version, so the corpus is the same on every run.
    """
    records: list[str] = []
    total = 0
    for path in _source_files(root or stdlib_dir()):
        for doc in _docstrings(path):
            if len(doc) < min_chars:
                continue
            records.append(doc)
            total += len(doc)
            if total >= max_chars:
                return records
    return records


def load_stdlib_docs(path: str | os.PathLike[str] | None = None, *, max_chars: int = 2_000_000, min_chars: int = 40,
                     shuffle: bool = False, seed: int = 7) -> LineDataset:
    """Factory registered as ``offline:stdlib-docs``: one record per docstring (records span lines).
    ``path``: another folder of Python sources to read instead of the standard library."""
    root = Path(path).expanduser() if path is not None else stdlib_dir()
    if not root.is_dir():
        raise ArtifactNotFoundError(f"offline:stdlib-docs: {root} is not a directory of Python sources")
    return LineDataset(stdlib_docstrings(max_chars=max_chars, min_chars=min_chars, root=root), source=root,
                       shuffle=shuffle, seed=seed)
