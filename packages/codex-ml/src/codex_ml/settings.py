"""Every ``CODEX_ML_*`` environment variable, declared and read in one place.

Other modules ask this one (``settings.flag(settings.ALLOW_NETWORK)``) instead of parsing ``os.environ``
themselves, so a flag means the same thing everywhere and ``scripts/gen_env_table.py`` can write the
table in docs/offline.md from :data:`VARIABLES`. Artefact variables (``CODEX_ML_*_PATH`` and the kind
directories) are declared by the plugins' ``ArtifactSpec``s and read through :func:`path`.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True)
class Variable:
    """One setting: its name, what it does (the docs table's text) and its value when unset."""

    name: str
    doc: str
    default: str = ""


PROJECT_ROOT = "CODEX_ML_PROJECT_ROOT"
ALLOW_NETWORK = "CODEX_ML_ALLOW_NETWORK"
ALLOW_MODIFIED_ARTIFACTS = "CODEX_ML_ALLOW_MODIFIED_ARTIFACTS"
CACHE_DIR = "CODEX_ML_CACHE_DIR"
STRICT_PLUGINS = "CODEX_ML_STRICT_PLUGINS"
DISABLE_PLUGINS = "CODEX_ML_DISABLE_PLUGINS"
PLUGIN_CACHE = "CODEX_ML_PLUGIN_CACHE"
DEBUG = "CODEX_ML_DEBUG"
PROVIDERS = "CODEX_ML_PROVIDERS"
FAULT_AT = "CODEX_ML_FAULT_AT"

#: The core's settings, in the order the docs list them.
VARIABLES: tuple[Variable, ...] = (
    Variable(PROJECT_ROOT, "The project root whose `artifacts/` and `data/` hold the seed layout. Default: the "
             "nearest folder above the working directory holding `.git`, `pyproject.toml`, `artifacts/` or `data/`."),
    Variable(ALLOW_NETWORK, "`1` leaves the `*_OFFLINE` flags unset and turns the network guard off. "
             "For connected hosts only."),
    Variable(ALLOW_MODIFIED_ARTIFACTS, "`1` lets loaders use an artefact that does not match its `manifest.json`, "
             "printing the differing files instead of refusing."),
    Variable(CACHE_DIR, "Where the hash cache (`hashes.json`) and the plugin discovery cache live. "
             "Default `$XDG_CACHE_HOME/codex-ml`, else `~/.cache/codex-ml`."),
    Variable(STRICT_PLUGINS, "`1` makes the first plugin that fails to load an error instead of a listed failure."),
    Variable(DISABLE_PLUGINS, "Comma-separated distribution or entry-point names to skip before they are imported "
             "(for example a plugin that conflicts)."),
    Variable(PLUGIN_CACHE, "`0` turns the plugin discovery cache off.", default="1"),
    Variable(DEBUG, "`1` prints full tracebacks instead of one-line errors (same as `--traceback`)."),
    Variable(PROVIDERS, "Comma-separated `NAME=DISTRIBUTION` pairs choosing which distribution provides a component "
             "name that several register (for example `example:chars=codex-ml-example`)."),
    Variable(FAULT_AT, "For tests of crash safety only: `<point>[:<n>]` kills the process with SIGKILL the n-th time a "
             "save reaches `save:before-rename`, `save:during-rename` or `save:after-rename`."),
)

_BY_NAME = {variable.name: variable for variable in VARIABLES}


def _declared(name: str) -> Variable:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"{name} is not a declared codex-ml setting; add it to codex_ml.settings.VARIABLES") from None


def raw(name: str, environ: Mapping[str, str] | None = None) -> str:
    """The variable's text, or its declared default when unset or empty."""
    variable = _declared(name)
    value = (os.environ if environ is None else environ).get(name, "")
    return value if value.strip() else variable.default


def is_true(value: str | None) -> bool:
    """The one reading of a yes/no value: ``1``, ``true``, ``yes``, ``on`` (any case) are true."""
    return (value or "").strip().lower() in _TRUE


def is_false(value: str | None) -> bool:
    """``0``, ``false``, ``no``, ``off`` or empty: the value explicitly turns something off."""
    return (value or "").strip().lower() in _FALSE | {""}


def flag(name: str, environ: Mapping[str, str] | None = None) -> bool:
    """A declared yes/no setting (``CODEX_ML_DEBUG=1``)."""
    return is_true(raw(name, environ))


def names(name: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """A declared comma-separated list, stripped, without empty items."""
    return [item.strip() for item in raw(name, environ).split(",") if item.strip()]


def directory(name: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """A declared folder setting, ``~`` expanded; None when unset."""
    value = raw(name, environ)
    return Path(value).expanduser() if value else None


def path(name: str, environ: Mapping[str, str] | None = None) -> Path | None:
    """An artefact variable a plugin declares in its ``ArtifactSpec`` (``CODEX_ML_GPT2_PATH``,
    ``CODEX_ML_OFFLINE_MODELS_DIR``, a third party's ``MY_VOCAB_PATH``); None when unset or empty."""
    value = (os.environ if environ is None else environ).get(name, "")
    return Path(value).expanduser() if value.strip() else None
