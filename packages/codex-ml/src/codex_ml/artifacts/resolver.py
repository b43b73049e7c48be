"""The one artefact resolver.

Order: explicit argument -> the component's variable -> the kind's directory variable -> the seed
layout under the project root -> the fixture packaged in the distribution. A path the user named
(argument or variable) that does not exist is an error at once; nothing falls through silently.

The kind-directory and layout candidates join a relative path to a root; after resolving ``..`` and
symbolic links they must stay inside that root, else :class:`PathEscapeError` (``resolve``) or a
candidate marked with the problem (``inspect_locations``). To keep large weights elsewhere, point the
component's variable or the kind's directory variable at them instead of symlinking out of the layout.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from codex_ml import settings
from codex_ml.artifacts.paths import contained, escape_problem
from codex_ml.artifacts.spec import KIND_DIRECTORIES, ArtifactSpec
from codex_ml.errors import ArtifactNotFoundError, PathEscapeError

#: Files or folders whose presence marks the project root when walking up from the working directory.
ROOT_MARKERS = (".git", "pyproject.toml", "artifacts", "data")
PROJECT_ROOT_VAR = settings.PROJECT_ROOT


@dataclass(frozen=True)
class Candidate:
    """One place the resolver looked."""

    source: str  # "argument", "$VAR", "project layout", "packaged fixture"
    path: Path | None  # None: the variable is not set
    exists: bool
    problem: str | None = None  # why the location was refused (it escapes its root)


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
    explicit = settings.directory(PROJECT_ROOT_VAR)
    if explicit is not None:
        return explicit
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


def _explicit_path(spec: ArtifactSpec, explicit: str | os.PathLike[str], root: str | os.PathLike[str] | None) -> Path:
    path = Path(explicit).expanduser()
    if root is not None and not path.is_absolute():
        path = contained(root, path, what="configured path")
    return _complete(path, spec, appended=spec.filename)


def _plan(
    spec: ArtifactSpec, explicit: str | os.PathLike[str] | None, explicit_root: str | os.PathLike[str] | None
) -> list[tuple[str, Path | None, bool, Path | None]]:
    """``(source, path, user_named, root)``; ``root`` is what a joined relative path must stay inside."""
    plan: list[tuple[str, Path | None, bool, Path | None]] = []
    if explicit is not None:
        plan.append(("argument", _explicit_path(spec, explicit, explicit_root), True, None))
    value = settings.path(spec.env_var)
    plan.append((f"${spec.env_var}", _complete(value, spec, appended=spec.filename) if value else None, True, None))
    kind_root = settings.path(spec.dir_var)
    plan.append((f"${spec.dir_var}", kind_root / spec.relpath if kind_root else None, False, kind_root))
    root = project_root()
    plan.append(("project layout", root / spec.layout_path, False, root / KIND_DIRECTORIES[spec.dir_var]))
    packaged = _packaged(spec)
    if packaged is not None:
        plan.append(("packaged fixture", packaged, False, None))
    return plan


def _escape(path: Path, root: Path | None) -> str | None:
    return escape_problem(root, path) if root is not None else None


def inspect_locations(
    name: str, spec: ArtifactSpec, explicit: str | os.PathLike[str] | None = None,
    explicit_root: str | os.PathLike[str] | None = None,
) -> Resolution:
    """Check every location without raising; used by ``plugins show`` to mark the winner."""
    resolution = Resolution(name=name, path=None, source=None)
    for source, path, _, root in _plan(spec, explicit, explicit_root):
        if path is None:
            resolution.candidates.append(Candidate(source, None, False))
            continue
        problem = _escape(path, root)
        usable = problem is None and _usable(path, spec)
        resolution.candidates.append(Candidate(source, path, usable, problem))
        if usable and resolution.path is None:
            resolution.path, resolution.source = path, source
    return resolution


def resolve(
    name: str, spec: ArtifactSpec, explicit: str | os.PathLike[str] | None = None,
    explicit_root: str | os.PathLike[str] | None = None,
) -> Path:
    """Return the artefact path for component ``name`` or raise :class:`ArtifactNotFoundError`.

    Raises :class:`PathEscapeError` when a joined location leaves its root (``..`` or a symlink).
    """
    checked: list[str] = []
    for source, path, user_named, root in _plan(spec, explicit, explicit_root):
        if path is None:
            continue
        problem = _escape(path, root)
        if problem:
            raise PathEscapeError(
                f"{name}: refusing the {source} location: {problem}. Artefacts found through a directory "
                f"must stay inside it; point {spec.env_var} at the real location instead."
            )
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


def locate_in_root(name: str, spec: ArtifactSpec, root: str | os.PathLike[str]) -> Resolution:
    """Where ``spec``'s artefact sits in the seed layout under ``root`` only (``catalogue verify --root``).

    Variables and packaged fixtures are ignored; the location must stay inside ``root``'s kind folder.
    """
    base = Path(root).expanduser()
    path = base / spec.layout_path
    problem = escape_problem(base / KIND_DIRECTORIES[spec.dir_var], path)
    usable = problem is None and _usable(path, spec)
    resolution = Resolution(name=name, path=path if usable else None, source="--root" if usable else None)
    resolution.candidates.append(Candidate("--root", path, usable, problem))
    return resolution
