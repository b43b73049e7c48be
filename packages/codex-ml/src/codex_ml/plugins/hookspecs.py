"""The contract between the core and plugins: one hook per component kind.

A plugin is a module named by an entry point in the ``codex_ml`` group. It implements any of the
hooks below with ``@hookimpl``. Each ``register_*`` hook receives ``register``, a callable taking::

    register(name, "module:attr", summary="...", requires=("torch",), extra="hf", artifact=ArtifactSpec(...))

``"module:attr"`` is imported only when the component is built, so plugin modules must import nothing
heavy. Names follow ``namespace:name`` (the project's own use ``offline:``).

The ``register_<kind>`` hooks are written out from the kind declarations in :mod:`codex_ml.kinds`
(one per kind); the others (``config_searchpath``, ``register_commands``, ``register_doctor_checks``)
are defined by hand below.
"""
from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy
from codex_ml import kinds
from codex_ml.kinds.declaration import DerivedView, Kind

if TYPE_CHECKING:
    import click

PROJECT = "codex_ml"
#: The entry-point group plugins are published under.
ENTRY_POINT_GROUP = "codex_ml"

#: The hook API this core offers. The minor number grows when hooks are added (old plugins keep
#: working); the major number grows when a hook is removed or changes its arguments, after at least
#: one minor release in which the old form warns through ``warn_on_impl``. A new major hook API always
#: comes with a new codex-ml minor (0.x) or major release, so a plugin states the range it supports as
#: its requirement on the codex-ml distribution (``codex-ml>=0.1,<0.2``), which discovery reads from
#: the plugin's metadata before importing it.
API_VERSION = "1.0"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

Register = Callable[..., None]


def _kind_hookspec(kind: Kind) -> Callable[[Register], None]:
    """The ``register_<kind>`` hookspec for one declared kind, documented from its declaration."""

    def register_kind(register: Register) -> None:
        pass

    register_kind.__name__ = register_kind.__qualname__ = kind.hook
    register_kind.__module__ = __name__
    register_kind.__doc__ = f"Register {kind.name}: {kind.contract}"
    return hookspec(register_kind)


# One hookspec per declared kind: register_tokenizers, register_models, register_datasets,
# register_metrics, register_trainers, register_reward_models, register_rl_agents. Written out by
# _kind_hookspec from codex_ml.kinds so the kinds are declared once; `help(hookspecs)` shows them.
for _kind in kinds.all_kinds():
    globals()[_kind.hook] = _kind_hookspec(_kind)
del _kind


@hookspec
def config_searchpath() -> str | os.PathLike[str] | None:
    """Return where this distribution's Hydra config fragments live, or ``None``.

    Exactly one entry: a directory (``str`` or ``pathlib.Path``, absolute, or a ``file://`` URL) or
    ``pkg://package.path``. Anything else (a list, a number) and a directory that does not exist are
    errors naming the plugin when a config is composed. The directory holds
    ``<group>/<namespace>/<name>.yaml`` files, ``<group>`` being a kind's config group (see
    :mod:`codex_ml.kinds`), ``interfaces`` or ``evaluation``, and may hold presets (primary configs) at
    other paths; ``codex-ml train`` and ``codex-ml evaluate`` add it to the search path, so installing
    the distribution adds its fragments.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add Click commands or groups to ``codex-ml``: ``cli.add_command(command)``, or
    ``cli.add_to_group("catalogue", command)`` to extend a core group.

    Called when the CLI needs plugin commands (a name that is not a core command, ``--help``, a core
    group being used), so keep it cheap: import nothing heavy here and wrap each command in
    :class:`codex_ml.cli.lazy.LazyCommand`, which imports it only when it runs. A name that is already
    taken is refused with a warning naming the plugin.
    """


@hookspec
def register_doctor_checks(register: Register) -> None:
    """Register checks ``codex-ml doctor`` runs: ``register(check)``.

    ``check`` is a callable taking no arguments (or ``"module:attr"`` naming one, imported when doctor
    runs) that returns a list of :class:`codex_ml.doctor.Finding`. An exception inside a check
    becomes one ``error`` finding naming the plugin; the other checks still run.
    """


#: Hook name for each component kind (derived from codex_ml.kinds).
KIND_HOOKS: DerivedView[str] = DerivedView(lambda kind: kind.hook)


def later_kind_hookspecs() -> type | None:
    """A namespace with the ``register_<kind>`` hookspec of each kind declared after this module was
    imported (tests, experiments), or None; the plugin manager adds it next to this module."""
    later = {kind.hook: staticmethod(_kind_hookspec(kind)) for kind in kinds.all_kinds() if kind.hook not in globals()}
    return type("LaterKindHookspecs", (), later) if later else None


def all_hook_names() -> list[str]:
    """Every hookspec: the module's own plus one per declared kind (the guard tests check each)."""
    own = [name for name, obj in globals().items() if callable(obj) and hasattr(obj, PROJECT + "_spec")]
    return sorted({*own, *KIND_HOOKS.values()})
