"""An exclusive lock on a run directory, so two runs never write into the same one.

The lock is ``fcntl.flock`` on ``<run>/.codex-ml.lock`` (the kernel drops it when the process dies, even
by kill -9, so a crash never leaves a stale lock). The holder writes its pid, host and start time into
the file; a second run reads them and names the holder in its error. Taking the lock again from the
same process (the pipeline, then the trainer it calls) is a no-op.
"""
from __future__ import annotations

import json
import os
import socket
import time
from datetime import datetime, timezone
from pathlib import Path

from codex_ml.errors import RunLockedError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; run directories are not locked there
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".codex-ml.lock"

_HELD: dict[Path, RunLock] = {}



#: The holder writes its details just after taking the lock; a loser waits this long for them to appear.
HOLDER_WAIT_SECONDS = 2.0


def _holder(path: Path) -> str:
    deadline = time.monotonic() + HOLDER_WAIT_SECONDS
    while True:
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            return f"pid {info['pid']} on {info['host']}, started {info['started_at']}"
        except (OSError, ValueError, KeyError, TypeError):
            if time.monotonic() >= deadline:
                return "another process (holder unknown)"
            time.sleep(0.05)


class RunLock:
    """``RunLock.acquire(directory)`` or raise :class:`RunLockedError`; ``release()`` when done."""

    def __init__(self, directory: Path, handle) -> None:
        self.directory = directory
        self._handle = handle
        self._depth = 1

    @classmethod
    def acquire(cls, directory: str | os.PathLike[str]) -> RunLock:
        directory = Path(directory).resolve()
        held = _HELD.get(directory)
        if held is not None:
            held._depth += 1
            return held
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / LOCK_NAME
        handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held open as long as the lock
        try:
            _lock(handle)
        except BlockingIOError:
            handle.close()
            raise RunLockedError(
                f"{directory} is in use by {_holder(path)}: wait for that run to finish, or choose another "
                "output_dir") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                                 "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}))
        handle.flush()
        lock = cls(directory, handle)
        _HELD[directory] = lock
        return lock

    def release(self) -> None:
        self._depth -= 1
        if self._depth > 0 or self._handle is None:
            return
        _HELD.pop(self.directory, None)
        _unlock(self._handle)
        self._handle.close()
        self._handle = None

    def __enter__(self) -> RunLock:  # noqa: PYI034 - py310 has no typing.Self
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _lock(handle) -> None:
    if fcntl is None:
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _unlock(handle) -> None:
    if fcntl is None:
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


__all__ = ["LOCK_NAME", "RunLock", "RunLockedError"]
