"""A cache of discovery results for listing commands, so `codex-ml plugins list` imports no plugin.

The key covers the interpreter, the distribution metadata folders (``*.dist-info``, ``*.egg-info``)
and ``.pth`` files found in every ``sys.path`` entry (installing, upgrading or removing a distribution
changes them) and the disable list. Each entry also records the
mtime of every source file imported while the plugins loaded, so editing a plugin in an editable
install invalidates it. ``CODEX_ML_PLUGIN_CACHE=0`` turns it off; nothing is written for interpreters
living in the temporary directory unless ``CODEX_ML_CACHE_DIR`` names the cache folder, and an unwritable cache folder is silently skipped (the cache is
only ever an optimisation). Runs (train, evaluate) always discover afresh.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from codex_ml import settings
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.plugins.manager import STRICT_VAR, PluginHost, PluginRecord, disabled_set, raise_if_failed
from codex_ml.plugins.spec import ComponentSpec
from codex_ml.utils.cache_dir import CACHE_DIR_VAR, cache_root

CACHE_VAR = settings.PLUGIN_CACHE
FORMAT = 1


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


def environment_key(disabled: Iterable[str]) -> str:
    state = {
        "format": FORMAT,
        "executable": sys.executable,
        "version": sys.version,
        "path": [(entry, _installed(entry)) for entry in sys.path],
        "disabled": sorted(disabled),
        "core": _mtime(__file__),
    }
    return hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:32]


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
    if any(_mtime(path) != mtime for path, mtime in document.get("watched", {}).items()):
        return None
    return document


def store(key: str, plugins: list[PluginRecord], watched: Iterable[str]) -> None:
    if not enabled():
        return
    throwaway = Path(sys.prefix).resolve().is_relative_to(Path(tempfile.gettempdir()).resolve())
    if throwaway and settings.directory(CACHE_DIR_VAR) is None:
        return
    document = {"format": FORMAT, "plugins": [record_to_dict(r) for r in plugins], "watched": {path: _mtime(path) for path in sorted(set(watched))}}
    try:
        from codex_ml.io import atomic_write_json

        atomic_write_json(cache_dir() / f"{key}.json", document)
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
