"""Progress bars only where someone is watching: tqdm on a terminal, nothing in pipes or with --quiet."""
from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def wanted(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty()


class _NoBar:
    def update(self, _n: float = 1) -> None:
        pass

    def close(self) -> None:
        pass


def bar(*, total: float | None, desc: str, quiet: bool, unit: str = "it", unit_scale: bool = False):
    """A manually advanced bar (``update(n)``, ``close()``); a no-op object when nobody is watching."""
    if not wanted(quiet):
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=sys.stderr, leave=False,
                dynamic_ncols=True)


def progress(items: Iterable[T], *, total: int | None, desc: str, quiet: bool) -> Iterator[T]:
    if not wanted(quiet):
        yield from items
        return
    from tqdm import tqdm

    yield from tqdm(items, total=total, desc=desc, file=sys.stderr, leave=False, dynamic_ncols=True)
