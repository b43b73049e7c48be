"""The pytest plugin (entry point ``pytest11``): fixtures for testing codex-ml plugins."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from codex_ml.plugins.manager import PluginHost

# Imports happen inside the fixtures: this module is loaded by every pytest run in an environment
# with codex-ml installed, and must not slow those runs down.


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("codex_ml_plugin_under_test",
                  "codex-ml plugin distribution whose plugins alone are loaded for the session (default: this "
                  "project's [project] name when it is an installed codex-ml plugin; '*' for all)", default="")
    parser.getgroup("codex-ml").addoption(
        "--codex-ml-all-plugins", action="store_true",
        help="Load every installed codex-ml plugin, not only the distribution under test.")


@pytest.fixture(scope="session", autouse=True)
def codex_ml_plugin_under_test(request: pytest.FixtureRequest) -> Iterator[str | None]:
    """The plugin distribution this session tests; while it runs, every other distribution is disabled."""
    from codex_ml.testing.under_test import distribution_under_test

    config = request.config
    name = distribution_under_test(config.rootpath, str(config.getini("codex_ml_plugin_under_test") or ""),
                                   bool(config.getoption("codex_ml_all_plugins")))
    if name is None:
        yield None
        return
    from codex_ml.testing.under_test import only_distribution

    with only_distribution(name):
        yield name


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
