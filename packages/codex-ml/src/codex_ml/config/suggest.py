"""Closest-match suggestions for config words, so a typo (``modle/offline/gpt2``) is an error that says
what was meant instead of a silently different run."""
from __future__ import annotations

import difflib
from collections.abc import Iterable

from codex_ml.config.arguments import Selection
from codex_ml.config.groups import config_groups
from codex_ml.config.searchpath import ConfigSource, group_options
from codex_ml.errors import ConfigError

#: Folders of the core's conf directory that hold primary configs (``-cn offline/catalogue``), not options.
PRIMARY_FOLDERS = frozenset({"offline"})


def closest(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    """Up to ``n`` candidates that look like ``word``, best first."""
    return difflib.get_close_matches(word, sorted(set(candidates)), n=n, cutoff=0.5)


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """`` Did you mean 'a' or 'b'?`` or an empty string."""
    matches = closest(word, candidates)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"


def known_groups(sources: list[ConfigSource]) -> list[str]:
    """Every config group: the pipeline's own plus any folder a search-path entry holds."""
    found = set(config_groups())
    for source in sources:
        directory = source.directory
        if directory is not None and directory.is_dir():
            found.update(p.name for p in directory.iterdir() if p.is_dir() and any(p.rglob("*.yaml")))
    return sorted(found - PRIMARY_FOLDERS)


def check_selections(selections: list[Selection], sources: list[ConfigSource]) -> None:
    """Refuse a bare ``GROUP/OPTION`` word whose group or option does not exist (Hydra would otherwise
    add it as a plain key and run the default stack)."""
    groups = known_groups(sources)
    for selection in selections:
        if selection.group not in groups:
            raise ConfigError(f"unknown config group {selection.group!r} in {selection.word!r}."
                              f"{did_you_mean(selection.group, groups)} Groups: {', '.join(groups)}")
        options = group_options(selection.group, sources)
        if selection.option not in options:
            listing = ", ".join(options) if options else "(none installed)"
            raise ConfigError(f"unknown option {selection.option!r} for group {selection.group!r} in "
                              f"{selection.word!r}.{did_you_mean(selection.option, options)} Options: {listing}")
