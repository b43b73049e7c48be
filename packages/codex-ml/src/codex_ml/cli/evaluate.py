"""``codex-ml evaluate``: score a model on the evaluation set; writes results.json and samples.jsonl."""
from __future__ import annotations

import click
from codex_ml.cli.run_options import OVERRIDES_HELP, compose_from_cli, run_options


@click.command("evaluate", context_settings={"help_option_names": ["-h", "--help"]}, epilog=OVERRIDES_HELP)
@run_options
def evaluate(config_name: str, config_dir: str | None, print_config: bool, quiet: bool, traceback: bool, skip_doctor: bool,
             overrides: tuple[str, ...]) -> None:
    """Evaluate the configured model on evaluation.dataset with every configured metric."""
    composed = compose_from_cli(config_name, config_dir, overrides, command="evaluate")
    if print_config:
        click.echo(composed.to_yaml(), nl=False)
        return
    from codex_ml.doctor import preflight
    from codex_ml.pipeline.evaluation import run_evaluate

    results = run_evaluate(composed, quiet=quiet, preflight=None if skip_doctor else preflight)
    if not quiet:
        click.echo(f"output_dir: {results['output_dir']}")
        click.echo(f"{results['n_samples']} samples by {results['method']}, {results['n_correct']} exactly right")
        for key, score in results["scores"].items():
            value = "n/a" if score["value"] is None else f"{score['value']:.4f}"
            click.echo(f"  {key:<20} {value}  ({score['metric']})")
