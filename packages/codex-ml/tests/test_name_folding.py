"""A bare component name in a config finds the one registered ``<namespace>:<name>``, whatever the namespace."""
from __future__ import annotations

import pytest
from codex_ml.errors import UnknownComponentError
from codex_ml.pipeline.components import plan
from codex_ml.plugins.registries import models


class _Echo:
    def generate(self, prompt: str) -> str:
        return prompt


def test_a_bare_name_finds_its_namespace():
    models.register("thirdparty:echo-folding", _Echo)
    planned = plan("model", "models", {"name": "Echo-Folding"})
    assert planned.spec.name == "thirdparty:echo-folding"


def test_a_bare_name_in_two_namespaces_is_ambiguous():
    models.register("one:twin-folding", _Echo)
    models.register("two:twin-folding", _Echo)
    with pytest.raises(UnknownComponentError, match="twin-folding"):
        plan("model", "models", {"name": "twin-folding"})
