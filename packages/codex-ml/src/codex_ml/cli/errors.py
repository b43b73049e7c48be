"""Run a Click command so users see one-line errors and a non-zero exit, never a bare traceback.

``--traceback`` on the command line or ``CODEX_ML_DEBUG=1`` shows the full trace instead.
"""
from __future__ import annotations

import sys
from collections.abc import Sequence

import click
from codex_ml import settings
from codex_ml.errors import INTERRUPTED, CodexMLError, exit_code

DEBUG_VAR = settings.DEBUG


def wants_traceback(args: Sequence[str]) -> bool:
    return "--traceback" in args or settings.flag(DEBUG_VAR)


def run(command: click.Command, args: Sequence[str] | None = None, prog_name: str | None = None) -> None:
    args = list(sys.argv[1:] if args is None else args)
    debug = wants_traceback(args)
    try:
        # Outside standalone mode Click returns the code of ``ctx.exit(n)`` / ``Exit(n)`` instead of exiting.
        code = command.main(args=args, prog_name=prog_name, standalone_mode=False)
        if isinstance(code, int) and not isinstance(code, bool) and code != 0:
            sys.exit(code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        click.echo("Interrupted.", err=True)
        sys.exit(INTERRUPTED)
    except CodexMLError as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exit_code(exc))
    except (FileNotFoundError, ValueError, ImportError, KeyError, OSError) as exc:
        if debug:
            raise
        click.echo(f"error: {exc}", err=True)
        sys.exit(exit_code(exc))
    except Exception as exc:
        if debug:
            raise
        click.echo(f"error: unexpected {type(exc).__name__}: {exc} (rerun with --traceback for details)", err=True)
        sys.exit(exit_code(exc))
