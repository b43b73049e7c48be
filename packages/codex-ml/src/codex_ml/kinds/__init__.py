"""Every component kind, declared once.

Each kind is one small module in this package holding a :class:`Kind`: its registry name, the word
used in messages, the Protocol its components satisfy (defined in :mod:`codex_ml.interfaces`), its
Hydra config group, its conformance suite and the example component ``codex-ml plugins new`` writes.
Everything else is derived from these declarations: the ``register_<kind>`` hookspecs
(:mod:`codex_ml.plugins.hookspecs`), the registries (:mod:`codex_ml.plugins.registries`), the
``PROTOCOLS`` table, the conformance suites (:mod:`codex_ml.testing.conformance`), the config groups
error messages list and the scaffold templates.

Adding a kind: write its Protocol in ``interfaces.py``, add a module here with ``KIND = Kind(...)``
and name it in ``BUILTIN`` below. Tests and experiments can :func:`declare` a kind at run time.
"""
from __future__ import annotations

import importlib
from collections.abc import Iterator

from codex_ml.kinds.declaration import DerivedView, Example, Kind

#: The core's kinds, in display order (modules of this package).
BUILTIN = ("tokenizers", "models", "datasets", "metrics", "trainers", "reward_models", "rl_agents")

_DECLARED: dict[str, Kind] = {}


def declare(kind: Kind) -> Kind:
    """Add ``kind``; every derived table sees it from now on. Redeclaring a name is an error."""
    if kind.name in _DECLARED:
        raise ValueError(f"component kind {kind.name!r} is already declared")
    _DECLARED[kind.name] = kind
    return kind


def undeclare(name: str) -> None:
    """Remove a kind declared at run time (tests); built-in kinds stay."""
    if name in BUILTIN:
        raise ValueError(f"{name!r} is a built-in component kind and cannot be removed")
    _DECLARED.pop(name, None)


def all_kinds() -> list[Kind]:
    """Every declared kind, built-in ones first, in declaration order."""
    return list(_DECLARED.values())


def get(name: str) -> Kind:
    try:
        return _DECLARED[name]
    except KeyError:
        raise KeyError(f"unknown component kind {name!r}; expected one of: {', '.join(_DECLARED)}") from None


def names() -> Iterator[str]:
    return iter(_DECLARED)


for _module in BUILTIN:
    declare(importlib.import_module(f"{__name__}.{_module}").KIND)

#: The Protocol each registry's components satisfy, derived from the declarations (kinds sit above
#: codex_ml.interfaces, which holds the Protocols themselves).
PROTOCOLS = DerivedView(lambda kind: kind.protocol)

__all__ = ["BUILTIN", "PROTOCOLS", "Example", "Kind", "all_kinds", "declare", "get", "names", "undeclare"]
