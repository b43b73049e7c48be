"""Offline mode for the libraries codex-ml drives, set before any of them is imported.

huggingface_hub, transformers and datasets read their offline flags and cache locations once, at import
time, so the CLI calls :func:`apply_offline_environment` first thing. A value the user already set is
kept; only unset variables get codex-ml's defaults, and :func:`applied` records which ones those were.
``CODEX_ML_ALLOW_NETWORK=1`` keeps the cache and telemetry defaults but leaves the offline flags unset
(and turns the network guard off) for the commands that must download, such as fetching artefacts.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import MutableMapping
from pathlib import Path

from codex_ml import settings

ALLOW_NETWORK_VAR = settings.ALLOW_NETWORK

#: Flags that stop the Hugging Face libraries from contacting the hub.
OFFLINE_FLAGS: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
}

#: Telemetry, update checks and experiment trackers that would phone home, all off.
TELEMETRY_OFF: dict[str, str] = {
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_IMPLICIT_TOKEN": "1",
    "DO_NOT_TRACK": "1",
    "WANDB_MODE": "disabled",
    "DISABLE_MLFLOW_INTEGRATION": "TRUE",
}

#: Deprecated upstream (removed in transformers v5); honoured as the hub cache when set, with a warning.
DEPRECATED_CACHE_VAR = "TRANSFORMERS_CACHE"

_APPLIED: dict[str, str] = {}


def network_allowed(environ: MutableMapping[str, str] | None = None) -> bool:
    """True when the user opted into network access with ``CODEX_ML_ALLOW_NETWORK``."""
    return settings.flag(ALLOW_NETWORK_VAR, environ)


def default_hf_home(environ: MutableMapping[str, str] | None = None) -> Path:
    """Where huggingface_hub puts ``HF_HOME`` when it is unset: ``$XDG_CACHE_HOME/huggingface``."""
    env = os.environ if environ is None else environ
    xdg = env.get("XDG_CACHE_HOME") or str(Path("~/.cache").expanduser())
    return Path(xdg) / "huggingface"


def _set_default(env: MutableMapping[str, str], name: str, value: str, applied: dict[str, str]) -> None:
    if env.get(name, "") == "":
        env[name] = value
        applied[name] = value


def apply_offline_environment(environ: MutableMapping[str, str] | None = None) -> dict[str, str]:
    """Fill in offline flags, cache locations and telemetry switches the user left unset.

    Returns the variables this call set (name -> value). Safe to call more than once.
    """
    env = os.environ if environ is None else environ
    applied: dict[str, str] = {}
    _set_default(env, "HF_HOME", str(default_hf_home(env)), applied)
    hf_home = env["HF_HOME"]
    legacy = env.get(DEPRECATED_CACHE_VAR)
    if legacy:
        hub = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE")
        if hub and os.path.abspath(os.path.expanduser(hub)) != os.path.abspath(os.path.expanduser(legacy)):
            warnings.warn(
                f"{DEPRECATED_CACHE_VAR}={legacy} disagrees with HF_HUB_CACHE={hub}: transformers reads the "
                f"first, huggingface_hub the second. Unset {DEPRECATED_CACHE_VAR} and keep HF_HUB_CACHE.",
                FutureWarning, stacklevel=2,
            )
        else:
            warnings.warn(
                f"{DEPRECATED_CACHE_VAR} is deprecated upstream; using it as HF_HUB_CACHE={legacy}. "
                f"Set HF_HUB_CACHE (or HF_HOME) instead.",
                FutureWarning, stacklevel=2,
            )
            _set_default(env, "HF_HUB_CACHE", legacy, applied)
    _set_default(env, "HF_HUB_CACHE", env.get("HUGGINGFACE_HUB_CACHE") or os.path.join(hf_home, "hub"), applied)
    _set_default(env, "HF_DATASETS_CACHE", os.path.join(hf_home, "datasets"), applied)
    _set_default(env, "TIKTOKEN_CACHE_DIR", os.path.join(hf_home, "tiktoken"), applied)
    for name, value in TELEMETRY_OFF.items():
        _set_default(env, name, value, applied)
    if not network_allowed(env):
        for name, value in OFFLINE_FLAGS.items():
            _set_default(env, name, value, applied)
    if environ is None:
        _APPLIED.update(applied)
    return applied


def apply_for_cli() -> dict[str, str]:
    """:func:`apply_offline_environment` for the command line: warnings become one plain stderr line each."""
    import sys

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = apply_offline_environment()
    for warning in caught:
        print(f"codex-ml: warning: {warning.message}", file=sys.stderr)
    return result


def applied() -> dict[str, str]:
    """Variables :func:`apply_offline_environment` set in this process (the rest came from the user)."""
    return dict(_APPLIED)


def release_offline_flags(environ: MutableMapping[str, str] | None = None) -> list[str]:
    """Remove the offline flags codex-ml set (never ones the user set), for a command that must download.

    Call it before importing huggingface_hub, which reads the flags once. Returns the names removed.
    """
    env = os.environ if environ is None else environ
    removed = []
    for name in OFFLINE_FLAGS:
        if name in _APPLIED and env.get(name) == _APPLIED[name]:
            del env[name]
            del _APPLIED[name]
            removed.append(name)
    return removed


__all__ = [
    "ALLOW_NETWORK_VAR", "OFFLINE_FLAGS", "TELEMETRY_OFF", "applied", "apply_for_cli", "apply_offline_environment",
    "default_hf_home", "network_allowed", "release_offline_flags",
]
