"""One registry per declared component kind (see codex_ml.kinds).

    from codex_ml.plugins.registries import models
    model = models.resolve_and_instantiate("offline:tiny-sequence")

Discovery runs on first use, not at import.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.kinds.declaration import DerivedView
from codex_ml.plugins.manager import PluginHost, get_host
from codex_ml.plugins.spec import IN_PROCESS, KINDS, ComponentSpec


class Registry:
    """Names of one component kind, resolved lazily to implementations."""

    def __init__(self, kind: str, host: Callable[[], PluginHost] = get_host) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown component kind {kind!r}")
        self.kind = kind
        self._host = host

    def __repr__(self) -> str:
        return f"<Registry {self.kind}>"

    def __contains__(self, name: object) -> bool:
        return name in self._host().specs(self.kind)

    def names(self) -> list[str]:
        """Every registered name, sorted (conflicting names included)."""
        return sorted(self._host().specs(self.kind))

    def entries(self) -> list[ComponentSpec]:
        """Every registration, including both sides of a conflict."""
        return [spec for name in self.names() for spec in self._host().specs(self.kind)[name]]

    def get(self, name: str, *, provider: str | None = None) -> ComponentSpec:
        """Look an entry up without building it (raises on unknown or conflicting names; ``provider``, a
        distribution name, picks one side of a conflict)."""
        return self._host().lookup(self.kind, name, provider)

    def load(self, name: str) -> Callable[..., Any]:
        """Import the implementation's factory."""
        return self.get(name).load()

    def resolve_and_instantiate(self, name: str, /, **kwargs: Any) -> Any:
        """Build component ``name``; its artefact is resolved (``path`` starts the search), the rest of the
        keyword arguments go to its factory."""
        return self.get(name).instantiate(**kwargs)

    def register(
        self,
        name: str,
        target: str | Callable[..., Any],
        *,
        summary: str = "",
        requires: tuple[str, ...] = (),
        extra: str | None = None,
        artifact: ArtifactSpec | None = None,
        replace: bool = False,
    ) -> ComponentSpec:
        """Register an in-process component (user code, tests). Returns its spec."""
        spec = ComponentSpec(
            name=name, kind=self.kind, target=target, summary=summary, requires=tuple(requires),
            extra=extra, artifact=artifact, distribution=IN_PROCESS,
        )
        self._host().add(spec, replace=replace)
        return spec

    def unregister(self, name: str) -> None:
        self._host().remove(self.kind, name)


class _Registries(DerivedView[Registry]):
    """``{kind: Registry}`` for every declared kind; one Registry object per kind, made on first use."""

    def __init__(self) -> None:
        self._made: dict[str, Registry] = {}
        super().__init__(lambda kind: self._made.setdefault(kind.name, Registry(kind.name)))


#: Every registry by kind name, derived from the kind declarations in codex_ml.kinds.
REGISTRIES: Mapping[str, Registry] = _Registries()

# The built-in kinds' registries as module attributes (``from codex_ml.plugins.registries import models``).
tokenizers = REGISTRIES["tokenizers"]
models = REGISTRIES["models"]
datasets = REGISTRIES["datasets"]
metrics = REGISTRIES["metrics"]
trainers = REGISTRIES["trainers"]
reward_models = REGISTRIES["reward_models"]
rl_agents = REGISTRIES["rl_agents"]


def __getattr__(name: str) -> Registry:
    """Registries of kinds declared later are attributes too."""
    if name in REGISTRIES:
        return REGISTRIES[name]
    raise AttributeError(f"module 'codex_ml.plugins.registries' has no attribute {name!r}")
