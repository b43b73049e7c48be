"""What a preset needs installed, declared in the preset itself and checked before composing.

A primary config (``-cn NAME``) may hold a top-level ``requires`` key: requirement strings
(``distribution`` or ``distribution[extra]``), either as one list or per command::

    requires:
      evaluate: [acme-models, acme-data, acme-metrics]
      train: [acme-models[hf], acme-data, acme-metrics, acme-training, acme-rl]

When something is missing, the run stops before composing with one message naming every missing
distribution and extra and the pip command that installs them all. ``requires`` is removed from the
composed config.
"""
from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path
from typing import Any

from codex_ml.errors import ConfigError

KEY = "requires"
_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[\s*([A-Za-z0-9._-]+)\s*\])?\s*$")


def declared(config_file: Path, command: str | None) -> list[str]:
    """The requirements ``config_file`` declares for ``command`` (all commands' when None)."""
    import yaml

    try:
        data = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []  # composing reports unreadable configs with Hydra's own message
    value: Any = data.get(KEY) if isinstance(data, dict) else None
    if value is None:
        return []
    if isinstance(value, dict):
        lists = [value.get(command)] if command else list(value.values())
    else:
        lists = [value]
    found: list[str] = []
    for entries in lists:
        if entries is None:
            continue
        if not isinstance(entries, list) or not all(isinstance(e, str) for e in entries):
            raise ConfigError(f"{config_file}: '{KEY}' must be a list of requirement strings (distribution or "
                              f"distribution[extra]), or a mapping from command to such a list; found {entries!r}")
        found += [e for e in entries if e not in found]
    return found


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def unmet(requirement: str, where: str) -> str | None:
    """Why ``requirement`` is not satisfied (None when it is)."""
    match = _REQUIREMENT.match(requirement)
    if not match:
        raise ConfigError(f"{where}: {KEY} entry {requirement!r} is not 'distribution' or 'distribution[extra]'")
    name, extra = match.groups()
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return f"{name} is not installed"
    from codex_ml.plugins.manager import DISABLE_VAR, disabled_set

    if _canonical(name) in disabled_set():
        return f"{name} is disabled by {DISABLE_VAR}"
    if extra is None:
        return None
    from packaging.requirements import InvalidRequirement, Requirement

    missing = []
    for line in dist.requires or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.marker is None or not req.marker.evaluate({"extra": extra}) or req.marker.evaluate({"extra": ""}):
            continue
        try:
            version = metadata.version(req.name)
        except metadata.PackageNotFoundError:
            missing.append(req.name)
            continue
        if req.specifier and not req.specifier.contains(version, prereleases=True):
            missing.append(f"{req.name} {version} (needs {req.specifier})")
    if missing:
        return f"{name}[{extra}] needs {', '.join(missing)}"
    return None


def check(config_name: str, config_file: Path | None, command: str | None) -> None:
    """Raise one :class:`ConfigError` naming everything ``config_name`` needs and lacks."""
    if config_file is None or not config_file.is_file():
        return
    requirements = declared(config_file, command)
    problems = [(req, why) for req in requirements if (why := unmet(req, str(config_file))) is not None]
    if not problems:
        return
    reasons = "; ".join(why for _, why in problems)
    install = " ".join(f"'{req}'" if "[" in req else req for req, _ in problems)
    raise ConfigError(f"config {config_name!r} needs what is not installed or enabled ({reasons}). "
                      f"Install it with: pip install {install}")
