"""Every hookspec has a test and a docs entry; hook deprecations go through pluggy's warn_on_impl."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from codex_ml.plugins import hookimpl, hookspec, hookspecs
from codex_ml.plugins.manager import PluginHost
from codex_ml.testing import register_plugin
from repo_paths import REPO_ROOT, all_tests_folders

ROOT = REPO_ROOT
HOOKS = hookspecs.all_hook_names()


def kinds_without_hookspec(host: PluginHost) -> list[str]:
    """Declared kinds whose register_<kind> hook the plugin manager does not know."""
    return [hook for hook in hookspecs.KIND_HOOKS.values()
            if getattr(host.pm.hook, hook, None) is None or not getattr(host.pm.hook, hook).has_spec()]


def is_documented(hook: str, docs: str) -> bool:
    return f"`{hook}`" in docs


def implementers(hook: str, files: list[Path]) -> list[Path]:
    pattern = re.compile(rf"\bdef {hook}\(")
    return [p for p in files if pattern.search(p.read_text())]


def _test_files() -> list[Path]:
    this = Path(__file__).resolve()
    return [p for folder in all_tests_folders() for p in folder.rglob("test_*.py") if p.resolve() != this] + list((ROOT / "fixtures").rglob("*.py"))


def test_every_declared_kind_has_a_hookspec():
    assert kinds_without_hookspec(PluginHost()) == []


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_documented(hook):
    assert is_documented(hook, (ROOT / "docs" / "plugins.md").read_text()), f"document {hook} in docs/plugins.md"


@pytest.mark.parametrize("hook", HOOKS)
def test_every_hook_is_exercised_by_a_test(hook):
    assert implementers(hook, _test_files()), f"no test or test fixture implements {hook}"


# -- each guard fails against a broken copy ---------------------------------------------------------


def test_hookspec_guard_catches_a_kind_without_its_hook(monkeypatch):
    host = PluginHost()
    monkeypatch.setattr(hookspecs, "KIND_HOOKS", {**hookspecs.KIND_HOOKS, "gizmos": "register_gizmos"})
    assert kinds_without_hookspec(host) == ["register_gizmos"]


def test_docs_guard_catches_an_undocumented_hook():
    docs = (ROOT / "docs" / "plugins.md").read_text().replace("`register_commands`", "register commands")
    assert not is_documented("register_commands", docs)
    assert is_documented("register_models", docs)


def test_exercise_guard_catches_an_untested_hook(tmp_path):
    broken = tmp_path / "test_copy.py"
    broken.write_text("def register_modelz(register):\n    pass\n")
    assert implementers("register_models", [broken]) == []
    assert implementers("register_modelz", [broken]) == [broken]


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
