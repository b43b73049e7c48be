"""``codex-ml catalogue synth`` and ``codex-ml catalogue fetch``: make the model artefacts the offline
catalogue expects. Added to the core's ``catalogue`` group by this distribution's ``register_commands``
hook; this module is imported only when one of them runs.

``synth`` writes small real-format stand-ins with no network; ``fetch`` downloads the real ones at a
pinned revision on a connected host. Both need this distribution's ``[hf]`` extra.
"""
from __future__ import annotations

import importlib
from pathlib import Path

import click
from codex_ml.errors import MissingDependencyError

FAMILIES = ("gpt2", "tinyllama")
_HINT = "pip install 'codex-ml-offline-models[hf]'"


def _load(module: str):
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise MissingDependencyError(f"catalogue needs codex-ml-offline-models with its [hf] extra ({exc.name} is "
                                     f"missing): {_HINT}") from exc


@click.command("synth")
@click.argument("family", type=click.Choice(FAMILIES))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Project root to write artifacts/models/<family> under.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed for the random weights.")
@click.option("--vocab-size", type=int, default=None, help="Tokenizer vocabulary size (default: 4096 GPT-2, 2048 TinyLlama).")
def synth(family: str, root: Path, seed: int, vocab_size: int | None) -> None:
    """Write a small randomly initialised FAMILY model and a tokenizer trained on local text."""
    kwargs = {"seed": seed, **({"vocab_size": vocab_size} if vocab_size else {})}
    target = _load("codex_ml.offline.models.synth").synth(family, root, **kwargs)
    click.echo(f"wrote {target} (manifest.json lists sizes and SHA-256)")


@click.command("fetch")
@click.argument("family", type=click.Choice(FAMILIES))
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="Project root to write artifacts/models/<family> under.")
@click.option("--revision", default=None, help="Repository commit to fetch instead of the pinned one.")
def fetch(family: str, root: Path, revision: str | None) -> None:
    """Download the real FAMILY model at its pinned revision (needs the network)."""
    target = _load("codex_ml.offline.models.fetch").fetch(family, root, revision=revision)
    click.echo(f"wrote {target} (manifest.json lists sizes and SHA-256)")
