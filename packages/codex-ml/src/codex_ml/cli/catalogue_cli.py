"""``codex-ml catalogue``: where each catalogue artefact is and whether it matches its manifest.

The core ships ``list`` and ``verify``; installed distributions add commands that make artefacts
(``synth``, ``fetch``) through the ``register_commands`` hook.
"""
from __future__ import annotations

import click
from codex_ml.cli.catalogue_status import list_command, verify_command


@click.group("catalogue")
def catalogue() -> None:
    """Offline artefacts: list where each would come from and verify them against their manifests.
    Installed distributions add commands that make them (e.g. synth, fetch)."""


catalogue.add_command(list_command)
catalogue.add_command(verify_command)
