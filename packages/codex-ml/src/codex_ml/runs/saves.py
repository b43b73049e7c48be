"""Directories that are either complete or absent: write to a temporary sibling, then rename.

``atomic_directory(target)`` yields a hidden sibling ``.<name>.partial-<pid>-<random>``; the caller
writes every file into it, the manifest (when asked for) is written last, the files are fsynced, and the
folder is renamed onto ``target``. A previous ``target`` is first moved to ``.<name>.old-...`` and
removed only after the rename, so a crash leaves either the old or the new folder under ``target``'s
name (or, for the instant between the two renames, no folder and the old one aside), never a torn one.

:func:`remove_partial_saves` deletes the leftovers of interrupted saves in one folder: only names
this module creates, only directly inside that folder (so only the run directory that owns them).
:func:`write_manifest_last` is the ``finish`` step both the trainer and the RL loop pass.

Fault points: ``CODEX_ML_FAULT_AT=<point>[:<n>]`` kills the process with SIGKILL the n-th time (default 1)
``fault_point(<point>)`` is reached. Tests use it to prove that each save phase survives kill -9; the
points are ``save:before-rename`` (temporary folder half written), ``save:during-rename`` (old folder
moved aside, new one not yet in place) and ``save:after-rename``.
"""
from __future__ import annotations

import os
import re
import secrets
import shutil
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from codex_ml import settings
from codex_ml.artifacts.manifest import MANIFEST_NAME, build_manifest
from codex_ml.io import atomic_write_json

_PARTIAL = re.compile(r"^\..+\.(partial|old)-\d+-[0-9a-f]{8}$")
_counts: dict[str, int] = {}


def fault_point(name: str) -> None:
    """Kill this process (SIGKILL: no cleanup, like a power cut) when ``$CODEX_ML_FAULT_AT`` names ``name``."""
    wanted = settings.raw(settings.FAULT_AT)
    if not wanted:
        return
    point, _, nth = wanted.rpartition(":")
    if not nth.isdigit():
        point, nth = wanted, "1"
    if point != name:
        return
    _counts[name] = _counts.get(name, 0) + 1
    if _counts[name] == int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def _sibling(target: Path, kind: str) -> Path:
    return target.with_name(f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}")


def _fsync_tree(path: Path) -> None:
    for file in sorted(path.rglob("*")):
        if file.is_file():
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())
    _fsync_dir(path)


@contextmanager
def atomic_directory(target: str | os.PathLike[str], *, finish: Callable[[Path], None] | None = None) -> Iterator[Path]:
    """Yield a temporary sibling of ``target`` to fill; on success ``finish(tmp)`` runs last (write the
    manifest there), then the folder replaces ``target``. On an exception the temporary folder is removed."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = _sibling(target, "partial")
    tmp.mkdir()
    try:
        yield tmp
        fault_point("save:before-rename")
        if finish is not None:
            finish(tmp)
        _fsync_tree(tmp)
        old = None
        if target.exists():
            old = _sibling(target, "old")
            os.replace(target, old)
        fault_point("save:during-rename")
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    fault_point("save:after-rename")


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_manifest_last(directory: Path, name: str, source: str) -> None:
    """The ``finish`` step of an atomic save: hash what was written and write ``manifest.json``.

    The hashes are not added to the user's hash cache: they are of a temporary folder about to be renamed."""
    manifest = build_manifest(directory, name=name, source=source)
    atomic_write_json(directory / MANIFEST_NAME, manifest.to_json())


def remove_partial_saves(directory: str | os.PathLike[str]) -> list[Path]:
    """Delete leftovers of interrupted :func:`atomic_directory` saves directly inside ``directory``.

    Call it only while holding the run directory's lock (no save of this run is in progress then)."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    removed = [p for p in directory.iterdir() if _PARTIAL.match(p.name) and p.is_dir() and not p.is_symlink()]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def prune_own_checkpoints(written: list[Path], newest: Path, keep: int) -> None:
    """Record ``newest`` in ``written`` (the checkpoints this run wrote, oldest first) and delete the ones
    beyond the newest ``keep``: a run only ever deletes what it wrote itself, never another run's."""
    written[:] = [p for p in written if p != newest] + [newest]
    for old in written[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    del written[:-keep]


__all__ = ["atomic_directory", "fault_point", "prune_own_checkpoints", "remove_partial_saves", "write_manifest_last"]
