"""The core's ``pytest11`` entry point: loads the fixtures of :mod:`codex_ml.testing.pytest_plugin`.

Why a top-level module: pytest marks every top-level module and package of a distribution that has a
``pytest11`` entry point for assertion rewriting. ``codex_ml`` is a namespace package (no
``__init__.py``), so without a top-level module pytest strips ``codex_ml/`` from the wheel's file list
and marks ``io``, ``errors``, ``cli``... which made every pytest run in any environment with codex-ml
warn ``PytestAssertRewriteWarning: Module already imported so cannot be rewritten: io``. This module is
the distribution's only top-level module, so it is the only one pytest marks.
"""
from __future__ import annotations

import pytest

# The conformance suites' assertions get pytest's detailed failure messages (registered before import).
pytest.register_assert_rewrite("codex_ml.testing")

pytest_plugins = ["codex_ml.testing.pytest_plugin"]
