"""``config_searchpath``'s contract: one str/PathLike directory or pkg:// URL, or None; anything else is an
error that names the plugin (a list used to be stringified and searched as a directory called "['...']")."""
from __future__ import annotations

from pathlib import Path

import pytest
from codex_ml.config.searchpath import checked_entry, plugin_sources
from codex_ml.errors import ConfigError


def test_accepted_forms(tmp_path):
    assert checked_entry("d", None) is None and checked_entry("d", "") is None
    assert checked_entry("d", tmp_path) == f"file://{tmp_path}"
    assert checked_entry("d", str(tmp_path)) == f"file://{tmp_path}"
    assert checked_entry("d", f"file://{tmp_path}") == f"file://{tmp_path}"
    assert checked_entry("d", "pkg://codex_ml.config") == "pkg://codex_ml.config"


@pytest.mark.parametrize("value", [["/a", "/b"], ("/a",), 3, {"dir": "/a"}])
def test_wrong_types_are_errors_naming_the_plugin(value):
    with pytest.raises(ConfigError, match=r"plugin my-dist: config_searchpath\(\) returned .* it must return one directory"):
        checked_entry("my-dist", value)


def test_a_missing_directory_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="which is not a directory.*CODEX_ML_DISABLE_PLUGINS=my-dist"):
        checked_entry("my-dist", tmp_path / "nowhere")


def test_a_plugin_returning_a_list_stops_composition_with_its_name(codex_plugin_host, register_codex_plugin, tmp_path):
    from codex_ml.plugins import hookimpl

    class ListReturning:
        @hookimpl
        def config_searchpath(self):
            return [str(tmp_path)]

    register_codex_plugin(ListReturning(), distribution="list-returning")
    with pytest.raises(ConfigError, match="plugin list-returning: config_searchpath\\(\\) returned list"):
        plugin_sources()


def test_a_path_object_is_accepted_from_a_plugin(codex_plugin_host, register_codex_plugin, tmp_path):
    from codex_ml.plugins import hookimpl

    class PathReturning:
        @hookimpl
        def config_searchpath(self):
            return Path(tmp_path)

    register_codex_plugin(PathReturning(), distribution="path-returning")
    (source,) = plugin_sources()
    assert source.provider == "path-returning" and source.directory == tmp_path


@pytest.fixture
def installed_plus():
    """The installed plugins plus in-memory ones, as the registries' host for one test."""
    from codex_ml.plugins import manager
    from codex_ml.testing.host import register_plugin

    previous = manager._HOST
    host = manager.PluginHost()
    host.load_entry_points()
    manager.reset_host(host)
    yield lambda plugin, **kwargs: register_plugin(host, plugin, **kwargs)
    manager.reset_host(previous)


def test_a_plugin_ships_an_evaluation_set_by_name(installed_plus, tmp_path):
    """The `evaluation` config group: a plugin's conf/evaluation/<ns>/<name>.yaml is chosen with evaluation=<ns>/<name>."""
    from codex_ml.config.compose import compose_config
    from codex_ml.plugins import hookimpl

    option = tmp_path / "conf" / "evaluation" / "acme"
    option.mkdir(parents=True)
    (option / "qa.yaml").write_text("defaults:\n  - base\n  - _self_\n\ndataset:\n  plugin: acme:qa\n  path: null\nmax_samples: 5\n")

    class Acme:
        @hookimpl
        def config_searchpath(self):
            return tmp_path / "conf"

    installed_plus(Acme(), distribution="acme-evals")
    composed = compose_config("config", ["evaluation=acme/qa"])
    evaluation = composed.config["evaluation"]
    assert evaluation["dataset"] == {"plugin": "acme:qa", "path": None} and evaluation["max_samples"] == 5
    assert evaluation["target_delimiter"] == " "  # inherited from evaluation/base
    assert composed.choices["evaluation"] == "acme/qa"
    default = compose_config("config", [])
    assert default.config["evaluation"]["dataset"]["plugin"] == "offline:tiny-eval"
