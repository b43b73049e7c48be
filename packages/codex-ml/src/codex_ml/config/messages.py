"""Error messages for config failures: Hydra's own reason, then what the user can choose instead.

Hydra lists only the top-level options of the main config directory; these messages list every
option across the search path, say which distribution provides each, and name the distribution to
install when an option is missing (from the preset's ``requires``; see config/requirements.py).
"""
from __future__ import annotations

import re

from codex_ml.config.groups import config_groups
from codex_ml.config.hydra_call import compose_raw
from codex_ml.config.searchpath import ConfigSource, group_options, primary_configs
from codex_ml.config.suggest import did_you_mean

GRAMMAR_HINT = ("Override grammar: key=value, group=option, +key=value (add), ++key=value (add or replace), "
                "~key (delete), GROUP/OPTION (select an option); see docs/usage.md.")


def _hydra_reason(exc: BaseException) -> str:
    """Hydra's message without its search-path dump and option list (we print our own)."""
    text = str(exc).strip()
    for marker in ("\nAvailable options", "\nConfig search path", "\nSee https://hydra.cc"):
        text = text.split(marker, 1)[0]
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause).strip() and str(cause).strip() not in text:
        first = str(cause).strip().splitlines()[0]
        if first not in text:
            text += f"\n  ({type(cause).__name__}: {first})"
    return text.strip()


def _suggestion(word: str, candidates) -> str:
    hint = did_you_mean(word, candidates)
    return "\n" + hint.strip() if hint else ""


def _listing(options: dict[str, str]) -> str:
    if not options:
        return "  (none)"
    return "\n".join(f"  {option:<28} {provider}" for option, provider in options.items())


def _missing_config(exc: BaseException, config_name: str, sources: list[ConfigSource]) -> str:
    missing = (getattr(exc, "missing_cfg_file", None) or "").strip("/").removesuffix(".yaml")
    reason = _hydra_reason(exc)
    group = missing.split("/", 1)[0] if "/" in missing else ""
    if group and missing != config_name and (group in config_groups() or group_options(group, sources)):
        option = missing[len(group) + 1:]
        return "\n".join([
            reason + _suggestion(option, group_options(group, sources)),
            f"Available options for '{group}' (option, distribution):", _listing(group_options(group, sources)),
            (f"No installed distribution ships '{missing}': install the one that does (a preset names them under "
             f"'requires'), or check that its plugin loaded (`codex-ml plugins list`)."),
        ])
    primaries = primary_configs(sources, config_groups())
    return "\n".join([reason + _suggestion(config_name, primaries), "Available configs for -cn (config, distribution):",
                      _listing(primaries)])


def _bad_key(exc: BaseException, config_name: str, overrides: list[str], sources: list[ConfigSource]) -> str:
    reason = _hydra_reason(exc)
    match = re.search(r"Could not (?:override|delete from config|append to config)[^']*'([^']+)'", str(exc))
    if not match:
        return reason
    key = match.group(1)
    parent, _, _ = key.rpartition(".")
    keys = _keys_at(parent, config_name, [o for o in overrides if key not in o], sources)
    if keys is None:
        return reason
    where = f"'{parent}'" if parent else "the top level"
    reason += _suggestion(key.rpartition(".")[2], keys)
    return f"{reason}\nKeys at {where}: {', '.join(keys) if keys else '(none)'}"


def _keys_at(parent: str, config_name: str, overrides: list[str], sources: list[ConfigSource]) -> list[str] | None:
    from omegaconf import OmegaConf

    try:
        cfg = compose_raw(config_name, overrides, sources)
        node = OmegaConf.select(cfg, parent) if parent else cfg
    except Exception:  # noqa: BLE001 - only a hint; the main message stands on its own
        return None
    if not OmegaConf.is_dict(node):
        return None
    return sorted(k for k in node if k != "hydra")


def explain(exc: BaseException, config_name: str, overrides: list[str], sources: list[ConfigSource]) -> str:
    """One readable message for any failure raised while composing."""
    from hydra.errors import MissingConfigException, OverrideParseException

    if isinstance(exc, MissingConfigException):
        body = _missing_config(exc, config_name, sources)
    elif isinstance(exc, OverrideParseException):
        override = getattr(exc, "override", None)
        where = f"cannot parse override {override!r}: " if override else ""
        body = f"{where}{_hydra_reason(exc)}\n{GRAMMAR_HINT}"
    else:
        body = _bad_key(exc, config_name, overrides, sources)
    return f"config {config_name!r}: {body}"
