"""Versions of the core and the installed plugin distributions, read from metadata without importing plugins."""
from __future__ import annotations

from importlib import metadata

from codex_ml.plugins.hookspecs import ENTRY_POINT_GROUP

CORE_DISTRIBUTION = "codex-ml"


def core_version() -> str:
    try:
        return metadata.version(CORE_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def installed_distributions() -> list[tuple[str, str]]:
    """``[(name, version)]``: the core first, then each distribution publishing ``codex_ml`` entry points."""
    plugins: dict[str, str] = {}
    for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        if dist is not None:
            plugins.setdefault(dist.name, dist.version)
    return [(CORE_DISTRIBUTION, core_version()), *sorted(plugins.items())]
