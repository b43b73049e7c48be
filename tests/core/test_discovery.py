"""Discovery with real plugin distributions: isolation, conflicts, disabling, strict mode."""
from __future__ import annotations

import sys

import pytest
from codex_ml.errors import ComponentConflictError, PluginLoadError, UnknownComponentError
from codex_ml.plugins.manager import PluginHost, get_host, reset_host
from codex_ml.plugins.registries import metrics, models, reward_models, tokenizers
from plugin_sites import entry_points, install

FIXTURES = ("broken-import", "broken-hook", "unknown-hook", "conflict", "example", "squatter")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    return install(tmp_path_factory.mktemp("site"), *FIXTURES)


@pytest.fixture
def host(site, monkeypatch):
    """Installed distributions plus the fixture site, as one environment would see them."""
    monkeypatch.syspath_prepend(str(site))
    for name in [m for m in sys.modules if m.startswith(("codex_ml_fixture", "codex_ml_example"))]:
        monkeypatch.delitem(sys.modules, name)

    def build(**kwargs):
        from importlib import metadata

        h = PluginHost()
        h.load_entry_points([*metadata.entry_points(group="codex_ml"), *entry_points(site)], **kwargs)
        reset_host(h)
        return h

    return build


def record(h, dist):
    return next(r for r in h.plugins if r.distribution == dist)


def test_broken_plugins_are_listed_as_failed_and_others_still_work(host):
    h = host()
    broken = record(h, "codex-ml-fixture-broken-import")
    assert broken.status == "failed" and "ModuleNotFoundError" in broken.error
    assert broken.location and broken.location.endswith("codex_ml_fixture_broken_import/plugin.py")
    hook = record(h, "codex-ml-fixture-broken-hook")
    assert hook.status == "failed" and "registration exploded" in hook.error
    assert hook.location and hook.location.endswith("plugin.py")
    assert "fixture:half-registered" not in models  # a failed plugin contributes nothing
    assert models.resolve_and_instantiate("offline:tiny-sequence").generate("hello") == "offline world"
    assert record(h, "codex-ml-offline-models").status == "ok"


def test_a_plugin_whose_module_is_gone_names_its_distribution_folder(site, tmp_path):
    """Every failed plugin says where it was looked up (``location`` is never null for one that failed)."""
    from importlib import metadata

    (ep,) = [e for e in entry_points(site) if e.dist.name == "codex-ml-fixture-broken-import"]
    gone = metadata.EntryPoint(ep.name, "codex_ml_module_that_was_uninstalled:plugin", ep.group)
    object.__setattr__(gone, "dist", ep.dist)
    h = PluginHost()
    h.load_entry_points([gone])
    (only,) = h.plugins
    assert only.status == "failed" and only.location and only.location.endswith(".dist-info")


def test_unknown_hooks_are_reported(host):
    typo = record(host(), "codex-ml-fixture-unknown-hook")
    assert typo.status == "failed" and "register_modles" in typo.error


def test_conflicting_names_are_never_silently_resolved(host):
    host()
    owners = {spec.distribution for spec in tokenizers.entries() if spec.name == "example:chars"}
    assert owners == {"codex-ml-example", "codex-ml-fixture-conflict"}
    with pytest.raises(ComponentConflictError) as info:
        tokenizers.resolve_and_instantiate("example:chars")
    message = str(info.value)
    assert "codex-ml-example" in message and "codex-ml-fixture-conflict" in message
    assert "CODEX_ML_PROVIDERS=example:chars=<distribution>" in message


def test_disabling_a_distribution_resolves_the_conflict(host):
    h = host(disabled=["codex-ml-fixture-conflict"])
    assert record(h, "codex-ml-fixture-conflict").status == "disabled"
    assert tokenizers.resolve_and_instantiate("example:chars").encode("hi") == [ord("h"), ord("i")]


def test_a_third_party_cannot_register_in_the_offline_namespace(host):
    """The offline defaults can never be shadowed or turned into a conflict by another distribution."""
    h = host()
    squatter = record(h, "codex-ml-fixture-squatter")
    assert squatter.status == "failed"
    assert "'offline:tiny-vocab'" in squatter.error and "namespace belongs to codex-ml's own distributions" in squatter.error
    assert [s.distribution for s in tokenizers.entries() if s.name == "offline:tiny-vocab"] == ["codex-ml-offline-models"]
    assert tokenizers.resolve_and_instantiate("offline:tiny-vocab").encode("hello") == [2]


