"""``codex-ml plugins``: what is installed, what each component needs and where its artefacts are.

Also runnable as ``python -m codex_ml.cli.plugins_cli``. Nothing here imports a component's
implementation, so listing stays fast and works when a component's dependencies are missing.
"""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import click
from codex_ml.plugins.cache import get_listing_host
from codex_ml.plugins.manager import PluginHost
from codex_ml.plugins.spec import KINDS, ComponentSpec, normalise_kind
from codex_ml.plugins.versions import CORE_DISTRIBUTION, core_version

#: Version of the ``plugins list --json`` document; bumped on any incompatible change.
LIST_SCHEMA_VERSION = 1


def component_status(host: PluginHost, spec: ComponentSpec, missing: list[str] | None = None) -> str:
    """``conflict``, ``missing-deps`` or ``ok``; pass ``missing`` when already computed."""
    if len(host.specs(spec.kind).get(spec.name, ())) > 1:
        return "conflict"
    if spec.missing_requirements() if missing is None else missing:
        return "missing-deps"
    return "ok"


def _component_entry(host: PluginHost, spec: ComponentSpec) -> dict:
    missing = spec.missing_requirements()
    return {
        "name": spec.name,
        "kind": spec.kind,
        "distribution": spec.distribution,
        "version": spec.version,
        "status": component_status(host, spec, missing),
        "summary": spec.summary,
        "target": spec.target_ref,
        "requires": list(spec.requires),
        "extra": spec.extra,
        "missing": missing,
    }


def _requires_text(spec: ComponentSpec) -> str:
    if not spec.requires:
        return "-"
    extra = f"[{spec.extra}] " if spec.extra else ""
    return extra + ",".join(spec.requires)


def _component_rows(host: PluginHost, kinds: list[str]) -> list[ComponentSpec]:
    return [spec for kind in kinds for name in sorted(host.specs(kind)) for spec in host.specs(kind)[name]]


def list_document(host: PluginHost, kinds: list[str]) -> dict:
    """The ``--json`` document (schema documented in docs/plugins.md)."""
    return {
        "schema_version": LIST_SCHEMA_VERSION,
        "core": {"distribution": CORE_DISTRIBUTION, "version": core_version()},
        "plugins": [
            {
                "entry_point": record.name,
                "distribution": record.distribution,
                "version": record.version,
                "module": record.value,
                "location": record.location,
                "status": record.status,
                "error": record.error,
                "components": [f"{spec.kind}/{spec.name}" for spec in record.components],
            }
            for record in host.plugins
        ],
        "components": [_component_entry(host, spec) for spec in _component_rows(host, kinds)],
    }


@click.group()
def plugins() -> None:
    """List and inspect installed plugins and components."""


@plugins.command("list")
@click.argument("kind", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print a versioned JSON document instead of a table.")
@click.option("--refresh", is_flag=True, help="Ignore the discovery cache and import every plugin again.")
def list_command(kind: str | None, as_json: bool, refresh: bool) -> None:
    """List components (optionally of one KIND, e.g. models or reward_models; every kind declared in
    codex_ml.kinds) and any plugin that failed to load or is disabled."""
    try:
        kinds = [normalise_kind(kind)] if kind else list(KINDS)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="KIND") from None
    host = get_listing_host(refresh=refresh)
    if as_json:
        click.echo(json.dumps(list_document(host, kinds), indent=2))
        return
    from codex_ml.cli.table import render

    found: dict[str, bool] = {}  # one find_spec per required module, however many components share it
    rows = [
        (spec.name, KINDS[spec.kind], spec.distribution, spec.version,
         component_status(host, spec, spec.missing_requirements(found)), _requires_text(spec), spec.summary)
        for spec in _component_rows(host, kinds)
    ]
    conflicts = sorted({name for name, _, _, _, status, _, _ in rows if status == "conflict"})
    if rows:
        click.echo(render(("NAME", "KIND", "DISTRIBUTION", "VERSION", "STATUS", "REQUIRES", "SUMMARY"), rows))
    else:
        click.echo(f"No {' or '.join(KINDS[k] for k in kinds)} components installed.")
    problems = [record for record in host.plugins if record.status != "ok"]
    if problems:
        click.echo("\nPlugins not loaded:")
        click.echo(render(
            ("PLUGIN", "DISTRIBUTION", "VERSION", "STATUS", "DETAIL"),
            [(r.name, r.distribution, r.version, r.status, r.error or "") for r in problems],
        ))
    if conflicts:
        click.echo(f"\nConflicting names (resolving them is an error until one distribution is removed or disabled): {', '.join(conflicts)}")


