"""``codex-ml evaluate``: score a model on the evaluation set; writes results.json and samples.jsonl."""
from __future__ import annotations

import click
from codex_ml.cli.run_options import (
    OVERRIDES_HELP,
    compose_from_cli,
    emit_json,
    run_options,
    stdout_reserved_for_json,
)


@click.command("evaluate", context_settings={"help_option_names": ["-h", "--help"]}, epilog=OVERRIDES_HELP)
@run_options
def evaluate(config_name: str, config_dir: str | None, print_config: bool, quiet: bool, as_json: bool,
             traceback: bool, skip_doctor: bool, overrides: tuple[str, ...]) -> None:
    """Evaluate the configured model on evaluation.dataset with every configured metric."""
    composed = compose_from_cli(config_name, config_dir, overrides, command="evaluate",
                                check_requirements=not print_config)
    if print_config:
        click.echo(composed.to_yaml(), nl=False)
        return
    from codex_ml.doctor import preflight
    from codex_ml.pipeline.evaluation import run_evaluate

    with stdout_reserved_for_json(as_json):
        results = run_evaluate(composed, quiet=quiet, preflight=None if skip_doctor else preflight)
    if as_json:
        emit_json(results)
        return
    if quiet:
        return
    components = results.get("components") or {}
    click.echo(f"ran: evaluate -cn {results['config_name']} (model {components.get('model', '?')}) "
               f"in {results.get('time_taken_seconds', 0):.1f} s")
    click.echo(f"run directory: {results['output_dir']}")
    click.echo(f"{results['n_samples']} samples by {results['method']}, {results['n_correct']} exactly right")
    for key, score in results["scores"].items():
        value = "n/a" if score["value"] is None else f"{score['value']:.4f}"
        click.echo(f"  {key:<20} {value}  ({score['metric']})")
    click.echo(f"inspect: codex-ml runs show {results['output_dir']}")
