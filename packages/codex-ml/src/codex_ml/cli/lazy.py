"""Commands named now and imported when used, so ``codex-ml --help`` imports no implementation.

Plugins use :class:`LazyCommand` in their ``register_commands`` hook::

    @hookimpl
    def register_commands(cli):
        cli.add_command(LazyCommand("export", "acme.export_cli:export", "Export a run as a zip file."))
        cli.add_to_group("catalogue", LazyCommand("synth", "acme.synth_cli:synth", "Write a tiny model."))
"""
from __future__ import annotations

from typing import Any

import click
from codex_ml.plugins.spec import load_target


class LazyCommand(click.Command):
    """Stands in for the Click command at ``target`` (``"module:attr"``) until it is run or asked for help.

    ``help`` is the one line ``--help`` of the parent shows without importing anything.
    """

    def __init__(self, name: str, target: str, help: str) -> None:
        super().__init__(name, help=help, short_help=help, add_help_option=False)
        self.target = target
        self._command: click.Command | None = None

    def load(self) -> click.Command:
        if self._command is None:
            command = load_target(self.target)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.target} is not a Click command (found {type(command).__name__})")
            self._command = command
        return self._command

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        return self.load().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        return self.load().invoke(ctx)

    def get_help(self, ctx: click.Context) -> str:
        return self.load().get_help(ctx)
