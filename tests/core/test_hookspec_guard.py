"""Every hookspec has a test and a docs entry; hook deprecations go through pluggy's warn_on_impl."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from codex_ml.plugins import hookimpl, hookspec, hookspecs
from codex_ml.plugins.manager import PluginHost
from codex_ml.testing import register_plugin

ROOT = Path(__file__).resolve().parents[2]
HOOKS = hookspecs.all_hook_names()


def test_the_hook_list_is_what_we_think():
    assert set(hookspecs.KIND_HOOKS.values()) <= set(HOOKS)


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    assert f"`{hook}`" in (ROOT / "docs" / "plugins.md").read_text(), f"document {hook} in docs/plugins.md"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_exercised_by_a_test(hook):
    this = Path(__file__).resolve()
    pattern = re.compile(rf"\bdef {hook}\(")
    users = [p for p in (ROOT / "tests").rglob("test_*.py") if p.resolve() != this and pattern.search(p.read_text())]
    implementers = [p for p in (ROOT / "fixtures").rglob("*.py") if pattern.search(p.read_text())]
    assert users or implementers, f"no test or test fixture implements {hook}"


def test_deprecated_hooks_warn_on_implementation():
    class OldSpecs:
        @hookspec(warn_on_impl=DeprecationWarning("register_old is deprecated; use register_models"))
        def register_old(self, register):
            """A hook on its way out."""

    class OldPlugin:
        @hookimpl
        def register_old(self, register):
            pass

    host = PluginHost()
    host.pm.add_hookspecs(OldSpecs)
    with pytest.warns(DeprecationWarning, match="use register_models"):
        record = register_plugin(host, OldPlugin())
    assert record.status == "ok"
