"""Testing kit for plugin authors, registered as a pytest plugin by the core distribution.

Fixtures (available in any pytest run where codex-ml is installed):

- ``codex_plugin_host``: a plugin host with entry-point discovery blocked; the registries use it for
  the duration of the test, so only what the test registers exists.
- ``register_plugin``: registers an in-memory plugin (module, class or object with hookimpls) through
  the same path installed plugins take, and returns its record.

Conformance suites (subclass one per component and set its attributes):
:class:`TokenizerConformance`, :class:`ModelConformance`, :class:`DatasetConformance`,
:class:`MetricConformance`, :class:`TrainerConformance`, :class:`RewardModelConformance`,
:class:`RLAgentConformance`.
"""
from codex_ml.testing.conformance import (
    DatasetConformance,
    MetricConformance,
    ModelConformance,
    RewardModelConformance,
    RLAgentConformance,
    TokenizerConformance,
    TrainerConformance,
)
from codex_ml.testing.host import isolated_host, register_plugin, temporary_plugin

__all__ = [
    "DatasetConformance",
    "MetricConformance",
    "ModelConformance",
    "RLAgentConformance",
    "RewardModelConformance",
    "TokenizerConformance",
    "TrainerConformance",
    "isolated_host",
    "register_plugin",
    "temporary_plugin",
]
