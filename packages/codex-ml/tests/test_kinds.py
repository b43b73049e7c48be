"""Kinds are declared once: a throwaway kind is listed, resolvable, scaffoldable and covered by a suite."""
from __future__ import annotations

import importlib.util
import sys
from typing import Protocol, runtime_checkable

import pytest
from codex_ml import kinds
from codex_ml.kinds import Kind
from codex_ml.plugins import hookimpl, hookspecs
from codex_ml.plugins.registries import REGISTRIES
from codex_ml.plugins.spec import KINDS
from codex_ml.testing import isolated_host, register_plugin, suite_for


@runtime_checkable
class Widget(Protocol):
    name: str

    def spin(self, times: int) -> int: ...


class Spinner:
    name = "spinner"

    def spin(self, times: int) -> int:
        return times * 2


@pytest.fixture
def widgets():
    kind = kinds.declare(Kind(name="widgets", singular="widget", contract="spin(times) -> int.", protocol=Widget,
                              config_group="widget"))
    try:
        yield kind
    finally:
        kinds.undeclare("widgets")


def test_a_declared_kind_reaches_every_derived_table(widgets):
    assert KINDS["widgets"] == "widget" and hookspecs.KIND_HOOKS["widgets"] == "register_widgets"
    assert "register_widgets" in hookspecs.all_hook_names()
    from codex_ml.config.messages import config_groups
    from codex_ml.kinds import PROTOCOLS

    assert PROTOCOLS["widgets"] is Widget and "widget" in config_groups()


def test_a_declared_kind_is_listed_and_resolvable(widgets):
    class Plugin:
        @hookimpl
        def register_widgets(self, register):
            register("acme:spinner", Spinner, summary="Doubles")

    with isolated_host() as host:
        record = register_plugin(host, Plugin(), distribution="acme")
        assert record.status == "ok", record.error
        assert REGISTRIES["widgets"].names() == ["acme:spinner"]
        from codex_ml.plugins import registries

        assert registries.widgets.resolve_and_instantiate("acme:spinner").spin(2) == 4
        from codex_ml.cli.plugins_cli import list_document

        document = list_document(host, ["widgets"])
        assert [c["name"] for c in document["components"]] == ["acme:spinner"]


def test_a_declared_kind_gets_a_generic_conformance_suite(widgets):
    suite = suite_for("widgets")
    assert suite.kind == "widgets" and {"test_is_registered", "test_satisfies_the_protocol"} <= set(dir(suite))

    class Plugin:
        @hookimpl
        def register_widgets(self, register):
            register("acme:spinner", Spinner, summary="Doubles")

    with isolated_host() as host:
        register_plugin(host, Plugin())
        case = type("TestSpinner", (suite,), {"component": "acme:spinner"})()
        case.test_is_registered()
        case.test_satisfies_the_protocol()
        host.add(host.lookup("widgets", "acme:spinner").__class__(name="acme:broken", kind="widgets", target=object,
                                                                   summary="not a widget"))
        broken = type("TestBroken", (suite,), {"component": "acme:broken"})()
        with pytest.raises(AssertionError, match="lacks part of Widget"):
            broken.test_satisfies_the_protocol()


def test_a_declared_kind_is_scaffoldable(widgets, tmp_path):
    from codex_ml.scaffold.writer import scaffold_plugin

    root = scaffold_plugin("codex-ml-acme", "widgets", tmp_path)
    plugin = (root / "src/codex_ml_acme/plugin.py").read_text()
    assert "def register_widgets(register):" in plugin and '"acme:widget"' in plugin
    assert 'suite_for("widgets")' in (root / "tests/test_conformance.py").read_text()
    spec = importlib.util.spec_from_file_location("acme_widget_components", root / "src/codex_ml_acme/components.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    skeleton = module.MyWidget()
    assert isinstance(skeleton, Widget)  # every Protocol member is there to fill in
    with pytest.raises(NotImplementedError):
        skeleton.spin(1)


def test_built_in_kinds_cannot_be_removed_or_redeclared():
    with pytest.raises(ValueError, match="built-in"):
        kinds.undeclare("models")
    with pytest.raises(ValueError, match="already declared"):
        kinds.declare(kinds.get("models"))
    assert list(KINDS) == list(kinds.BUILTIN) and "widgets" not in sys.modules.get("codex_ml.plugins.registries").__dict__
