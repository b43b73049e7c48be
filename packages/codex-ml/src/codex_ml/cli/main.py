"""The ``codex-ml`` group. Core subcommands are named here and imported only when invoked; plugins add
theirs through the ``register_commands`` hook. ``codex-ml --help`` and ``codex-ml plugins list`` stay
free of torch, transformers and hydra."""
from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import click
from codex_ml.cli.errors import run
from codex_ml.errors import PluginLoadError
from codex_ml.plugins.spec import load_target

CORE_OWNER = "codex-ml"
#: Core groups plugins may add subcommands to (``cli.add_to_group``). Other core commands never ask
#: plugins, so ``plugins list`` keeps using its discovery cache.
EXTENSIBLE_GROUPS = frozenset({"catalogue"})

#: Subcommand name -> ("module:attr", one-line help shown by --help without importing the module).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "plugins": ("codex_ml.cli.plugins_cli:plugins", "List and inspect installed plugins and components."),
    "catalogue": ("codex_ml.cli.catalogue_cli:catalogue", "Offline artefacts: list and verify them (plugins add more)."),
    "train": ("codex_ml.cli.train:train", "Train with a Hydra-composed config; writes a run directory."),
    "evaluate": ("codex_ml.cli.evaluate:evaluate", "Score a model on an evaluation set; writes results.json and samples.jsonl."),
    "runs": ("codex_ml.cli.runs_cli:runs", "List, show, compare and plot run directories."),
    "doctor": ("codex_ml.cli.doctor_cli:doctor", "Check this host for offline runs: torch, caches, flags, artefacts."),
}


class LazyGroup(click.Group):
    """The top-level group: core subcommands imported on first use, plus what plugins contribute.

    Plugins are asked (``register_commands``) only when a name is not a core command, when the
    commands are listed, or when a core group they may extend (``catalogue``) is resolved, so
    ``codex-ml train`` and ``codex-ml plugins list`` do not discover plugins for it.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plugins_asked = False
        #: Core group name -> commands plugins add to it (see add_to_group).
        self._group_additions: dict[str, list[click.Command]] = {}
        self._owner = CORE_OWNER

    # -- what plugins call from register_commands ---------------------------------------------------
    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        name = name or cmd.name
        if name in LAZY_COMMANDS or name in self.commands:
            existing = CORE_OWNER if name in LAZY_COMMANDS else getattr(self.commands[name], "_codex_owner", "?")
            raise PluginLoadError(f"command {name!r} from {self._owner} clashes with the one from {existing}")
        cmd._codex_owner = self._owner  # type: ignore[attr-defined]
        super().add_command(cmd, name)

    def add_to_group(self, group: str, cmd: click.Command) -> None:
        """Add ``cmd`` to the core group ``group`` (e.g. ``catalogue``) when that group is used."""
        if group not in EXTENSIBLE_GROUPS:
            raise PluginLoadError(f"{self._owner} adds {cmd.name!r} to {group!r}; plugins may extend only "
                                  f"{', '.join(sorted(EXTENSIBLE_GROUPS))}")
        cmd._codex_owner = self._owner  # type: ignore[attr-defined]
        self._group_additions.setdefault(group, []).append(cmd)

    # -- click --------------------------------------------------------------------------------------
    def list_commands(self, ctx: click.Context) -> list[str]:
        self._ask_plugins()
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            command = load_target(LAZY_COMMANDS[name][0])
            if name in EXTENSIBLE_GROUPS and isinstance(command, click.Group):
                self._ask_plugins()
                command = copy.copy(command)  # the module's group stays as the core defines it
                command.commands = dict(command.commands)
                for extra in self._group_additions.get(name, ()):
                    if extra.name in command.commands:
                        _warn(f"{extra._codex_owner} adds {extra.name!r} to {name!r}, which already has it; ignored")  # type: ignore[attr-defined]
                    else:
                        command.add_command(extra)
            return command
        self._ask_plugins()
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._ask_plugins()
        rows = [(name, LAZY_COMMANDS[name][1]) for name in LAZY_COMMANDS]
        rows += [(name, cmd.get_short_help_str(80)) for name, cmd in self.commands.items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))

    def _ask_plugins(self) -> None:
        """Call every plugin's ``register_commands`` once; a failing plugin is reported, the rest carry on."""
        if self._plugins_asked:
            return
        self._plugins_asked = True
        from codex_ml.plugins.manager import get_host

        for impl in get_host().pm.hook.register_commands.get_hookimpls():
            self._owner = impl.plugin_name.partition(":")[0]
            try:
                impl.function(cli=self)
            except Exception as exc:  # noqa: BLE001 - one plugin's broken command must not break the CLI
                _warn(f"plugin {impl.plugin_name} could not add its commands: {type(exc).__name__}: {exc}")
        self._owner = CORE_OWNER


def _warn(message: str) -> None:
    click.echo(f"codex-ml: warning: {message}", err=True)


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from codex_ml.plugins.hookspecs import API_VERSION
    from codex_ml.plugins.versions import installed_distributions

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
