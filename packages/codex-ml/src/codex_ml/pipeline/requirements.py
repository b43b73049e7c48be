"""Everything a run needs that is not installed, found before anything is built and reported in one
message with the one ``pip install`` line that fixes it.

Two things can be missing: a distribution (the config chose an option only it ships, see
``Composed.missing``; or a component name it registers) and an optional package a chosen component needs
(its ``requires``). Only the roles the command uses are checked: ``evaluate`` needs the model, the
evaluation set and the metrics, never the training or rl distributions.
"""
from __future__ import annotations

from typing import Any, Mapping

from codex_ml.errors import MissingDependencyError

#: Config-group key (as recorded in ``Composed.missing``) -> the run roles it fills.
GROUP_ROLES: dict[str, tuple[str, ...]] = {
    "data": ("dataset_loader",),
    "evaluation": ("evaluation.dataset",),
    "interfaces": ("reward_model", "rl_agent"),
}


def _roles_of(group_key: str) -> tuple[str, ...]:
    return GROUP_ROLES.get(group_key, (group_key,))


def _quoted(requirement: str) -> str:
    return f"'{requirement}'" if "[" in requirement else requirement


def missing_for(requests: list[tuple[str, str, Mapping[str, Any] | None]],
                composed_missing: Mapping[str, tuple[str, str]]) -> tuple[list[str], list[str]]:
    """``(problems, requirements)``: one line per missing thing, and what ``pip install`` needs, in order."""
    from codex_ml.plugins.registries import REGISTRIES

    roles = {role for role, _kind, _node in requests}
    problems: list[str] = []
    requirements: list[str] = []

    def need(requirement: str) -> None:
        if requirement not in requirements:
            requirements.append(requirement)

    for group_key, (option, distribution) in composed_missing.items():
        used = [role for role in _roles_of(group_key) if role in roles]
        if used:
            problems.append(f"{', '.join(used)}: option {option} is shipped by {distribution}, which is not installed "
                            "or did not load")
            need(distribution)
    for role, kind, node in requests:
        if not isinstance(node, Mapping) or not (node.get("name") or node.get("plugin")):
            continue
        name = str(node.get("name") or node["plugin"])
        registry = REGISTRIES[kind]
        if name not in registry:
            continue  # planning reports unknown names with the registered ones
        try:
            spec = registry.get(name, provider=str(node["provider"]) if node.get("provider") else None)
        except Exception:  # noqa: BLE001 - conflicts are reported by planning, with their own remedy
            continue
        modules = spec.missing_requirements()
        if modules:
            problems.append(f"{role} ({name}) needs {', '.join(modules)}")
            hint = spec.install_hint().removeprefix("pip install ")
            for requirement in hint.split():
                need(requirement.strip("'"))
    return problems, requirements


def check_requirements(requests: list[tuple[str, str, Mapping[str, Any] | None]],
                       composed_missing: Mapping[str, tuple[str, str]]) -> None:
    """Raise one :class:`MissingDependencyError` naming everything missing for ``requests``."""
    problems, requirements = missing_for(requests, composed_missing)
    if problems:
        command = "pip install " + " ".join(_quoted(r) for r in requirements)
        raise MissingDependencyError("this run needs what is not installed:\n  " + "\n  ".join(problems)
                                     + f"\nInstall everything with: {command}")
