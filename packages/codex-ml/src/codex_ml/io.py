"""Atomic writes: a temporary file in the target's directory, fsync, then rename over the target.

A crash mid-write leaves either the old file or the new one, never a torn file. The result gets the
permissions a plain ``open(path, "w")`` would give (the old file's mode, else 0o666 less the umask), not
the owner-only mode of the temporary file, so artefacts and manifests stay readable by other users.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any


def _mode_for(target: Path) -> int:
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        if hasattr(os, "fchmod"):
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


def atomic_write_text(path: str | os.PathLike[str], text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


NON_FINITE_FLAG = "non_finite"


def _finite_only(value: Any, where: str, found: list[str]) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        found.append(f"{where}={value!r}")
        return None
    if isinstance(value, dict):
        return {key: _finite_only(item, f"{where}.{key}" if where else str(key), found) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite_only(item, f"{where}[{i}]", found) for i, item in enumerate(value)]
    return value


def strict_json_value(data: Any) -> tuple[Any, list[str]]:
    """``data`` with every NaN/Infinity replaced by null, and where each was (``loss=nan``).

    Python's json writes bare ``NaN``, which strict parsers (JavaScript, jq, Go, Rust) reject.
    """
    found: list[str] = []
    return _finite_only(data, "", found), found


def strict_json_dumps(data: Any, **kwargs: Any) -> str:
    """JSON that every parser accepts: non-finite numbers become null and, for an object, its
    ``non_finite`` key lists them (``["loss=nan"]``) so the null is never mistaken for "not measured"."""
    clean, found = strict_json_value(data)
    if found and isinstance(clean, dict):
        clean = {**clean, NON_FINITE_FLAG: sorted(set(found) | set(clean.get(NON_FINITE_FLAG) or []))}
    return json.dumps(clean, allow_nan=False, default=str, **kwargs)


def atomic_write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Strict JSON (see :func:`strict_json_dumps`), written atomically."""
    return atomic_write_text(path, strict_json_dumps(data, indent=2, sort_keys=True) + "\n")
