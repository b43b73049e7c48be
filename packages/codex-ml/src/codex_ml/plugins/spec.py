"""What a plugin registers: a name, a lazy reference to the implementation and what it needs.

Nothing here imports the implementation; :meth:`ComponentSpec.load` does that on first use.
"""
from __future__ import annotations

import importlib
import importlib.util
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.errors import MissingDependencyError
from codex_ml.kinds.declaration import DerivedView

#: Component kinds, in display order, with the singular word used in messages (from codex_ml.kinds).
KINDS: DerivedView[str] = DerivedView(lambda kind: kind.singular)

#: Distribution name used for components registered from user code rather than a plugin.
IN_PROCESS = "<in-process>"


def normalise_kind(kind: str) -> str:
    """Accept ``models``, ``model`` or ``reward-models`` and return the canonical plural kind."""
    key = kind.strip().lower().replace("-", "_").replace(" ", "_")
    if key in KINDS:
        return key
    for plural, singular in KINDS.items():
        if key == singular.lower().replace(" ", "_"):
            return plural
    raise ValueError(f"unknown component kind {kind!r}; expected one of: {', '.join(KINDS)}")


@dataclass(frozen=True)
class ComponentSpec:
    """One registered component.

    ``target`` is either ``"module:attr"`` (imported on first use) or the callable itself for
    in-process registrations. Calling the target with keyword arguments builds the component.
    ``requires`` lists importable modules the implementation needs; ``extra`` is the distribution
    extra that installs them, used for the install hint.
    """

    name: str
    kind: str
    target: str | Callable[..., Any]
    summary: str = ""
    requires: tuple[str, ...] = ()
    extra: str | None = None
    artifact: ArtifactSpec | None = None
    distribution: str = IN_PROCESS
    version: str = ""

    @property
    def target_ref(self) -> str:
        """The implementation as ``module:attr`` text, for display."""
        if isinstance(self.target, str):
            return self.target
        module = getattr(self.target, "__module__", "?")
        return f"{module}:{getattr(self.target, '__qualname__', repr(self.target))}"

    def missing_requirements(self, found: dict[str, bool] | None = None) -> list[str]:
        """Modules in ``requires`` that cannot be found, checked without importing them. ``found`` memoises
        the checks across components for one listing (many components share torch and transformers)."""
        found = {} if found is None else found
        missing = []
        for module in self.requires:
            if module not in found:
                try:
                    found[module] = importlib.util.find_spec(module) is not None
                except (ImportError, ValueError):
                    found[module] = False
            if not found[module]:
                missing.append(module)
        return missing

    def install_hint(self) -> str:
        if self.extra and self.distribution != IN_PROCESS:
            return f"pip install '{self.distribution}[{self.extra}]'"
        return "pip install " + " ".join(self.requires)

    def load(self) -> Callable[..., Any]:
        """Import and return the implementation, or explain which dependency is missing."""
        missing = self.missing_requirements()
        if missing:
            raise MissingDependencyError(
                f"{self.name} needs {', '.join(missing)}, which is not installed: {self.install_hint()}"
            )
        if "torch" in self.requires:
            # find_spec cannot tell a stub or partial torch from a real one; the implementation is about
            # to import torch anyway, so check it properly now rather than fail deep inside.
            from codex_ml.utils.torch_checks import check_torch

            status = check_torch()
            if not status.ok:
                raise MissingDependencyError(f"{self.name} needs a complete torch: {status.describe()}")
        if not isinstance(self.target, str):
            return self.target
        return load_target(self.target)

    def instantiate(self, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> Any:
        """Build the component. The core resolves its artefact here, once, and the factory receives the
        resolved location as ``path`` (``path`` given here is the explicit location the search starts with)."""
        factory = self.load()
        if self.artifact is not None:
            from codex_ml.artifacts.resolver import resolve

            kwargs["path"] = resolve(self.name, self.artifact, path)
        elif path is not None:
            kwargs["path"] = path
        return factory(**kwargs)


def load_target(target: str) -> Any:
    """Import ``"module:attr"`` (``attr`` may be dotted) and return the attribute."""
    module_name, _, attr_path = target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for attr in filter(None, attr_path.split(".")):
        obj = getattr(obj, attr)
    return obj


@dataclass
class _Registration:
    """Collects what one plugin registers for one kind; handed to hooks as ``register``."""

    kind: str
    distribution: str
    version: str
    specs: list[ComponentSpec] = field(default_factory=list)

    def __call__(
        self,
        name: str,
        target: str | Callable[..., Any],
        *,
        summary: str = "",
        requires: tuple[str, ...] | list[str] = (),
        extra: str | None = None,
        artifact: ArtifactSpec | None = None,
    ) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"component names must be non-empty strings, got {name!r}")
        if isinstance(target, str) and ":" not in target:
            raise ValueError(f"{name}: target must look like 'module:attr', got {target!r}")
        self.specs.append(
            ComponentSpec(
                name=name,
                kind=self.kind,
                target=target,
                summary=summary,
                requires=tuple(requires),
                extra=extra,
                artifact=artifact,
                distribution=self.distribution,
                version=self.version,
            )
        )
