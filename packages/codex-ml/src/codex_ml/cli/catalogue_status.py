"""``codex-ml catalogue list`` and ``codex-ml catalogue verify``: where each catalogue artefact is and
whether its bytes match its manifest.

Attached to the ``catalogue`` group as ``list_command`` and ``verify_command``. Neither imports torch,
transformers or any component implementation.
"""
from __future__ import annotations

import json
from pathlib import Path

import click
from codex_ml.artifacts.hashcache import HashCache
from codex_ml.artifacts.manifest import MANIFEST_NAME, verify
from codex_ml.errors import CodexMLError
from codex_ml.plugins.catalogue import (
    INVALID,
    MISSING,
    MODIFIED,
    EntryStatus,
    catalogue_specs,
    entry_status,
)
from codex_ml.plugins.spec import KINDS

#: Version of the ``catalogue list --json`` document.
LIST_SCHEMA_VERSION = 1


def _location(entry: EntryStatus) -> str:
    """The path, relative to the project root when inside it; packaged copies are named, not spelled out."""
    if entry.path is None:
        return "-"
    if entry.resolution.source == "packaged fixture":
        return f"(in {entry.spec.distribution})"
    from codex_ml.artifacts.resolver import project_root

    try:
        return str(entry.path.resolve().relative_to(project_root().resolve()))
    except ValueError:
        return str(entry.path)


def _detail(entry: EntryStatus) -> str:
    if entry.status == MISSING and entry.spec.artifact is not None:
        artifact = entry.spec.artifact
        return f"set {artifact.env_var} or place it at {artifact.layout_path}"
    return entry.detail or "-"


@click.command("list")
@click.option("--verify", "full", is_flag=True,
              help="Hash every file now (slow the first time on large weights; cached afterwards).")
@click.option("--json", "as_json", is_flag=True, help="Print a versioned JSON document instead of a table.")
def list_command(full: bool, as_json: bool) -> None:
    """Every catalogue entry, the location that would be used and its status:
    present, missing, verified, unverified (manifest not checked yet), modified or invalid."""
    cache = HashCache()
    entries = [entry_status(spec, quick=not full, cache=cache) for spec in catalogue_specs()]
    if as_json:
        click.echo(json.dumps({
            "schema_version": LIST_SCHEMA_VERSION,
            "entries": [
                {"name": e.spec.name, "kind": e.spec.kind, "distribution": e.spec.distribution,
                 "status": e.status, "path": str(e.path) if e.path else None, "source": e.resolution.source,
                 "detail": e.detail}
                for e in entries
            ],
        }, indent=2))
        return
    if not entries:
        click.echo("No catalogue entries: no installed component declares an artefact.")
        return
    from codex_ml.cli.table import render

    click.echo(render(
        ("NAME", "KIND", "STATUS", "SOURCE", "LOCATION", "DETAIL"),
        [(e.spec.name, KINDS[e.spec.kind], e.status, e.resolution.source or "-", _location(e), _detail(e))
         for e in entries],
    ))
    if any(e.status == "unverified" for e in entries):
        click.echo("\nunverified: large files not hashed yet; run `codex-ml catalogue verify` (results are cached).")


def _select(name: str | None) -> list:
    specs = catalogue_specs()
    if name is None:
        return specs
    chosen = [spec for spec in specs if spec.name == name]
    if not chosen:
        from codex_ml.plugins.manager import unknown_name_message

        raise click.ClickException(unknown_name_message("catalogue entry", name, sorted({s.name for s in specs})))
    return chosen


def _verify_bundle(directory: Path, cache: HashCache, fast: bool) -> bool:
    result = verify(directory, cache=cache, trust_cache=fast)
    label = result.manifest.name or directory.name
    if result.ok:
        click.echo(f"{label}: verified ({len(result.files)} file(s)) at {directory}")
        return True
    click.echo(f"{label}: modified at {directory}")
    for problem in result.problems():
        click.echo(f"    {problem}")
    return False


@click.command("verify")
@click.argument("name", required=False)
@click.option("--root", "root", type=click.Path(file_okay=False, exists=True, path_type=Path),
              help="Check the artefacts in this folder's seed layout (artifacts/models/..., data/offline/...) "
                   "instead of the locations the resolver would use; a folder holding manifest.json is "
                   "checked directly.")
@click.option("--fast", is_flag=True,
              help="Trust digests remembered for files whose size, mtime_ns, ctime_ns and inode are unchanged "
                   "(the check loaders do). By default every file is read and hashed again.")
def verify_command(name: str | None, root: Path | None, fast: bool) -> None:
    """Check artefacts against their manifest.json SHA-256s (all entries, or NAME), re-reading every byte.

    Exits 1 when any entry is missing, or when a file is modified, missing or resolves outside its folder (a symlink, '..' or a
    shard index pointing elsewhere), or when a found artefact has no readable manifest.json (fixtures
    packaged inside an installed distribution excepted).
    """
    from codex_ml.artifacts.resolver import locate_in_root

    cache = HashCache()
    if root is not None and name is None and (root / MANIFEST_NAME).is_file():
        try:
            ok = _verify_bundle(root, cache, fast)
        except CodexMLError as exc:
            click.echo(f"{root}: invalid: {exc}")
            ok = False
        if not ok:
            raise click.exceptions.Exit(1)
        return
    failed = False
    seen: dict[tuple[Path, bool], EntryStatus] = {}
    for spec in _select(name):
        resolution = locate_in_root(spec.name, spec.artifact, root) if root is not None else None
        entry = entry_status(spec, quick=False, cache=cache, resolution=resolution, trust_cache=fast)
        label = f"{spec.name} ({KINDS[spec.kind]})"
        if entry.path is not None and (entry.path, spec.artifact.is_dir) in seen:
            continue  # the same files serve several kinds (a tokenizer and a model in one checkpoint)
        if entry.path is not None:
            seen[(entry.path, spec.artifact.is_dir)] = entry
        if entry.status == MISSING:
            where = f" under {root}" if root is not None else ""
            click.echo(f"{label}: missing{where}")
            failed = True
        elif entry.status == "present" and entry.resolution.source == "packaged fixture":
            # installed files of a distribution: pip's RECORD covers them, they carry no manifest
            click.echo(f"{label}: packaged fixture of {spec.distribution} (no {MANIFEST_NAME}; installed with it)")
        elif entry.status == "present":
            click.echo(f"{label}: unverified: no {MANIFEST_NAME} to verify against at {entry.path}")
            failed = True
        elif entry.status in (MODIFIED, INVALID):
            click.echo(f"{label}: {entry.status} at {entry.path or '-'}")
            for problem in entry.verification.problems() if entry.verification else [entry.detail]:
                click.echo(f"    {problem}")
            failed = True
        else:
            click.echo(f"{label}: {entry.status} ({entry.detail}) at {entry.path}")
    if failed:
        raise click.exceptions.Exit(1)


__all__ = ["list_command", "verify_command"]

