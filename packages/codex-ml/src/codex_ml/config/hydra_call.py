"""The one call into Hydra's compose API, shared by :mod:`.compose` and the error explanations in
:mod:`.messages` (which recompose to list the keys that exist).

Hydra's ``hydra.searchpath`` is honoured only from the primary config or the overrides, so the
distributions' fragment directories are passed as a ``hydra.searchpath=[...]`` override.
"""
from __future__ import annotations

from typing import Any

from codex_ml.config.searchpath import ConfigSource


def _searchpath_override(sources: list[ConfigSource], user_entries: list[str]) -> str:
    urls = [*user_entries, *(s.url for s in sources)]
    quoted = ",".join("'" + url.replace("'", "\\'") + "'" for url in urls)
    return f"hydra.searchpath=[{quoted}]"


def split_user_searchpath(overrides: list[str]) -> tuple[list[str], list[str]]:
    """Take a user's ``hydra.searchpath=[...]`` out of the overrides so it extends, not replaces, the
    installed distributions' paths. Returns (other overrides, the user's entries)."""
    kept: list[str] = []
    entries: list[str] = []
    for override in overrides:
        key, sep, value = override.partition("=")
        if sep and key.lstrip("+~") == "hydra.searchpath":
            entries += [item.strip().strip("'\"") for item in value.strip().strip("[]").split(",") if item.strip()]
        else:
            kept.append(override)
    return kept, entries


def compose_raw(config_name: str, overrides: list[str], sources: list[ConfigSource]) -> Any:
    """Hydra's compose with the distributions' directories on the search path; Hydra's own errors escape."""
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    main = main_source(config_name, sources)
    rest = [s for s in sources if s is not main]
    overrides, user_entries = split_user_searchpath(overrides)
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(main.directory), version_base="1.3", job_name="codex-ml"):
        return compose(config_name=config_name, overrides=[*overrides, _searchpath_override(rest, user_entries)],
                       return_hydra_config=True)


def main_source(config_name: str, sources: list[ConfigSource]) -> ConfigSource:
    """The first source holding the primary config: Hydra finds primaries only in the main directory."""
    for source in sources:
        directory = source.directory
        if directory is not None and (directory / f"{config_name}.yaml").is_file():
            return source
    return next(s for s in sources if s.provider == "codex-ml")
