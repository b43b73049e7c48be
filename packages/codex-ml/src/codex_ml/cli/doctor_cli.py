"""``codex-ml doctor``: is this host ready for an offline run? One line per check, an actionable line per
problem, exit 1 when something blocks a run. Imports torch only to check it, nothing else heavy."""
from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("doctor")
@click.option("--output-dir", type=click.Path(path_type=Path), default=Path("runs"), show_default=True,
              help="Where runs will be written; checked for write access and free space.")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.option("--problems-only", is_flag=True, help="Print only warnings and errors.")
def doctor(output_dir: Path, as_json: bool, problems_only: bool) -> None:
    """Check torch, safe weight loading, offline flags, the output directory, plugins, every catalogue
    artefact, and whatever installed distributions check (e.g. their libraries' versions and caches)."""
    from codex_ml.doctor import ERROR, OK, run_checks

    findings = run_checks(output_dir)
    blocking = [f for f in findings if f.level == ERROR]
    if as_json:
        click.echo(json.dumps({
            "schema_version": 1,
            "ok": not blocking,
            "findings": [{"level": f.level, "topic": f.topic, "message": f.message} for f in findings],
        }, indent=2))
    else:
        for finding in findings:
            if not (problems_only and finding.level == OK):
                click.echo(finding.line())
        warnings = sum(f.level != OK for f in findings) - len(blocking)
        click.echo(f"\n{len(blocking)} blocking problem(s), {warnings} warning(s).")
    if blocking:
        raise click.exceptions.Exit(1)


if __name__ == "__main__":
    from codex_ml.cli.errors import run

    run(doctor, prog_name="python -m codex_ml.cli.doctor_cli")
