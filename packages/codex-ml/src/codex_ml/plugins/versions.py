"""Versions of the core and the installed plugin distributions, read from metadata without importing plugins."""
from __future__ import annotations

import functools
from importlib import metadata

from codex_ml.plugins.hookspecs import ENTRY_POINT_GROUP

CORE_DISTRIBUTION = "codex-ml"


@functools.lru_cache(maxsize=1)
def core_version() -> str:
    """The installed core's version, read once per process (discovery asks for it once per plugin)."""
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
