"""The ``codex-ml`` group. Subcommands are named here and imported only when invoked, so
``codex-ml --help`` and ``codex-ml plugins list`` stay free of torch, transformers and hydra."""
from __future__ import annotations

import importlib
from typing import Sequence

import click

from codex_ml.cli.errors import run

#: Subcommand name -> ("module:attr", one-line help shown by --help without importing the module).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "plugins": ("codex_ml.cli.plugins_cli:plugins", "List and inspect installed plugins and components."),
    "catalogue": ("codex_ml.cli.catalogue_cli:catalogue", "Offline artefacts: list and verify them, synthesise or fetch GPT-2/TinyLlama."),
    "train": ("codex_ml.cli.train:train", "Train with a Hydra-composed config; writes a run directory."),
    "evaluate": ("codex_ml.cli.evaluate:evaluate", "Score a model on an evaluation set; writes results.json and samples.jsonl."),
    "runs": ("codex_ml.cli.runs_cli:runs", "List, show, compare and plot run directories."),
    "doctor": ("codex_ml.cli.doctor_cli:doctor", "Check this host for offline runs: torch, caches, flags, artefacts."),
}


class LazyGroup(click.Group):
    """A Click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module_name, _, attr = LAZY_COMMANDS[name][0].partition(":")
            return getattr(importlib.import_module(module_name), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, LAZY_COMMANDS[name][1]) for name in sorted(LAZY_COMMANDS)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from codex_ml.plugins.hookspecs import API_VERSION
    from codex_ml.versions import installed_distributions

    for index, (name, version) in enumerate(installed_distributions()):
        click.echo(f"{name} {version}" + (f" (hook API {API_VERSION})" if index == 0 else ""))
    ctx.exit(0)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Show the core (with its hook API version) and every plugin distribution with versions.")
@click.option("--traceback", is_flag=True, help="Show the full traceback on errors (or set CODEX_ML_DEBUG=1).")
def cli(traceback: bool) -> None:
    """codex-ml: offline-first plugin framework for machine-learning pipelines."""


def main(argv: Sequence[str] | None = None, prog_name: str = "codex-ml") -> None:
    from codex_ml.utils.offline import apply_for_cli

    apply_for_cli()  # offline flags and caches, before any subcommand can import huggingface_hub/transformers
    run(cli, argv, prog_name=prog_name)


if __name__ == "__main__":
    main()
