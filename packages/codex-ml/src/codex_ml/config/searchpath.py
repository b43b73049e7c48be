"""Where configs come from: the core's own ``conf`` directory, an optional user directory and every
directory installed distributions return from the ``config_searchpath`` hook.

Also lists the options of a group across all of them, since Hydra's own message lists only the
top-level entries of the main directory.
"""
from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Union

CORE_CONF = Path(__file__).resolve().parent / "conf"
CORE_SOURCE = "codex-ml"


@dataclass(frozen=True)
class ConfigSource:
    """One search-path entry and the distribution (or ``user``) it came from."""

    provider: str
    url: str  # file:///abs/dir or pkg://package.path

    @property
    def directory(self) -> Path | None:
        """The entry as a local directory, when it can be read as one."""
        if self.url.startswith("file://"):
            return Path(self.url[len("file://"):])
        if self.url.startswith("pkg://"):
            try:
                return Path(str(resources.files(self.url[len("pkg://"):])))
            except (ModuleNotFoundError, TypeError, ValueError):
                return None
        return None


def _as_url(value: str) -> str:
    if value.startswith(("pkg://", "file://")):
        return value
    return "file://" + str(Path(value).expanduser().resolve())


#: What ``config_searchpath`` may return: one directory (path or ``file://`` URL), a ``pkg://package.path``
#: URL, or None when the distribution ships no configs.
SearchPathEntry = Union[str, "os.PathLike[str]", None]


def checked_entry(provider: str, value: object) -> str | None:
    """The hook's return value as a search-path URL, or a :class:`ConfigError` saying what was wrong.

    Anything but a str, an ``os.PathLike`` or None is refused (a list used to be turned into the string
    ``"['a', 'b']"`` and silently searched as a directory of that name); so is a directory that does not exist.
    """
    from codex_ml.errors import ConfigError

    if value is None or value == "":
        return None
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    if not isinstance(value, str):
        raise ConfigError(
            f"plugin {provider}: config_searchpath() returned {type(value).__name__} {value!r}; it must return one "
            "directory (str or pathlib.Path, absolute, or a file:// URL), a pkg://package.path URL, or None. "
            f"Fix the plugin, or disable it with CODEX_ML_DISABLE_PLUGINS={provider}")
    url = _as_url(value)
    directory = ConfigSource(provider, url).directory
    if url.startswith("file://") and (directory is None or not directory.is_dir()):
        raise ConfigError(f"plugin {provider}: config_searchpath() returned {value!r}, which is not a directory. "
                          f"Fix the plugin, or disable it with CODEX_ML_DISABLE_PLUGINS={provider}")
    return url


def plugin_sources() -> list[ConfigSource]:
    """Search-path entries from every loaded plugin implementing ``config_searchpath``, in load order.

    A plugin whose hook raises is skipped with a warning naming it (discovery already isolates plugins that
    fail to load); one that returns the wrong type or a missing directory is an error naming it (see
    :func:`checked_entry`).
    """
    from codex_ml.plugins.manager import get_host

    host = get_host()
    sources: list[ConfigSource] = []
    for impl in host.pm.hook.config_searchpath.get_hookimpls():  # registration order
        try:
            value = impl.function()
        except Exception as exc:  # noqa: BLE001 - a broken hook must not block composition
            warnings.warn(f"{impl.plugin_name}: config_searchpath raised {type(exc).__name__}: {exc}; "
                          "its config fragments are not on the search path", stacklevel=2)
            continue
        provider = impl.plugin_name.partition(":")[0]
        url = checked_entry(provider, value)
        if url is not None:
            sources.append(ConfigSource(provider, url))
    return sources


def all_sources(user_dir: str | None = None) -> list[ConfigSource]:
    """Every search-path entry, highest priority first: user directory, core, then plugins."""
    sources = [ConfigSource("user", _as_url(user_dir))] if user_dir else []
    sources.append(ConfigSource(CORE_SOURCE, _as_url(str(CORE_CONF))))
    return sources + plugin_sources()


def _yaml_files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        yield from sorted(p for p in root.rglob("*.yaml") if p.is_file())


def group_options(group: str, sources: list[ConfigSource]) -> dict[str, str]:
    """``{option: provider}`` for ``group`` (e.g. ``offline/gpt2`` for ``model/offline/gpt2.yaml``)."""
    found: dict[str, str] = {}
    for source in sources:
        directory = source.directory
        if directory is None:
            continue
        base = directory / group
        for path in _yaml_files(base):
            found.setdefault(path.relative_to(base).with_suffix("").as_posix(), source.provider)
    return dict(sorted(found.items()))


def primary_configs(sources: list[ConfigSource], groups: tuple[str, ...]) -> dict[str, str]:
    """``{config_name: provider}`` for configs usable with ``-cn`` (anything outside the groups)."""
    found: dict[str, str] = {}
    for source in sources:
        directory = source.directory
        if directory is None:
            continue
        for path in _yaml_files(directory):
            relative = path.relative_to(directory)
            if relative.parts[0] in groups:
                continue
            found.setdefault(relative.with_suffix("").as_posix(), source.provider)
    return dict(sorted(found.items()))
