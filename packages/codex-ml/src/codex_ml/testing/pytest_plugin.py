"""The pytest plugin (entry point ``pytest11``): fixtures for testing codex-ml plugins."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from codex_ml.plugins.manager import PluginHost

# Imports happen inside the fixtures: this module is loaded by every pytest run in an environment
# with codex-ml installed, and must not slow those runs down.


@pytest.fixture
def codex_plugin_host() -> Iterator[PluginHost]:
    """A plugin host with discovery blocked, used by the registries for this test."""
    from codex_ml.testing.host import isolated_host

    with isolated_host() as host:
        yield host


@pytest.fixture
def register_codex_plugin(codex_plugin_host: PluginHost) -> Callable[..., Any]:
    """``register_codex_plugin(plugin, distribution="...")`` loads an in-memory plugin into the isolated host."""
    from codex_ml.testing.host import register_plugin

    def register(plugin: object, **kwargs: str) -> Any:
        return register_plugin(codex_plugin_host, plugin, **kwargs)

    return register
