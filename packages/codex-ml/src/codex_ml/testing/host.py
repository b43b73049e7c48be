"""Plugin hosts for tests: discovery blocked, plugins registered by hand."""
from __future__ import annotations

import contextlib
import importlib.util
import itertools
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

from codex_ml.plugins import manager
from codex_ml.plugins.manager import PluginHost, PluginRecord

_counter = itertools.count()


@contextlib.contextmanager
def isolated_host() -> Iterator[PluginHost]:
    """A host that never reads entry points, installed for the registries while the block runs."""
    previous = manager._HOST
    host = PluginHost()
    manager.reset_host(host)
    try:
        yield host
    finally:
        manager.reset_host(previous)


class _InMemoryEntryPoint:
    """Quacks like ``importlib.metadata.EntryPoint`` for an object that is already loaded."""

    def __init__(self, name: str, plugin: object) -> None:
        self.name, self.value, self.group, self.dist = name, f"<in-memory {name}>", "codex_ml", None
        self._plugin = plugin

    def load(self) -> object:
        return self._plugin


def register_plugin(host: PluginHost, plugin: object, *, distribution: str = "test-plugin", version: str = "0.0.0",
                    name: str | None = None) -> PluginRecord:
    """Load ``plugin`` (a module, class or object with ``@hookimpl`` functions) as if it were installed.

    Failures are recorded exactly as for installed plugins: check ``record.status`` and ``record.error``.
    """
    name = name or getattr(plugin, "__name__", None) or f"plugin-{next(_counter)}"
    record = PluginRecord(name, distribution, version, f"<in-memory {name}>")
    host.plugins.append(record)
    host._load_one(_InMemoryEntryPoint(name, plugin), record)
    return record


def temporary_plugin(host: PluginHost, source: str, directory: Path, *, distribution: str = "test-plugin") -> PluginRecord:
    """Write ``source`` as a plugin module in ``directory``, import it and register it."""
    module_name = f"codex_ml_temporary_plugin_{next(_counter)}"
    path = Path(directory) / f"{module_name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(module_name, path)
    module: ModuleType = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)  # type: ignore[union-attr]
    except Exception as exc:  # noqa: BLE001 - a broken temporary plugin is recorded like any other
        del sys.modules[module_name]
        record = PluginRecord(module_name, distribution, "0.0.0", str(path), status="failed", error=f"{type(exc).__name__}: {exc}")
        host.plugins.append(record)
        return record
    return register_plugin(host, module, distribution=distribution, name=module_name)
