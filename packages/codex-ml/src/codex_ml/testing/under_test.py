"""Which plugin distribution a pytest session is testing, and a host that loads only that one.

A plugin author's tests should fail for their plugin's faults only: another installed package that
registers a clashing name (or fails to load) must not break them. So when pytest runs in a project
whose ``pyproject.toml`` names an installed distribution with ``codex_ml`` entry points, the session's
plugin host loads that distribution's plugins and records every other one as disabled.

Choose explicitly with the ini option ``codex_ml_plugin_under_test = NAME``; turn it off with
``--codex-ml-all-plugins`` (or ``codex_ml_plugin_under_test = *``) to test against everything installed.
Only importlib.metadata and the TOML reader are used until a plugin under test is found.
"""
from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path

ENTRY_POINT_GROUP = "codex_ml"
INI_NAME = "codex_ml_plugin_under_test"
ALL_OPTION = "--codex-ml-all-plugins"


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_name(rootpath: Path) -> str | None:
    """``[project] name`` of ``rootpath/pyproject.toml``, if there is one."""
    path = Path(rootpath) / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore[no-redef]
        except ModuleNotFoundError:
            match = re.search(r'^\s*name\s*=\s*"([^"]+)"', path.read_text(encoding="utf-8"), re.MULTILINE)
            return match.group(1) if match else None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    name = (data.get("project") or {}).get("name")
    return name if isinstance(name, str) else None


def is_plugin_distribution(name: str) -> bool:
    """Whether ``name`` is installed and publishes ``codex_ml`` entry points."""
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return any(ep.group == ENTRY_POINT_GROUP for ep in dist.entry_points)


def distribution_under_test(rootpath: Path, chosen: str = "", all_plugins: bool = False) -> str | None:
    """The distribution to isolate: ``chosen`` (ini), else the project's own name when it is a plugin."""
    if all_plugins or chosen.strip() == "*":
        return None
    name = chosen.strip() or project_name(rootpath)
    return name if name and is_plugin_distribution(name) else None


@contextlib.contextmanager
def only_distribution(name: str) -> Iterator[object]:
    """Install, for the block, a host that loads ``name``'s plugins and disables every other distribution's."""
    from codex_ml.plugins import manager

    entry_points = list(metadata.entry_points(group=ENTRY_POINT_GROUP))
    others = {ep.dist.name for ep in entry_points if ep.dist is not None and _canonical(ep.dist.name) != _canonical(name)}
    previous = manager._HOST
    host = manager.PluginHost()
    host.load_entry_points(entry_points, disabled=others)
    manager.reset_host(host)
    try:
        yield host
    finally:
        manager.reset_host(previous)
