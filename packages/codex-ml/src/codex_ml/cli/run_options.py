"""Options shared by ``train`` and ``evaluate``; everything else on the line is a Hydra override.

Kept free of heavy imports: ``codex-ml train --help`` must not import hydra or torch.
"""
from __future__ import annotations

import contextlib
import functools
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click

OVERRIDES_HELP = """OVERRIDES are Hydra overrides: group=option (model=offline/gpt2), key=value
(training.max_steps=5), +key=value (add), ~key (delete), or a bare GROUP/OPTION
(metrics/offline/weighted_accuracy) to add that option. See docs/usage.md."""


def run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options of ``train`` and ``evaluate`` (primary config ``config``)."""
    return run_options_for(
        "config", "Primary config: config, offline/catalogue, offline/tiny_fixtures, or one in --config-dir."
    )(func)


def run_options_for(default_config: str, config_help: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The same options for a command whose primary config is another one (``codex-ml rl``: offline/rl)."""
    return functools.partial(_decorate, default_config=default_config, config_help=config_help)


def _decorate(func: Callable[..., Any], *, default_config: str, config_help: str) -> Callable[..., Any]:
    decorators = [
        click.option("-cn", "--config-name", default=default_config, show_default=True, help=config_help),
        click.option("-cd", "--config-dir", type=click.Path(file_okay=False, exists=True),
                     help="A directory of your own configs, searched before the installed ones."),
        click.option("--cfg", "print_config", is_flag=True,
                     help="Print the composed config as YAML and exit (imports no torch)."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bars and no final report."),
        click.option("--json", "as_json", is_flag=True,
                     help="Print the run's summary as one JSON document on stdout, and nothing else there."),
        click.option("--traceback", is_flag=True, help="Show the full traceback on errors."),
        click.option("--skip-doctor", is_flag=True,
                     help="Start even when `codex-ml doctor` finds a blocking problem (checked before any work)."),
        click.argument("overrides", nargs=-1, type=click.UNPROCESSED),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


@contextlib.contextmanager
def stdout_reserved_for_json(as_json: bool) -> Iterator[None]:
    """With ``--json``, anything a component prints goes to stderr, so stdout carries only the document."""
    if not as_json:
        yield
        return
    with contextlib.redirect_stdout(sys.stderr):
        yield


def emit_json(document: Any) -> None:
    click.echo(json.dumps(document, indent=2, sort_keys=True, default=str))


def compose_from_cli(config_name: str, config_dir: str | None, overrides: tuple[str, ...], command: str | None = None,
                     *, check_requirements: bool = True):
    """Turn on the network guard, then compose, importing hydra only now."""
    from codex_ml.config.compose import compose_config
    from codex_ml.utils.netguard import install_network_guard

    install_network_guard()  # runs are offline: any connection attempt fails at once, naming its destination

    try:
        return compose_config(config_name, list(overrides), user_dir=config_dir, command=command,
                              check_requirements=check_requirements)
    except ModuleNotFoundError as exc:
        if exc.name not in ("hydra", "omegaconf", "antlr4"):
            raise
        from codex_ml.errors import MissingDependencyError

        raise MissingDependencyError(f"train and evaluate need hydra-core ({exc}): pip install 'codex-ml[run]'") from exc
