"""The contract between the core and plugins: one hook per component kind.

A plugin is a module named by an entry point in the ``codex_ml`` group. It implements any of the
hooks below with ``@hookimpl``. Each ``register_*`` hook receives ``register``, a callable taking::

    register(name, "module:attr", summary="...", requires=("torch",), extra="hf", artifact=ArtifactSpec(...))

``"module:attr"`` is imported only when the component is built, so plugin modules must import nothing
heavy. Names follow ``namespace:name`` (the project's own use ``offline:``).
"""
from __future__ import annotations

import os

from typing import Callable

import pluggy

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


@hookspec
def register_tokenizers(register: Register) -> None:
    """Register tokenizers: ``encode(text) -> list[int]`` and ``decode(ids) -> str``."""


@hookspec
def register_models(register: Register) -> None:
    """Register models: ``generate(prompt) -> str``."""


@hookspec
def register_datasets(register: Register) -> None:
    """Register datasets: sized iterables of records."""


@hookspec
def register_metrics(register: Register) -> None:
    """Register metrics: ``compute(predictions, targets) -> float``."""


@hookspec
def register_trainers(register: Register) -> None:
    """Register trainers: ``fit(...)`` returns a summary of what was trained."""


@hookspec
def register_reward_models(register: Register) -> None:
    """Register reward models: ``score(prompt, completion) -> float``."""


@hookspec
def register_rl_agents(register: Register) -> None:
    """Register RL agents: ``act``, ``update``, ``save`` and ``load``."""


@hookspec
def config_searchpath() -> str | os.PathLike[str] | None:
    """Return where this distribution's Hydra config fragments live, or ``None``.

    Exactly one entry: a directory (``str`` or ``pathlib.Path``, absolute, or a ``file://`` URL) or
    ``pkg://package.path``. Anything else (a list, a number) and a directory that does not exist are
    errors naming the plugin when a config is composed. The directory
    holds ``<group>/offline/<name>.yaml`` files for the groups ``model``, ``tokenizer``, ``data``,
    ``training``, ``metrics``, ``reward_model``, ``rl_agent`` and ``interfaces``; ``codex-ml train`` and
    ``codex-ml evaluate`` add it to the search path, so installing the distribution adds its fragments.
    """


#: Hook name for each component kind.
KIND_HOOKS: dict[str, str] = {
    "tokenizers": "register_tokenizers",
    "models": "register_models",
    "datasets": "register_datasets",
    "metrics": "register_metrics",
    "trainers": "register_trainers",
    "reward_models": "register_reward_models",
    "rl_agents": "register_rl_agents",
}


def all_hook_names() -> list[str]:
    """Every hookspec name defined in this module (the guard test compares docs against it)."""
    return [name for name, obj in globals().items() if callable(obj) and hasattr(obj, PROJECT + "_spec")]

