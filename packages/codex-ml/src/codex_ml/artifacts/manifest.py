"""``manifest.json``: the size and SHA-256 of every file in an artefact directory.

Written where artefacts are fetched or synthesised, checked again on the air-gapped host, so a run
uses exactly the bytes that were prepared. Format (extra top-level keys are kept and ignored)::

    {"schema_version": 1, "name": "gpt2", "source": "synth", "revision": null,
     "files": {"config.json": {"size": 665, "sha256": "<hex>"}, ...}}

Loaders call :func:`check_manifest` before reading weights: a directory without a manifest passes,
one whose files differ is refused with the files named unless the caller explicitly allows it. Either
way nothing may resolve outside the folder (symlinks, ``..``, shard indexes: :mod:`.containment`).
``codex-ml catalogue verify`` re-reads every byte; loaders may trust the hash cache (:mod:`.hashcache`).
"""
from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codex_ml import settings
from codex_ml.artifacts.containment import check_contained, escape_of, index_problems
from codex_ml.artifacts.files import read_json_object
from codex_ml.artifacts.hashcache import HashCache, cached_sha256, sha256_file
from codex_ml.artifacts.paths import check_relative
from codex_ml.errors import ArtifactModifiedError, MalformedArtifactError, PathEscapeError
from codex_ml.io import atomic_write_json

MANIFEST_NAME = "manifest.json"
ALLOW_MODIFIED_VAR = settings.ALLOW_MODIFIED_ARTIFACTS
SCHEMA_VERSION = 1

OK, MODIFIED, MISSING, UNCHECKED, OUTSIDE = "ok", "modified", "missing", "unchecked", "outside the folder"
#: Untracked files with these suffixes could be picked up by a loader, so they fail a check.
RISKY_SUFFIXES = frozenset({
    ".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".safetensors", ".py", ".so", ".h5", ".msgpack",
    ".gguf", ".onnx", ".model", ".json",
})
#: In quick mode files up to this size are hashed; larger ones count only if their digest is cached.
QUICK_HASH_LIMIT = 16 * 1024 * 1024
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class FileRecord:
    size: int
    sha256: str


@dataclass
class Manifest:
    """A parsed manifest; ``extra`` holds top-level keys other than the standard ones."""

    files: dict[str, FileRecord]
    name: str | None = None
    source: str | None = None
    revision: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.extra,
            "schema_version": SCHEMA_VERSION,
            "name": self.name,
            "source": self.source,
            "revision": self.revision,
            "files": {rel: {"size": rec.size, "sha256": rec.sha256} for rel, rec in sorted(self.files.items())},
        }


def _hidden(relpath: str) -> bool:
    return any(part.startswith(".") for part in relpath.split("/"))


def scan_files(directory: str | os.PathLike[str]) -> list[str]:
    """Relative POSIX paths of the files a manifest covers: all but the manifest and hidden entries
    (such as the hub's ``.cache/`` download metadata)."""
    base = Path(directory)
    found = []
    for path in base.rglob("*"):
        rel = path.relative_to(base).as_posix()
        if rel != MANIFEST_NAME and not _hidden(rel) and path.is_file():
            found.append(rel)
    return sorted(found)


def build_manifest(
    directory: str | os.PathLike[str], *, name: str | None, source: str | None, revision: str | None = None,
    extra: Mapping[str, Any] | None = None, cache: HashCache | None = None,
) -> Manifest:
    base = Path(directory)
    files = {rel: FileRecord((base / rel).stat().st_size, sha256_file(base / rel, cache)) for rel in scan_files(base)}
    return Manifest(files=files, name=name, source=source, revision=revision, extra=dict(extra or {}))


def write_manifest(
    directory: str | os.PathLike[str], *, name: str | None, source: str | None, revision: str | None = None,
    extra: Mapping[str, Any] | None = None, cache: HashCache | None = None,
) -> Path:
    """Hash every file now in ``directory`` and write ``manifest.json`` atomically; returns its path."""
    cache = cache if cache is not None else HashCache()
    manifest = build_manifest(directory, name=name, source=source, revision=revision, extra=extra, cache=cache)
    cache.save()
    return atomic_write_json(Path(directory) / MANIFEST_NAME, manifest.to_json())


def manifest_path(directory: str | os.PathLike[str]) -> Path:
    return Path(directory) / MANIFEST_NAME


