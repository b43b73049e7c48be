"""``codex-ml runs``: list, show, compare and plot the run directories train and evaluate write.

RUN is a run directory's path, its name under ``--root`` (default ``./runs``), a unique prefix of that
name, or ``latest``. Nothing here imports torch, transformers or hydra.
"""
from __future__ import annotations

import json
from pathlib import Path

import click
from codex_ml.runs.reading import config_diff, find_runs, load_run, resolve_run, runs_root

_ROOT_OPTION = click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=None,
                            help="Folder holding the run directories (default: ./runs).")


def _format(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "null" if value is None else str(value)


@click.group("runs")
def runs() -> None:
    """List, inspect, compare and plot run directories."""


@runs.command("list")
@_ROOT_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of a table.")
def list_command(root: Path | None, as_json: bool) -> None:
    """Every run under --root, oldest first, with its status and headline numbers."""
    root = runs_root() if root is None else root
    loaded = [load_run(path) for path in find_runs(root)]
    if as_json:
        click.echo(json.dumps({"schema_version": 1, "root": str(root), "runs": [
            {"name": r.name, "path": str(r.path), "command": r.command, "config_name": r.config_name,
             "status": r.status, "started_at": r.started_at, "headline": r.headline()} for r in loaded]}, indent=2))
        return
    if not loaded:
        click.echo(f"No runs under {root}. `codex-ml train` and `codex-ml evaluate` write them there.")
        return
    from codex_ml.cli.table import render

    rows = []
    for run in loaded:
        headline = run.headline()
        shown = [f"{k}={_format(v)}" for k, v in headline.items() if k.startswith(("eval.", "rollout.", "rl.")) or k == "train.held_out_accuracy"][:3]
        rows.append((run.name, run.command, run.config_name, run.status, " ".join(shown) or "-"))
    click.echo(render(("RUN", "COMMAND", "CONFIG", "STATUS", "HEADLINE"), rows))


@runs.command("show")
@click.argument("run")
@_ROOT_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document on stdout and nothing else.")
def show_command(run: str, root: Path | None, as_json: bool) -> None:
    """What RUN ran (config, arguments, components), how it ended and what it scored."""
    loaded = load_run(resolve_run(run, root))
    document = loaded.summary_document()
    if as_json:
        click.echo(json.dumps(document, indent=2, default=str))
        return
    click.echo(f"{loaded.name}")
    click.echo(f"  path:        {loaded.path}")
    click.echo(f"  command:     {loaded.command} -cn {loaded.config_name} {' '.join(document['arguments'])}".rstrip())
    click.echo(f"  status:      {loaded.status}" + (f" ({loaded.failure.get('error')})" if loaded.failure else ""))
    if loaded.started_at:
        click.echo(f"  started:     {loaded.started_at}")
    if document["components"]:
        click.echo("  components:")
        for role, name in sorted(document["components"].items()):
            click.echo(f"    {role:<28} {name}")
    headline = loaded.headline()
    if headline:
        click.echo("  metrics:")
        for key, value in headline.items():
            click.echo(f"    {key:<28} {_format(value)}")
    click.echo(f"  files:       {', '.join(document['files'])}")


@runs.command("compare")
@click.argument("run_a")
@click.argument("run_b")
@_ROOT_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print one JSON document instead of tables.")
def compare_command(run_a: str, run_b: str, root: Path | None, as_json: bool) -> None:
    """The config keys that differ between RUN_A and RUN_B, then their metrics side by side."""
    a, b = (load_run(resolve_run(ref, root)) for ref in (run_a, run_b))
    diff = config_diff(a.config, b.config)
    headline_a, headline_b = a.headline(), b.headline()
    keys = [*headline_a, *(k for k in headline_b if k not in headline_a)]
    metrics = [(k, headline_a.get(k), headline_b.get(k)) for k in keys]
    if as_json:
        click.echo(json.dumps({
            "schema_version": 1, "a": str(a.path), "b": str(b.path),
            "config_diff": [{"key": k, "a": va, "b": vb} for k, va, vb in diff],
            "metrics": [{"metric": k, "a": va, "b": vb, "delta": (vb - va) if None not in (va, vb) else None}
                        for k, va, vb in metrics],
        }, indent=2, default=str))
        return
    from codex_ml.cli.table import render

    click.echo(f"A: {a.path}\nB: {b.path}\n")
    if diff:
        click.echo("Config differences:")
        click.echo(render(("KEY", "A", "B"), [(k, _format(va), _format(vb)) for k, va, vb in diff]))
    else:
        click.echo("Config: identical.")
    click.echo()
    if metrics:
        click.echo("Metrics:")
        click.echo(render(("METRIC", "A", "B", "B-A"), [
            (k, _format(va), _format(vb), f"{vb - va:+.4g}" if None not in (va, vb) else "-") for k, va, vb in metrics]))
    else:
        click.echo("Metrics: neither run recorded any.")


@runs.command("plot")
@click.argument("run")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="PNG file to write (default: RUN/curves.png).")
@_ROOT_OPTION
def plot_command(run: str, output: Path | None, root: Path | None) -> None:
    """Plot RUN's loss, learning rate, held-out loss, reward and evaluation curves to a PNG
    (needs matplotlib: pip install 'codex-ml[plot]')."""
    from codex_ml.runs.plot import plot_run

    loaded = load_run(resolve_run(run, root))
    target = output if output is not None else loaded.path / "curves.png"
    drawn = plot_run(loaded, target)
    click.echo(f"wrote {target} ({', '.join(drawn)})")


__all__ = ["runs"]