def test_a_provider_is_picked_by_environment_or_argument(host, monkeypatch):
    host()
    monkeypatch.setenv("CODEX_ML_PROVIDERS", "example:chars=codex-ml-fixture-conflict")
    assert tokenizers.get("example:chars").distribution == "codex-ml-fixture-conflict"
    assert tokenizers.get("example:chars", provider="codex_ml_example").distribution == "codex-ml-example"
    monkeypatch.setenv("CODEX_ML_PROVIDERS", "example:chars=someone-else")
    with pytest.raises(ComponentConflictError, match="chosen provider 'someone-else' does not register it"):
        tokenizers.get("example:chars")
    monkeypatch.setenv("CODEX_ML_PROVIDERS", "example:chars")
    with pytest.raises(Exception, match="expected NAME=DISTRIBUTION"):
        tokenizers.get("example:chars")


def test_a_conflict_elsewhere_leaves_everything_else_working(host):
    host()
    assert tokenizers.resolve_and_instantiate("offline:tiny-vocab").encode("hello") == [2]
    assert models.resolve_and_instantiate("example:reverse") is not None


def test_disable_variable_accepts_a_comma_list(host, monkeypatch):
    monkeypatch.setenv("CODEX_ML_DISABLE_PLUGINS", "codex_ml_fixture_conflict, codex-ml-offline-rl")
    h = host()
    assert record(h, "codex-ml-offline-rl").status == "disabled"
    assert "offline:length" not in reward_models


def test_strict_mode_makes_failures_fatal(host, monkeypatch):
    monkeypatch.setenv("CODEX_ML_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="codex-ml-fixture-broken-hook .*failed to load"):
        host()


def test_third_party_components_load_lazily(host):
    host()
    assert "codex_ml_example.components" not in sys.modules
    assert metrics.get("example:length-ratio").distribution == "codex-ml-example"
    assert "codex_ml_example.components" not in sys.modules
    ratio = metrics.resolve_and_instantiate("example:length-ratio")
    assert ratio.compute(["ab"], ["abcd"]) == 0.5


def test_unknown_name_lists_available_and_closest_match():
    with pytest.raises(UnknownComponentError) as info:
        models.resolve_and_instantiate("offline:tiny-sequnce")
    message = str(info.value)
    assert "Did you mean 'offline:tiny-sequence'?" in message and "offline:gpt2" in message


def test_in_process_registration_and_clash_rules():
    class Echo:
        def generate(self, prompt):
            return prompt

    models.register("user:echo", Echo, summary="echo")
    assert models.resolve_and_instantiate("user:echo").generate("x") == "x"
    assert models.get("user:echo").distribution == "<in-process>"
    with pytest.raises(ComponentConflictError, match="replace=True"):
        models.register("offline:tiny-sequence", Echo)
    models.register("offline:tiny-sequence", Echo, replace=True)
    assert models.resolve_and_instantiate("offline:tiny-sequence").generate("hello") == "hello"
    models.unregister("user:echo")
    assert "user:echo" not in models


def test_missing_requirement_gives_an_install_hint():
    tokenizers.register("user:needs-lib", "codex_ml_missing_lib.mod:Tok", requires=("codex_ml_missing_lib",))
    with pytest.raises(ImportError, match="pip install codex_ml_missing_lib"):
        tokenizers.resolve_and_instantiate("user:needs-lib")
    assert "codex_ml_missing_lib" in tokenizers.get("user:needs-lib").missing_requirements()


def test_registration_validates_targets():
    h = get_host()
    with pytest.raises(ValueError, match="module:attr"):
        from codex_ml.plugins.spec import _Registration

        _Registration("models", "d", "1")("x:y", "no_colon_here")
    assert h is get_host()  # discovery runs once per process


def test_incompatible_plugin_is_rejected_before_import(tmp_path_factory, monkeypatch):
    site = install(tmp_path_factory.mktemp("site"), "incompatible", "example")
    monkeypatch.syspath_prepend(str(site))
    h = PluginHost()
    h.load_entry_points(entry_points(site))
    bad = record(h, "codex-ml-fixture-incompatible")
    assert bad.status == "incompatible"
    assert "codex-ml<3,>=2.0" in bad.error and "hook API 1.0" in bad.error
    assert "codex_ml_fixture_incompatible.plugin" not in sys.modules
    assert record(h, "codex-ml-example").status == "ok"  # requires codex-ml>=0.1,<0.2


def test_a_provider_is_picked_in_the_config(host, monkeypatch):
    from codex_ml.pipeline.components import plan

    monkeypatch.delenv("CODEX_ML_PROVIDERS", raising=False)
    host()
    planned = plan("tokenizer", "tokenizers", {"plugin": "example:chars", "provider": "codex-ml-fixture-conflict"})
    assert planned.spec.distribution == "codex-ml-fixture-conflict" and "provider" not in planned.kwargs
    with pytest.raises(ComponentConflictError):
        plan("tokenizer", "tokenizers", {"plugin": "example:chars"})
