"""The config groups the pipeline reads, derived from the kind declarations (used by error messages and
by the closest-match suggestions for misspelt config words)."""
from __future__ import annotations

from codex_ml import kinds


def config_groups() -> tuple[str, ...]:
    """The groups the pipeline reads: one per declared kind, plus ``interfaces`` (reward model and agent
    presets) and ``evaluation`` (evaluation sets by name)."""
    return (*(kind.config_group for kind in kinds.all_kinds()), "interfaces", "evaluation")
