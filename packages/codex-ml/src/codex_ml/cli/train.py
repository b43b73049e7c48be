"""``codex-ml train``: compose a config, then fit, roll out and score, writing a run directory."""
from __future__ import annotations

import json

import click
from codex_ml.cli.run_options import OVERRIDES_HELP, compose_from_cli, run_options


@click.command("train", context_settings={"help_option_names": ["-h", "--help"]}, epilog=OVERRIDES_HELP)
@run_options
def train(config_name: str, config_dir: str | None, print_config: bool, quiet: bool, traceback: bool, skip_doctor: bool,
          overrides: tuple[str, ...]) -> None:
    """Train with a composed config and write runs/<timestamp>-<config>/ (or output_dir=DIR)."""
    composed = compose_from_cli(config_name, config_dir, overrides, command="train")
    if print_config:
        click.echo(composed.to_yaml(), nl=False)
        return
    from codex_ml.doctor import preflight
    from codex_ml.pipeline.training import run_train

    summary = run_train(composed, quiet=quiet, preflight=None if skip_doctor else preflight)
    if not quiet and "run_dir" in summary:  # torchrun ranks other than 0 report nothing
        _report(summary)


def _report(summary: dict) -> None:
    training = summary.get("training") or {}
    click.echo(f"output_dir: {summary['output_dir']}")
    if summary.get("trained"):
        click.echo(f"trained: {training.get('steps', '?')} steps")
    else:
        click.echo(f"not trained: {training.get('reason', 'the trainer did not update the model')}")
    rollouts = summary["rollouts"]
    if rollouts["mean_reward"] is not None:
        click.echo(f"rollouts: {rollouts['records']} records, mean reward {rollouts['mean_reward']:.4f}, "
                   f"completions {json.dumps(rollouts['completions'])}")
    evaluation = summary.get("evaluation")
    if evaluation:
        scores = ", ".join(f"{k} {v['value']:.4f}" for k, v in evaluation["scores"].items() if v["value"] is not None)
        click.echo(f"evaluation: {evaluation['n_samples']} samples, {scores}")
