"""``codex-ml train``: compose a config, then fit, roll out and score, writing a run directory."""
from __future__ import annotations

import json

import click
from codex_ml.cli.run_options import (
    OVERRIDES_HELP,
    compose_from_cli,
    emit_json,
    run_options,
    stdout_reserved_for_json,
)


@click.command("train", context_settings={"help_option_names": ["-h", "--help"]}, epilog=OVERRIDES_HELP)
@run_options
def train(config_name: str, config_dir: str | None, print_config: bool, quiet: bool, as_json: bool, traceback: bool,
          skip_doctor: bool,
          overrides: tuple[str, ...]) -> None:
    """Train with a composed config and write runs/<timestamp>-<config>/ (or output_dir=DIR)."""
    composed = compose_from_cli(config_name, config_dir, overrides, command="train",
                                check_requirements=not print_config)
    if print_config:
        click.echo(composed.to_yaml(), nl=False)
        return
    from codex_ml.doctor import preflight
    from codex_ml.pipeline.training import run_train

    with stdout_reserved_for_json(as_json):
        summary = run_train(composed, quiet=quiet, preflight=None if skip_doctor else preflight)
    if as_json:
        emit_json(summary)
    elif not quiet and "run_dir" in summary:  # torchrun ranks other than 0 report nothing
        _report(summary)


def _report(summary: dict) -> None:
    """The end-of-run summary: what ran, where it wrote, the headline numbers."""
    training = summary.get("training") or {}
    components = summary.get("components") or {}
    click.echo(f"ran: train -cn {summary['config_name']} (model {components.get('model', '?')}, "
               f"trainer {components.get('training', '?')}) in {summary.get('time_taken_seconds', 0):.1f} s")
    click.echo(f"run directory: {summary['output_dir']}")
    if summary.get("trained"):
        loss = f", held-out loss {training['eval_loss']:.4f}" if isinstance(training.get("eval_loss"), (int, float)) else ""
        click.echo(f"trained: {training.get('steps', '?')} steps{loss}")
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
    click.echo(f"inspect: codex-ml runs show {summary['run_dir']}")
