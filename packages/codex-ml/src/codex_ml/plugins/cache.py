"""A cache of discovery results for listing commands, so `codex-ml plugins list` imports no plugin.

The key covers the interpreter, the distribution metadata folders (``*.dist-info``, ``*.egg-info``)
and ``.pth`` files found in every ``sys.path`` entry (installing, upgrading or removing a distribution
changes them) and the disable list. Each entry also records the
mtime of every source file imported while the plugins loaded, so editing a plugin in an editable
install invalidates it. ``CODEX_ML_PLUGIN_CACHE=0`` turns it off.

The cache lives in the user cache folder (``utils/cache_dir.py``), one file per environment, wherever the
environment itself lives (a virtual environment under ``/tmp`` included); the oldest files beyond
:data:`MAX_ENTRIES` are removed when a new one is written, so throw-away environments cannot flood it. An
unwritable cache folder is silently skipped (the cache is only ever an optimisation). Runs (train,
evaluate) always discover afresh.

Start-up cost matters here (the listing is measured against the bare import of click, pluggy and
importlib.metadata), so the key is a CRC of the environment's description instead of a cryptographic
hash (importing hashlib loads OpenSSL), and the full description is stored in the file and compared, so
two environments whose CRCs collide simply miss the cache.
"""
from __future__ import annotations

import json
import os
import sys
import zlib
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codex_ml import settings
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.plugins.manager import STRICT_VAR, PluginHost, PluginRecord, disabled_set, raise_if_failed
from codex_ml.plugins.spec import ComponentSpec
from codex_ml.utils.cache_dir import cache_root

CACHE_VAR = settings.PLUGIN_CACHE
FORMAT = 2
#: Cache files kept (one per environment and disable list); older ones are removed on write.
MAX_ENTRIES = 64


def enabled() -> bool:
    return not settings.is_false(settings.raw(CACHE_VAR))


def cache_dir() -> Path:
    return cache_root() / "plugins"


def _mtime(path: str) -> int | None:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None


_INSTALL_MARKERS = (".dist-info", ".egg-info", ".pth")


def _installed(entry: str) -> list[str] | int | None:
    """What is installed in one ``sys.path`` entry: its metadata folder names (or a zip's mtime)."""
    try:
        with os.scandir(entry or ".") as found:
            return sorted(e.name for e in found if e.name.endswith(_INSTALL_MARKERS))
    except NotADirectoryError:
        return _mtime(entry)
    except OSError:
        return None


class EnvironmentKey(str):
    """The cache file's name (a CRC) carrying the full description it was computed from."""

    description: str


def environment_key(disabled: Iterable[str]) -> EnvironmentKey:
    state = {
        "format": FORMAT,
        "executable": sys.executable,
        "prefix": sys.prefix,
        "version": sys.version,
        "path": [(entry, _installed(entry)) for entry in sys.path],
        "disabled": sorted(disabled),
        "core": _mtime(__file__),
    }
    description = json.dumps(state, sort_keys=True)
    encoded = description.encode()
    key = EnvironmentKey(f"{zlib.crc32(encoded):08x}{zlib.adler32(encoded):08x}")
    key.description = description
    return key


_RECORD_FIELDS = ("name", "distribution", "version", "value", "status", "error", "location")


def record_to_dict(record: PluginRecord) -> dict[str, Any]:
    return {**{k: getattr(record, k) for k in _RECORD_FIELDS}, "components": [spec_to_dict(s) for s in record.components]}


def records(document: dict[str, Any]) -> list[PluginRecord]:
    """The plugin records of a cached document."""
    return [PluginRecord(**{**data, "components": [spec_from_dict(c) for c in data["components"]]})
            for data in document["plugins"]]


def spec_to_dict(spec: ComponentSpec) -> dict[str, Any]:
    data = asdict(spec)
    data["requires"] = list(spec.requires)
    return data


def spec_from_dict(data: dict[str, Any]) -> ComponentSpec:
    artifact = data.get("artifact")
    if artifact:
        artifact = ArtifactSpec(**{**artifact, "required": tuple(artifact.get("required", ()))})
    return ComponentSpec(**{**data, "requires": tuple(data.get("requires", ())), "artifact": artifact})


def load(key: str) -> dict[str, Any] | None:
    """The cached document for ``key``, or None when absent, unreadable or stale."""
    if not enabled():
        return None
    try:
        document = json.loads((cache_dir() / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if document.get("format") != FORMAT:
        return None
    if getattr(key, "description", None) is not None and document.get("environment") != key.description:
        return None
    if any(_mtime(path) != mtime for path, mtime in document.get("watched", {}).items()):
        return None
    return document


def store(key: str, plugins: list[PluginRecord], watched: Iterable[str]) -> None:
    """Write the document for ``key`` (any environment, wherever it lives), then prune old entries."""
    if not enabled():
        return
    document = {"format": FORMAT, "environment": getattr(key, "description", None),
                "plugins": [record_to_dict(r) for r in plugins],
                "watched": {path: _mtime(path) for path in sorted(set(watched))}}
    try:
        from codex_ml.io import atomic_write_text

        # Compact on purpose: json's C encoder is used only without indent; with 200 plugins the indented
        # form cost a cold listing about 60 ms. Nobody reads this file by hand.
        atomic_write_text(cache_dir() / f"{key}.json", json.dumps(document, separators=(",", ":"), default=str))
        prune(MAX_ENTRIES)
    except OSError:
        pass


def prune(keep: int) -> None:
    """Remove all but the ``keep`` most recently written cache files."""
    entries = sorted(cache_dir().glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for stale in entries[keep:]:
        try:
            stale.unlink()
        except OSError:
            pass


def get_listing_host(refresh: bool = False) -> PluginHost:
    """Discovery results for listing commands, from the cache when the environment is unchanged.

    Runs use :func:`get_host`, which always imports the plugins.
    """
    disabled = disabled_set()
    key = environment_key(disabled)
    document = None if refresh else load(key)
    if document is None:
        host = PluginHost()
        host.load_entry_points(disabled=disabled)
        store(key, host.plugins, host.watched_files)
        return host
    host = PluginHost()
    strict = settings.flag(STRICT_VAR)
    for record in records(document):
        host.add_record(record)
        if strict:
            raise_if_failed(record)
    return host
