"""The shape of a kind declaration and the live read-only views other modules derive from it."""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeVar

V = TypeVar("V")


@dataclass(frozen=True)
class Example:
    """The working component ``codex-ml plugins new --kind <kind>`` writes, and its test settings.

    ``source`` defines ``class_name``; ``suite_attributes`` are class-body lines added to the
    generated conformance test (indented by four spaces).
    """

    class_name: str
    source: str
    suite_attributes: str = ""


@dataclass(frozen=True)
class Kind:
    """One component kind.

    ``name`` is the plural registry name (``models``), ``singular`` the word used in messages,
    ``contract`` one line saying what a component provides (it becomes the hookspec's docstring),
    ``protocol`` the structural Protocol components satisfy, ``config_group`` the Hydra group that
    selects one (``model``), ``suite`` the conformance suite's class name in
    :mod:`codex_ml.testing.conformance` (``None``: a generic suite checking registration and the
    Protocol is generated) and ``example`` what the scaffold writes (``None``: a skeleton with the
    Protocol's methods is written).
    """

    name: str
    singular: str
    contract: str
    protocol: type
    config_group: str
    suite: str | None = None
    example: Example | None = None

    @property
    def hook(self) -> str:
        """The hookspec plugins implement to register components of this kind."""
        return f"register_{self.name}"


class DerivedView(Mapping[str, V]):
    """A read-only ``{kind name: value}`` mapping computed from the current declarations.

    Lets long-standing tables (``KINDS``, ``KIND_HOOKS``, ``PROTOCOLS``) keep their names while the
    declarations stay the only source: a kind declared later appears in every view at once.
    """

    def __init__(self, value: Callable[[Kind], V]) -> None:
        self._value = value

    def _kinds(self) -> dict[str, Kind]:
        from codex_ml import kinds

        return {kind.name: kind for kind in kinds.all_kinds()}

    def __getitem__(self, name: str) -> V:
        return self._value(self._kinds()[name])

    def __iter__(self) -> Iterator[str]:
        return iter(self._kinds())

    def __len__(self) -> int:
        return len(self._kinds())

    def __repr__(self) -> str:
        return repr(dict(self))
