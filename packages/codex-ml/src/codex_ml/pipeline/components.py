"""From a config node to a built component, in two steps so a run fails before doing any work.

A component node looks like ``{plugin: offline:gpt2, path: ..., kwargs: {...}, <setting>: ...}``:

- ``plugin`` is the registered name; ``name``, when set, replaces it and is matched exactly, then
  case-insensitively, then, for a name without a namespace, as the one registered ``<namespace>:<name>``
  (so ``model.name=MiniLM`` finds ``offline:minilm`` while no other namespace has a ``minilm``);
- ``path`` (or ``name_or_path``, which wins) is the explicit artefact location; the shared resolver
  does the rest of the search, so resolution is identical to the registries';
- ``kwargs`` and every other non-null key are keyword arguments of the component's factory
  (null means "the component's own default").

:func:`plan` looks every component up and resolves every artefact without importing anything;
:func:`check_dependencies` then reports missing optional dependencies; :func:`build` imports and calls.
"""
from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codex_ml.artifacts.resolver import resolve
from codex_ml.errors import ComponentConfigError, UnknownComponentError
from codex_ml.plugins.registries import REGISTRIES
from codex_ml.plugins.spec import KINDS, ComponentSpec

RESERVED = ("plugin", "name", "path", "name_or_path", "kwargs", "provider")


@dataclass
class Planned:
    """A component looked up and its artefact located, not yet built."""

    role: str  # config key: model, tokenizer, dataset_loader, metrics.accuracy, ...
    kind: str  # registry kind: models, tokenizers, ...
    spec: ComponentSpec
    artefact: Path | None
    path_setting: str | None
    kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def read_path(self) -> Path | None:
        """What the component reads from disk: its resolved artefact, or an existing path it was given."""
        if self.artefact is not None:
            return self.artefact
        if self.path_setting is not None and Path(self.path_setting).expanduser().exists():
            return Path(self.path_setting).expanduser().resolve()
        return None


def _lookup(kind: str, wanted: str, provider: str | None = None) -> ComponentSpec:
    registry = REGISTRIES[kind]
    if wanted in registry:
        return registry.get(wanted, provider=provider)
    names = registry.names()
    folded = [n for n in names if n.lower() == wanted.lower()]
    if not folded and ":" not in wanted:
        folded = [n for n in names if n.partition(":")[2].lower() == wanted.lower()]
    if len(folded) == 1:
        return registry.get(folded[0], provider=provider)
    return registry.get(wanted)  # raises UnknownComponentError with the available names


def plan(role: str, kind: str, node: Mapping[str, Any] | None) -> Planned:
    """Look ``node``'s component up and resolve its artefact; raises before any work is done."""
    label = KINDS[kind]
    if not isinstance(node, Mapping) or not (node.get("name") or node.get("plugin")):
        raise ComponentConfigError(
            f"no {label} configured at '{role}': set {role}.plugin=<registered name> or choose a config option "
            f"(see `codex-ml plugins list {kind}`)"
        )
    wanted = str(node.get("name") or node["plugin"])
    try:
        spec = _lookup(kind, wanted, str(node["provider"]) if node.get("provider") else None)
    except UnknownComponentError as exc:
        raise UnknownComponentError(f"{role}: {exc}") from None
    kwargs = dict(node.get("kwargs") or {})
    if not isinstance(node.get("kwargs") or {}, Mapping):
        raise ComponentConfigError(f"{role}.kwargs must be a mapping, found {node.get('kwargs')!r}")
    kwargs.update({k: v for k, v in node.items() if k not in RESERVED and v is not None})
    path_setting = node.get("name_or_path") or node.get("path")
    artefact = None
    if spec.artifact is not None:
        artefact = resolve(spec.name, spec.artifact, path_setting)
    return Planned(role, kind, spec, artefact, str(path_setting) if path_setting is not None else None, kwargs)


def check_dependencies(planned: list[Planned]) -> None:
    """Raise one error listing every component whose optional dependencies are missing, ending with the one
    ``pip install`` line that installs them all (a distribution's extra when it declares one)."""
    problems, requirements = [], []
    for p in planned:
        missing = p.spec.missing_requirements()
        if not missing:
            continue
        problems.append(f"{p.role} ({p.name}) needs {', '.join(missing)}")
        for requirement in p.spec.install_hint().removeprefix("pip install ").split():
            if requirement not in requirements:
                requirements.append(requirement)
    if problems:
        from codex_ml.errors import MissingDependencyError

        raise MissingDependencyError("missing dependencies:\n  " + "\n  ".join(problems)
                                     + "\nInstall everything with: pip install " + " ".join(requirements))


def accepts(factory: Any, keyword: str) -> bool:
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):
        return False
    return keyword in parameters or any(p.kind is p.VAR_KEYWORD for p in parameters.values())


def build(planned: Planned, **extra: Any) -> Any:
    """Import the factory and call it with the resolved artefact path and the node's settings."""
    factory = planned.spec.load()
    kwargs = {**planned.kwargs, **extra}
    if planned.artefact is not None:
        kwargs["path"] = str(planned.artefact)
    elif planned.path_setting is not None and accepts(factory, "path"):
        kwargs["path"] = planned.path_setting
    try:
        return factory(**kwargs)
    except TypeError as exc:
        if "argument" in str(exc) and not _accepts_all(factory, kwargs):
            raise ComponentConfigError(f"{planned.role} ({planned.name}): {exc}") from exc
        raise


def _accepts_all(factory: Any, kwargs: Mapping[str, Any]) -> bool:
    return all(accepts(factory, key) for key in kwargs)


def plan_all(requests: list[tuple[str, str, Mapping[str, Any] | None]]) -> list[Planned]:
    """:func:`plan` every ``(role, kind, node)``; missing artefacts are reported together, in one error."""
    from codex_ml.errors import ArtifactNotFoundError

    planned: list[Planned] = []
    missing: list[str] = []
    for role, kind, node in requests:
        try:
            planned.append(plan(role, kind, node))
        except ArtifactNotFoundError as exc:
            missing.append(f"[{role}] {exc}")
    if missing:
        raise ArtifactNotFoundError("\n\n".join(missing))
    check_dependencies(planned)
    return planned
