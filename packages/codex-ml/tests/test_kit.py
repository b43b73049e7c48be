"""The testing kit itself: isolated hosts, in-memory and temporary plugins, and suites that catch faults."""
from __future__ import annotations

import pytest
from codex_ml.plugins import hookimpl
from codex_ml.plugins.registries import metrics, models
from codex_ml.testing import MetricConformance, temporary_plugin


class GoodPlugin:
    @hookimpl
    def register_models(self, register):
        register("test:echo", "tests_conformance_echo:Echo", summary="echo")


def test_isolated_host_blocks_discovery(codex_plugin_host):
    assert models.names() == []
    assert codex_plugin_host.plugins == []


def test_in_memory_plugin_goes_through_the_real_loading_path(register_codex_plugin):
    record = register_codex_plugin(GoodPlugin(), distribution="my-dist")
    assert record.status == "ok"
    assert models.get("test:echo").distribution == "my-dist"


def test_in_memory_plugin_with_a_misspelt_hook_fails(register_codex_plugin):
    class Typo:
        @hookimpl
        def register_modls(self, register):
            pass

    record = register_codex_plugin(Typo())
    assert record.status == "failed" and "register_modls" in record.error


def test_temporary_plugin_from_source(codex_plugin_host, tmp_path):
    source = (
        "from codex_ml.plugins import hookimpl\n"
        "class Upper:\n"
        "    def generate(self, prompt):\n"
        "        return prompt.upper()\n"
        "@hookimpl\n"
        "def register_models(register):\n"
        "    register('test:upper', Upper, summary='upper-cases')\n"
    )
    record = temporary_plugin(codex_plugin_host, source, tmp_path)
    assert record.status == "ok"
    assert models.resolve_and_instantiate("test:upper").generate("hi") == "HI"
    broken = temporary_plugin(codex_plugin_host, "raise ImportError('nope')", tmp_path)
    assert broken.status == "failed" and "nope" in broken.error


class TruncatingMetric:
    """A faulty metric: silently truncates mismatched inputs with zip."""

    name = "test:truncating"

    def compute(self, predictions, targets):
        pairs = list(zip(predictions, targets))
        return sum(p == t for p, t in pairs) / len(pairs) if pairs else 0.0


def test_metric_suite_catches_silent_truncation(codex_plugin_host):
    metrics.register("test:truncating", TruncatingMetric, summary="faulty")

    class Suite(MetricConformance):
        component = "test:truncating"

    suite = Suite()
    suite.test_result_is_a_float_within_bounds()
    with pytest.raises(AssertionError, match="must raise ValueError"):
        suite.test_length_mismatch_is_an_error()
