"""The catalogue as installed: every registered component with an artefact, where it resolves and
whether it matches its manifest. Shared by ``codex-ml catalogue list|verify`` and ``codex-ml doctor``.

Only plugin registrations and the file system are read; no component implementation is imported.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from codex_ml.artifacts.hashcache import HashCache
from codex_ml.artifacts.manifest import Verification, read_manifest, verify
from codex_ml.artifacts.resolver import Resolution, inspect_locations
from codex_ml.errors import CodexMLError
from codex_ml.plugins.spec import ComponentSpec

PRESENT, MISSING, VERIFIED, UNVERIFIED, MODIFIED, INVALID = (
    "present", "missing", "verified", "unverified", "modified", "invalid",
)


@dataclass
class EntryStatus:
    """One catalogue entry's state.

    ``status``: present (found, no manifest), missing, verified, unverified (manifest found but a large
    file's digest is not cached yet: run ``catalogue verify``), modified, or invalid (the manifest or a
    location is unusable; ``detail`` says why).
    """

    spec: ComponentSpec
    resolution: Resolution
    status: str
    detail: str = ""
    verification: Verification | None = None

    @property
    def path(self) -> Path | None:
        return self.resolution.path


def catalogue_specs() -> list[ComponentSpec]:
    """Every registered component that declares an artefact, in kind then name order."""
    from codex_ml.plugins.registries import REGISTRIES

    return [spec for registry in REGISTRIES.values() for spec in registry.entries() if spec.artifact is not None]


def manifest_scope(path: Path, is_dir: bool) -> tuple[Path, list[str] | None]:
    """Where to look for the manifest of a resolved artefact, and which entries concern it.

    A directory artefact carries its own ``manifest.json``; a file artefact is covered by the manifest
    of the folder it sits in, restricted to that file's entry.
    """
    if is_dir:
        return path, None
    return path.parent, [path.name]


def entry_status(spec: ComponentSpec, *, quick: bool = True, cache: HashCache | None = None,
                 resolution: Resolution | None = None, trust_cache: bool = True) -> EntryStatus:
    """Resolve ``spec``'s artefact and check it against its manifest (``quick``, ``trust_cache``: see
    :func:`verify`)."""
    assert spec.artifact is not None
    resolution = resolution if resolution is not None else inspect_locations(spec.name, spec.artifact)
    if resolution.path is None:
        refused = [c.problem for c in resolution.candidates if c.problem]
        if refused:
            return EntryStatus(spec, resolution, INVALID, f"location refused: {refused[0]}")
        return EntryStatus(spec, resolution, MISSING)
    directory, only = manifest_scope(resolution.path, spec.artifact.is_dir)
    try:
        manifest = read_manifest(directory)
        if manifest is None or (only is not None and not set(only) & set(manifest.files)):
            return EntryStatus(spec, resolution, PRESENT, "no manifest")
        result = verify(directory, manifest=manifest, only=only, quick=quick, cache=cache, trust_cache=trust_cache)
    except (CodexMLError, OSError) as exc:
        return EntryStatus(spec, resolution, INVALID, str(exc))
    detail = "; ".join(result.problems()) if not result.ok else (
        f"{len(result.files)} file(s)" + ("" if result.complete else f", {len(result.with_status('unchecked'))} not hashed yet")
    )
    return EntryStatus(spec, resolution, result.status, detail, result)


__all__ = ["EntryStatus", "catalogue_specs", "entry_status", "manifest_scope"]
