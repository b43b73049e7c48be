"""Testing kit for plugin authors, registered as a pytest plugin by the core distribution.

Fixtures (available in any pytest run where codex-ml is installed):

- ``codex_plugin_host``: a plugin host with entry-point discovery blocked; the registries use it for
  the duration of the test, so only what the test registers exists.
- ``register_plugin``: registers an in-memory plugin (module, class or object with hookimpls) through
  the same path installed plugins take, and returns its record.

Conformance suites (subclass one per component and set its attributes): one per kind declared in
:mod:`codex_ml.kinds` (:class:`TokenizerConformance`, :class:`ModelConformance`, ...), looked up by
kind with :func:`suite_for`.

:class:`ScoringModelConformance` checks a model that implements the evaluation requests
(``codex_ml.interfaces.ScoringModel``).
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

from codex_ml.kinds import all_kinds

# Resolved on first access (PEP 562): the pytest plugin imports this package in every pytest run
# where codex-ml is installed, and that must stay cheap.
_EXPORTS = {
    "Conformance": "conformance",
    **{kind.suite: "conformance" for kind in all_kinds() if kind.suite},
    "suite_for": "conformance",
    "ScoringModelConformance": "conformance",
    "isolated_host": "host",
    "register_plugin": "host",
    "temporary_plugin": "host",
}

__all__ = tuple(sorted(_EXPORTS))


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(f"codex_ml.testing.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'codex_ml.testing' has no attribute {name!r}")
