"""Keep relative paths inside the root they are resolved against.

A name or relative path from a spec or a config is joined to a root (a kind directory, the project
layout, a run directory). After ``..`` and symbolic links are resolved the result must still lie under
the resolved root; otherwise a config could read or overwrite anything on the machine. Paths the user
names directly (an absolute argument, a ``CODEX_ML_*_PATH`` variable) are not constrained.
"""
from __future__ import annotations

import os
from pathlib import Path, PurePosixPath, PureWindowsPath

from codex_ml.errors import PathEscapeError


def check_relative(relative: str | os.PathLike[str], *, what: str = "path") -> None:
    """Refuse an absolute path or one with ``..`` components, without touching the file system."""
    text = os.fspath(relative)
    parts = PurePosixPath(text.replace("\\", "/")).parts
    if PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute() or PureWindowsPath(text).drive:
        raise PathEscapeError(f"{what} {text!r} must be relative")
    if ".." in parts:
        raise PathEscapeError(f"{what} {text!r} must not contain '..'")


def escape_problem(root: str | os.PathLike[str], candidate: str | os.PathLike[str]) -> str | None:
    """Why ``candidate`` is outside ``root`` once both are resolved, or None when it is inside."""
    base = Path(root).expanduser().resolve()
    target = Path(candidate).expanduser().resolve()
    if target == base or target.is_relative_to(base):
        return None
    via = "a symbolic link" if _has_symlink(Path(root).expanduser(), Path(candidate).expanduser()) else "'..'"
    return f"{candidate} resolves to {target}, outside {base} (through {via})"


def _has_symlink(root: Path, candidate: Path) -> bool:
    try:
        relative = candidate.relative_to(root)
    except ValueError:
        return False
    current = root
    for part in relative.parts:
        current = current / part
        if current.is_symlink():
            return True
    return False


def contained(root: str | os.PathLike[str], relative: str | os.PathLike[str], *, what: str = "path") -> Path:
    """``root / relative``, refused with :class:`PathEscapeError` if it resolves outside ``root``.

    The returned path keeps the caller's spelling (``root / relative``), not the resolved form.
    """
    if Path(relative).is_absolute():
        raise PathEscapeError(f"{what} {os.fspath(relative)!r} must be relative to {root}")
    candidate = Path(root).expanduser() / relative
    problem = escape_problem(root, candidate)
    if problem:
        raise PathEscapeError(f"{what} escapes its root: {problem}")
    return candidate


__all__ = ["check_relative", "contained", "escape_problem"]
