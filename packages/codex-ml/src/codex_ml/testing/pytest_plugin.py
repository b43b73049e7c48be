"""The pytest plugin (entry point ``pytest11``): fixtures for testing codex-ml plugins."""
from __future__ import annotations

from typing import Callable, Iterator

import pytest

from codex_ml.plugins.manager import PluginHost, PluginRecord
from codex_ml.testing.host import isolated_host, register_plugin


@pytest.fixture
def codex_plugin_host() -> Iterator[PluginHost]:
    """A plugin host with discovery blocked, used by the registries for this test."""
    with isolated_host() as host:
        yield host


@pytest.fixture
def register_codex_plugin(codex_plugin_host: PluginHost) -> Callable[..., PluginRecord]:
    """``register_codex_plugin(plugin, distribution="...")`` loads an in-memory plugin into the isolated host."""

    def register(plugin: object, **kwargs: str) -> PluginRecord:
        return register_plugin(codex_plugin_host, plugin, **kwargs)

    return register
