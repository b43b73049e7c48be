"""The plugin contract: markers, hookspecs and the component description plugins register.

Plugin modules import only from here, so registering components costs no heavy imports.
"""
from codex_ml.plugins.hookspecs import hookimpl, hookspec
from codex_ml.plugins.spec import KINDS, ComponentSpec

__all__ = ["KINDS", "ComponentSpec", "hookimpl", "hookspec"]
