"""Turning command-line words into Hydra overrides.

Everything Hydra's grammar accepts passes through untouched (``key=value``, ``group=option``,
``+key=value``, ``++key=value``, ``~key``). A bare ``GROUP/OPTION`` word (no ``=``) selects that option:
it replaces the group's current choice, or adds the group when the config has none; a bare
``metrics/...`` word adds one more metric beside those already chosen.
"""
from __future__ import annotations

from dataclasses import dataclass

from codex_ml.errors import ConfigError

#: The group whose options accumulate instead of replacing each other.
MULTI_GROUP = "metrics"


@dataclass(frozen=True)
class Selection:
    """A bare ``GROUP/OPTION`` word."""

    word: str
    group: str
    option: str

    @property
    def multi_key(self) -> str:
        """The defaults-list key of a metrics option: each metric gets its own package."""
        return f"{self.group}@{self.group}.{self.option.rsplit('/', 1)[-1]}"

    def to_override(self, choices: dict[str, object]) -> str:
        """The Hydra override for this selection given the groups already chosen."""
        key = self.multi_key if self.group == MULTI_GROUP else self.group
        prefix = "" if key in choices else "+"
        return f"{prefix}{key}={self.option}"


def split_arguments(words: list[str]) -> tuple[list[str], list[Selection]]:
    """Separate Hydra overrides from bare ``GROUP/OPTION`` selections, keeping each list's order."""
    overrides: list[str] = []
    selections: list[Selection] = []
    for word in words:
        if "=" in word or word.startswith("~"):
            overrides.append(word)
            continue
        group, _, option = word.strip("/").partition("/")
        if not group or not option:
            raise ConfigError(
                f"cannot read {word!r}: expected key=value, group=option, +key=value, ~key or GROUP/OPTION "
                "(for example model=offline/gpt2 or metrics/offline/weighted_accuracy)"
            )
        selections.append(Selection(word, group, option))
    return overrides, selections