def _source_location(spec: ComponentSpec) -> str:
    """Where the implementation's module lives, found without importing it."""
    if not isinstance(spec.target, str):
        code = getattr(spec.target, "__code__", None)
        return f"{code.co_filename}:{code.co_firstlineno}" if code else "(in-process object)"
    module = spec.target.partition(":")[0]
    try:
        found = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        found = None
    return found.origin if found and found.origin else f"(module {module} not found)"


def show_document(host: PluginHost, name: str, matches: list[ComponentSpec]) -> dict:
    """The ``plugins show --json`` document: one entry per kind NAME is registered under."""
    from codex_ml.artifacts.resolver import inspect_locations

    entries = []
    for spec in matches:
        entry = {**_component_entry(host, spec), "source": _source_location(spec),
                 "install_hint": spec.install_hint() if spec.missing_requirements() else None, "artefact": None}
        if spec.artifact is not None:
            resolution = inspect_locations(spec.name, spec.artifact)
            entry["artefact"] = {
                "path": str(resolution.path) if resolution.path else None,
                "source": resolution.source,
                "search_order": [{"source": c.source, "path": str(c.path) if c.path else None, "exists": c.exists,
                                  "problem": c.problem} for c in resolution.candidates],
            }
        entries.append(entry)
    return {"schema_version": LIST_SCHEMA_VERSION, "name": name, "components": entries}


@plugins.command("show")
@click.argument("name")
@click.option("--kind", help="Only this kind, when NAME exists in several (e.g. offline:gpt2).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else.")
def show_command(name: str, kind: str | None, as_json: bool) -> None:
    """Show where NAME comes from, what it needs and where its artefacts are searched."""
    host = get_listing_host()
    kinds = [normalise_kind(kind)] if kind else list(KINDS)
    matches = [spec for k in kinds for spec in host.specs(k).get(name, [])]
    if not matches:
        from codex_ml.plugins.manager import unknown_name_message

        every = sorted({n for k in kinds for n in host.specs(k)})
        raise click.ClickException(unknown_name_message("component", name, every))
    if as_json:
        click.echo(json.dumps(show_document(host, name, matches), indent=2))
        return
    from codex_ml.artifacts.resolver import inspect_locations

    for index, spec in enumerate(matches):
        if index:
            click.echo()
        click.echo(f"{spec.name} ({KINDS[spec.kind]})")
        click.echo(f"  distribution:    {spec.distribution} {spec.version}".rstrip())
        click.echo(f"  status:          {component_status(host, spec)}")
        click.echo(f"  summary:         {spec.summary or '-'}")
        click.echo(f"  implementation:  {spec.target_ref}")
        click.echo(f"  source:          {_source_location(spec)}")
        if spec.requires:
            missing = spec.missing_requirements()
            state = f"missing {', '.join(missing)}: {spec.install_hint()}" if missing else "installed"
            click.echo(f"  requires:        {', '.join(spec.requires)} ({state})")
        else:
            click.echo("  requires:        nothing beyond codex-ml")
        if spec.artifact is None:
            click.echo("  artefacts:       none (in memory)")
            continue
        resolution = inspect_locations(spec.name, spec.artifact)
        click.echo("  artefact search order (* marks the one used):")
        for number, candidate in enumerate(resolution.candidates, 1):
            if candidate.path is None:
                click.echo(f"      {number}. {candidate.source}: (not set)")
                continue
            used = candidate.source == resolution.source and candidate.path == resolution.path
            state = f"  (refused: {candidate.problem})" if candidate.problem else "" if candidate.exists else "  (not found)"
            click.echo(f"    {'*' if used else ' '} {number}. {candidate.source}: {candidate.path}{state}")
        if resolution.path is None:
            click.echo("    nothing found: building this component will fail until one of these exists")


@plugins.command("new")
@click.argument("name")
@click.option("--kind", "kinds", required=True, multiple=True,
              help=f"Component kind, repeatable or comma-separated (--kind models,tokenizers): {', '.join(KINDS)}.")
@click.option("--component", help="Registered component name, with one kind (default: <namespace>:<kind>).")
@click.option("--backend", type=click.Choice(["hatchling", "setuptools"]), default="hatchling", show_default=True,
              help="Build backend written into pyproject.toml.")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Where to create the distribution's folder.")
def new_command(name: str, kinds: tuple[str, ...], component: str | None, backend: str, directory: Path) -> None:
    """Scaffold plugin distribution NAME with one working component per kind and their conformance tests."""
    from codex_ml.scaffold import scaffold_plugin

    requested = [k.strip() for value in kinds for k in value.split(",") if k.strip()]
    try:
        root = scaffold_plugin(name, requested, directory, component, backend=backend)
    except (ValueError, FileExistsError) as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(f"Created {root}")
    click.echo(f"Next: pip install -e {root}[test] && pytest {root}")


if __name__ == "__main__":
    from codex_ml.cli.errors import run

    run(plugins, prog_name="python -m codex_ml.cli.plugins_cli")
