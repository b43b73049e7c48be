"""Type checks for the settings dataclasses of this distribution, so ``rl_agent.group_size=abc`` is one clear
line naming the key and what was expected, never a ``TypeError`` from a later comparison."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

from codex_ml.errors import AgentSettingsError

_EXPECTED = {int: "an integer", float: "a number", bool: "true or false", str: "text"}


def _accepts(kind: Any, value: Any) -> bool:
    if kind is bool:
        return isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is str:
        return isinstance(value, str)
    return True  # Any, or a type this check does not know: the owner checks it


def type_problems(cls: type, values: Mapping[str, Any], prefix: str = "") -> list[str]:
    """``<prefix><key>=<value>: must be <what>`` for each value of ``values`` whose type its field refuses
    (``None`` passes where the field allows it)."""
    hints = typing.get_type_hints(cls)
    problems = []
    for key, value in values.items():
        kind = hints.get(key)
        if kind is None:
            continue
        options = typing.get_args(kind) if typing.get_origin(kind) in (typing.Union, types.UnionType) else (kind,)
        if value is None and type(None) in options:
            continue
        checked = [option for option in options if option in _EXPECTED]
        if checked and not any(_accepts(option, value) for option in checked):
            what = " or ".join(_EXPECTED[option] for option in checked)
            problems.append(f"{prefix}{key}={value!r}: must be {what}")
    return problems


def check_types(name: str, cls: type, values: Mapping[str, Any], prefix: str = "") -> None:
    """Raise :class:`AgentSettingsError` (a config problem: exit 2) listing every value of the wrong type."""
    problems = type_problems(cls, values, prefix)
    if problems:
        raise AgentSettingsError(f"{name}: " + "; ".join(problems))
