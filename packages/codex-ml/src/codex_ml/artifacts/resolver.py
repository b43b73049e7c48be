"""The one artefact resolver.

Order: explicit argument -> the component's variable -> the kind's directory variable -> the seed
layout under the project root -> the fixture packaged in the distribution. A path the user named
(argument or variable) that does not exist is an error at once; nothing falls through silently.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.errors import ArtifactNotFoundError

#: Files or folders whose presence marks the project root when walking up from the working directory.
ROOT_MARKERS = (".git", "pyproject.toml", "artifacts", "data")
PROJECT_ROOT_VAR = "CODEX_ML_PROJECT_ROOT"


@dataclass(frozen=True)
class Candidate:
    """One place the resolver looked."""

    source: str  # "argument", "$VAR", "project layout", "packaged fixture"
    path: Path | None  # None: the variable is not set
    exists: bool


@dataclass
class Resolution:
    """The outcome of a search: the winning path and every location considered, in order."""

    name: str
    path: Path | None
    source: str | None
    candidates: list[Candidate] = field(default_factory=list)


def project_root(start: Path | None = None) -> Path:
    """``$CODEX_ML_PROJECT_ROOT``, else the nearest ancestor of ``start`` (default: cwd) holding a root marker.

    Falls back to ``start`` itself when no ancestor has a marker.
    """
    explicit = os.environ.get(PROJECT_ROOT_VAR)
    if explicit:
        return Path(explicit).expanduser()
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        if any((candidate / marker).exists() for marker in ROOT_MARKERS):
            return candidate
    return here


def _complete(path: Path, spec: ArtifactSpec, *, appended: str) -> Path:
    """Accept a file or its directory: for file artefacts a directory gets ``appended`` added."""
    if not spec.is_dir and path.is_dir():
        return path / appended
    return path


def _usable(path: Path, spec: ArtifactSpec) -> bool:
    if spec.is_dir:
        return path.is_dir() and all((path / name).is_file() for name in spec.required)
    return path.is_file()


def _packaged(spec: ArtifactSpec) -> Path | None:
    if spec.package is None or spec.fixture_path is None:
        return None
    try:
        traversable = resources.files(spec.package).joinpath(spec.fixture_path)
    except (ModuleNotFoundError, TypeError):
        return None
    return Path(str(traversable))


def search_plan(
    name: str, spec: ArtifactSpec, explicit: str | os.PathLike[str] | None = None
) -> list[tuple[str, Path | None, bool]]:
    """Every location in resolution order as ``(source, path, user_named)``; nothing is checked yet.

    Unset variables appear with ``path=None`` so listings can show them; the search skips them.
    """
    plan: list[tuple[str, Path | None, bool]] = []
    if explicit is not None:
        plan.append(("argument", _complete(Path(explicit).expanduser(), spec, appended=spec.filename), True))
    value = os.environ.get(spec.env_var)
    plan.append((f"${spec.env_var}", _complete(Path(value).expanduser(), spec, appended=spec.filename) if value else None, True))
    kind_dir = os.environ.get(spec.dir_var)
    plan.append((f"${spec.dir_var}", Path(kind_dir).expanduser() / spec.relpath if kind_dir else None, False))
    plan.append(("project layout", project_root() / spec.layout_path, False))
    packaged = _packaged(spec)
    if packaged is not None:
        plan.append(("packaged fixture", packaged, False))
    return plan


def inspect_locations(name: str, spec: ArtifactSpec, explicit: str | os.PathLike[str] | None = None) -> Resolution:
    """Check every location without raising; used by ``plugins show`` to mark the winner."""
    resolution = Resolution(name=name, path=None, source=None)
    for source, path, _ in search_plan(name, spec, explicit):
        if path is None:
            resolution.candidates.append(Candidate(source, None, False))
            continue
        usable = _usable(path, spec)
        resolution.candidates.append(Candidate(source, path, usable))
        if usable and resolution.path is None:
            resolution.path, resolution.source = path, source
    return resolution


def resolve(name: str, spec: ArtifactSpec, explicit: str | os.PathLike[str] | None = None) -> Path:
    """Return the artefact path for component ``name`` or raise :class:`ArtifactNotFoundError`."""
    checked: list[str] = []
    for source, path, user_named in search_plan(name, spec, explicit):
        if path is None:
            continue
        if _usable(path, spec):
            return path
        checked.append(f"  {len(checked) + 1}. {source}: {path}{_why_unusable(path, spec)}")
        if user_named:
            raise ArtifactNotFoundError(
                f"{name}: {source} points to {path}{_why_unusable(path, spec)}.\n"
                f"Fix the path, or unset it to use the default search ({spec.env_var}, {spec.dir_var}, "
                f"{spec.layout_path} under the project root)."
            )
    raise ArtifactNotFoundError(
        f"{name}: artefact not found. Searched, in order:\n" + "\n".join(checked)
        + f"\nPoint {spec.env_var} at the {'directory' if spec.is_dir else 'file'}, set {spec.dir_var} "
        f"to a folder holding {spec.relpath}, or place it at {spec.layout_path} under the project root."
    )


def _why_unusable(path: Path, spec: ArtifactSpec) -> str:
    if not path.exists():
        return " (does not exist)"
    if spec.is_dir:
        if not path.is_dir():
            return " (is not a directory)"
        missing = [name for name in spec.required if not (path / name).is_file()]
        return f" (missing {', '.join(missing)})" if missing else ""
    return " (is not a file)" if not path.is_file() else ""
