"""Check the run's own settings before any work, and say where each bad value came from.

Every problem is one line ``<source>: <key>: <reason>``, where ``<source>`` is the command-line override
that set the key (``override 'seed=abc'``) or the config file that holds it (the primary config, or the
group option file such as ``.../training/offline/functional.yaml``). All problems are reported together
in one :class:`ConfigError` (exit 2), never as a traceback.
"""
from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from codex_ml.errors import ConfigError


def _override_key(word: str) -> str | None:
    key, sep, _ = word.partition("=")
    if not sep:
        return None
    return key.lstrip("+~").split("@", 1)[0]


def source_of(composed: Any, dotted: str) -> str:
    """The override that set ``dotted`` (or one of its parents), else the config file it comes from."""
    for word in reversed(composed.overrides):
        key = _override_key(word)
        if key and (dotted == key or dotted.startswith(key + ".")):
            return f"override {word!r}"
    group, _, leaf = dotted.partition(".")
    option = composed.choices.get(group) if leaf else None
    if isinstance(option, str):
        for source in composed.sources:
            directory = source.directory
            if directory is not None and (directory / group / f"{option}.yaml").is_file():
                return str(directory / group / f"{option}.yaml")
    for source in composed.sources:
        directory = source.directory
        if directory is not None and (directory / f"{composed.config_name}.yaml").is_file():
            return str(directory / f"{composed.config_name}.yaml")
    return f"config {composed.config_name!r}"


def problem(composed: Any, dotted: str, reason: str) -> str:
    return f"{source_of(composed, dotted)}: {dotted}: {reason}"


def _int(minimum: int, *, nullable: bool) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value is None and nullable:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be an integer{' or null' if nullable else ''}, found {value!r}"
        if value < minimum:
            return f"must be at least {minimum}, found {value!r}"
        return None
    return check


def _optional_path(value: Any) -> str | None:
    if value is None or (isinstance(value, str) and value.strip()):
        return None
    return f"must be a directory path or null, found {value!r}"


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false, found {value!r}"


#: The pipeline's own settings (components check theirs when built).
PIPELINE_SETTINGS: dict[str, Callable[[Any], str | None]] = {
    "seed": _int(0, nullable=True),
    "output_dir": _optional_path,
    "overwrite": _bool,
    "evaluation.max_samples": _int(1, nullable=True),
    "rollout.max_records": _int(0, nullable=True),
}

_MISSING = object()


def _get(config: dict[str, Any], dotted: str) -> Any:
    node: Any = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return _MISSING
        node = node[part]
    return node


def non_finite_floats(config: Any, prefix: str = "") -> list[tuple[str, float]]:
    """``(dotted key, value)`` for every NaN or infinite number anywhere in the config (no setting may be)."""
    found: list[tuple[str, float]] = []
    if isinstance(config, dict):
        for key, value in config.items():
            found += non_finite_floats(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(config, list):
        for index, value in enumerate(config):
            found += non_finite_floats(value, f"{prefix}[{index}]")
    elif isinstance(config, float) and not math.isfinite(config):
        found.append((prefix, config))
    return found


def check_pipeline_settings(composed: Any) -> None:
    """Raise one :class:`ConfigError` listing every bad pipeline setting and every non-finite number."""
    config = composed.config
    problems = []
    for key, check in PIPELINE_SETTINGS.items():
        value = _get(config, key)
        reason = None if value is _MISSING else check(value)
        if reason:
            problems.append(problem(composed, key, reason))
    for key, value in non_finite_floats(config):
        problems.append(problem(composed, key, f"must be a finite number, found {value!r}"))
    if problems:
        raise ConfigError("\n".join(problems))


__all__ = ["PIPELINE_SETTINGS", "check_pipeline_settings", "non_finite_floats", "problem", "source_of"]
