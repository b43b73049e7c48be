"""The seven component registries.

    from codex_ml.plugins.registries import models
    model = models.resolve_and_instantiate("offline:tiny-sequence")

Discovery runs on first use, not at import.
"""
from __future__ import annotations

from typing import Any, Callable

from codex_ml.artifacts.spec import ArtifactSpec
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
        """Build component ``name``; keyword arguments go to its factory."""
        return self.load(name)(**kwargs)

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


tokenizers = Registry("tokenizers")
models = Registry("models")
datasets = Registry("datasets")
metrics = Registry("metrics")
trainers = Registry("trainers")
reward_models = Registry("reward_models")
rl_agents = Registry("rl_agents")

REGISTRIES: dict[str, Registry] = {
    "tokenizers": tokenizers,
    "models": models,
    "datasets": datasets,
    "metrics": metrics,
    "trainers": trainers,
    "reward_models": reward_models,
    "rl_agents": rl_agents,
}