def read_manifest(directory: str | os.PathLike[str]) -> Manifest | None:
    """The directory's manifest, None when it has none; :class:`MalformedArtifactError` when it is invalid."""
    path = manifest_path(directory)
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_file():
        raise MalformedArtifactError(f"{path}: not a readable file")
    try:
        path.open("rb").close()
    except OSError as exc:
        raise MalformedArtifactError(f"{path}: unreadable ({exc.strerror or exc})") from exc
    data = read_json_object(
        path, required={"files": dict},
        optional={"schema_version": int, "name": (str, type(None)), "source": (str, type(None)),
                  "revision": (str, type(None))},
    )
    version = data.get("schema_version", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        raise MalformedArtifactError(f"{path}: schema_version {version} is newer than this codex-ml reads ({SCHEMA_VERSION})")
    files: dict[str, FileRecord] = {}
    for rel, entry in data["files"].items():
        try:
            check_relative(rel, what="manifest entry")
        except PathEscapeError as exc:
            raise MalformedArtifactError(f"{path}: {exc}") from None
        if (not isinstance(entry, dict) or not isinstance(entry.get("size"), int) or isinstance(entry.get("size"), bool)
                or not isinstance(entry.get("sha256"), str) or not _HEX64.match(entry["sha256"].lower())):
            raise MalformedArtifactError(f"{path}: entry {rel!r} needs an integer 'size' and a 64-digit hex 'sha256'")
        files[rel] = FileRecord(entry["size"], entry["sha256"].lower())
    standard = {"schema_version", "name", "source", "revision", "files"}
    return Manifest(files=files, name=data.get("name"), source=data.get("source"), revision=data.get("revision"),
                    extra={k: v for k, v in data.items() if k not in standard})


@dataclass
class Verification:
    """Per-file outcome of :func:`verify`: ``files`` maps each manifest entry to ok/modified/missing
    (or unchecked in quick mode); ``untracked`` lists files present but not in the manifest."""

    directory: Path
    manifest: Manifest
    files: dict[str, str]
    untracked: list[str] = field(default_factory=list)
    #: What differs, per file: "sha256 1a2b3c4d... != manifest 5e6f7a8b...", "size 10 != manifest 12 bytes".
    details: dict[str, str] = field(default_factory=dict)
    #: Shard-index entries that point outside the folder.
    escapes: list[str] = field(default_factory=list)

    def with_status(self, *statuses: str) -> list[str]:
        return sorted(rel for rel, status in self.files.items() if status in statuses)

    @property
    def risky_untracked(self) -> list[str]:
        return [rel for rel in self.untracked if Path(rel).suffix.lower() in RISKY_SUFFIXES]

    @property
    def ok(self) -> bool:
        """No file differs, none is missing and no untracked file could be loaded in their place."""
        return not self.with_status(MODIFIED, MISSING, OUTSIDE) and not self.risky_untracked and not self.escapes

    @property
    def complete(self) -> bool:
        """Every manifest entry was actually checked (not skipped in quick mode)."""
        return not self.with_status(UNCHECKED)

    @property
    def status(self) -> str:
        """``modified`` (anything differs), ``unverified`` (quick mode skipped a file) or ``verified``."""
        if not self.ok:
            return "modified"
        return "verified" if self.complete else "unverified"

    def problems(self) -> list[str]:
        """One line per problem naming the file and what differs, e.g.
        ``modified: model.safetensors (sha256 1a2b3c4d5e6f != manifest 9f8e7d6c5b4a)``."""
        lines = [f"{status}: {rel}" + (f" ({self.details[rel]})" if rel in self.details else "")
                 for status in (MODIFIED, MISSING, OUTSIDE) for rel in self.with_status(status)]
        lines += [f"not in manifest: {rel}" for rel in self.risky_untracked]
        return lines + self.escapes


def _differs(found: str, recorded: str) -> str:
    return f"sha256 {found[:12]} != manifest {recorded[:12]}"


def _check_file(base: Path, rel: str, record: FileRecord, *, quick: bool, cache: HashCache,
                trust_cache: bool) -> tuple[str, str | None]:
    """``(status, what differs)`` for one manifest entry."""
    path = base / rel
    escape = escape_of(base, rel)
    if escape:
        return OUTSIDE, escape
    try:
        stat = path.stat()
    except OSError as exc:
        return MISSING, exc.strerror or "cannot be read"
    if not path.is_file():
        return MISSING, "not a regular file"
    if stat.st_size != record.size:
        return MODIFIED, f"size {stat.st_size} != manifest {record.size} bytes"
    if quick and stat.st_size > QUICK_HASH_LIMIT:
        known = cached_sha256(path, cache)
        if known is None:
            return UNCHECKED, None
        return (OK, None) if known == record.sha256 else (MODIFIED, _differs(known, record.sha256))
    try:
        found = sha256_file(path, cache, trust_cache=trust_cache)
    except OSError as exc:
        return MISSING, f"unreadable ({exc.strerror or exc})"
    return (OK, None) if found == record.sha256 else (MODIFIED, _differs(found, record.sha256))


def verify(
    directory: str | os.PathLike[str], *, manifest: Manifest | None = None, only: Iterable[str] | None = None,
    quick: bool = False, cache: HashCache | None = None, trust_cache: bool = True,
) -> Verification:
    """Check the files against the manifest (read from ``directory`` unless given).

    ``trust_cache=False`` re-reads every file (``catalogue verify``); otherwise a digest remembered under
    the same size, mtime_ns, ctime_ns and inode stands. Entries and shard indexes that resolve outside
    ``directory`` (``..``, symlinks, absolute shard paths) fail.

    ``only`` restricts the check to those entries (a file artefact inside a larger directory).
    ``quick`` never reads files above :data:`QUICK_HASH_LIMIT` whose digest is not cached: they come
    back ``unchecked``. Raises :class:`MalformedArtifactError` when there is no valid manifest.
    """
    base = Path(directory)
    manifest = manifest if manifest is not None else read_manifest(base)
    if manifest is None:
        raise MalformedArtifactError(f"{base}: no {MANIFEST_NAME} to verify against")
    cache = cache if cache is not None else HashCache()
    wanted = set(only) if only is not None else None
    checked = {
        rel: _check_file(base, rel, record, quick=quick, cache=cache, trust_cache=trust_cache)
        for rel, record in sorted(manifest.files.items()) if wanted is None or rel in wanted
    }
    untracked = [] if wanted is not None else [rel for rel in scan_files(base) if rel not in manifest.files]
    cache.save()
    return Verification(directory=base, manifest=manifest, files={rel: st for rel, (st, _) in checked.items()},
                        untracked=untracked, details={rel: d for rel, (_, d) in checked.items() if d},
                        escapes=index_problems(base) if wanted is None else [])


def modified_allowed() -> bool:
    """``CODEX_ML_ALLOW_MODIFIED_ARTIFACTS=1``: the user accepts artefacts that differ from their manifest."""
    return settings.flag(ALLOW_MODIFIED_VAR)


def check_manifest(
    directory: str | os.PathLike[str], allow_modified: bool | None = None, *, only: Iterable[str] | None = None,
    cache: HashCache | None = None,
) -> Verification | None:
    """The loader-side gate: verify ``directory`` against its manifest before loading from it.

    Returns None when there is no manifest and the verification when everything matches. Otherwise it
    raises :class:`ArtifactModifiedError` naming every file that differs, unless modified artefacts are
    allowed (``allow_modified=True``, or, when it is None, ``CODEX_ML_ALLOW_MODIFIED_ARTIFACTS=1``), in
    which case the differences are printed to stderr and the verification is returned.
    """
    if read_manifest(directory) is None:
        check_contained(directory, list(only) if only is not None else scan_files(directory))
        return None
    result = verify(directory, only=only, cache=cache)
    if result.ok:
        return result
    outside = result.with_status(OUTSIDE)
    if outside or result.escapes:
        check_contained(directory, outside)  # never allowed, not even with CODEX_ML_ALLOW_MODIFIED_ARTIFACTS
    problems = "; ".join(result.problems())
    if allow_modified if allow_modified is not None else modified_allowed():
        print(f"codex-ml: warning: using {directory} although it does not match its {MANIFEST_NAME} ({problems})",
              file=sys.stderr)
        return result
    raise ArtifactModifiedError(
        f"{directory} does not match its {MANIFEST_NAME} ({problems}). Re-copy the artefact from the prepared "
        f"source and run `codex-ml catalogue verify`, or set {ALLOW_MODIFIED_VAR}=1 to use it anyway."
    )


__all__ = [
    "MANIFEST_NAME", "SCHEMA_VERSION", "FileRecord", "Manifest", "Verification", "build_manifest",
    "check_manifest", "manifest_path", "modified_allowed", "read_manifest", "scan_files", "verify", "write_manifest",
]
