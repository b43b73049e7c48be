"""``codex-ml rl``: compose a config, run the RL-from-rewards loop, write a run directory."""

from __future__ import annotations

import click
from codex_ml.cli.run_options import (
    OVERRIDES_HELP,
    compose_from_cli,
    emit_json,
    run_options_for,
    stdout_reserved_for_json,
)


@click.command("rl", context_settings={"help_option_names": ["-h", "--help"]}, epilog=OVERRIDES_HELP)
@run_options_for("offline/rl", "Primary config: offline/rl, or one in --config-dir (see docs/rl.md).")
def rl(
    config_name: str,
    config_dir: str | None,
    print_config: bool,
    quiet: bool,
    as_json: bool,
    traceback: bool,
    skip_doctor: bool,
    overrides: tuple[str, ...],
) -> None:
    """Train an RL agent from rewards (codex-ml rl [-cn offline/rl]); writes runs/<timestamp>-<config>/."""
    composed = compose_from_cli(config_name, config_dir, overrides)
    if print_config:
        click.echo(composed.to_yaml(), nl=False)
        return
    from codex_ml.doctor import preflight
    from codex_ml.offline.rl.loop import run_rl

    with stdout_reserved_for_json(as_json):
        summary = run_rl(composed, quiet=quiet, preflight=None if skip_doctor else preflight)
    if as_json:
        emit_json(summary)
        return
    if not quiet:
        click.echo(f"run directory: {summary['run_dir']}")
        first, last = summary["first_reward_mean"], summary["last_reward_mean"]
        if first is not None:
            click.echo(
                f"{summary['agent']}: steps {summary['start_step']}..{summary['steps']}, mean reward "
                f"{first:.4f} (first step) -> {last:.4f} (last step), {summary['skipped_steps']} skipped"
            )
        if summary["final_policy"]:
            click.echo(f"final policy: {summary['final_policy']}")
