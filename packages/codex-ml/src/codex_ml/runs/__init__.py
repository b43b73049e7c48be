"""Run directories: what ran (config, overrides), what happened (metrics, summary) and on what
(provenance: versions, git state, seeds, artefact hashes)."""
from codex_ml.runs.directory import RunDirectory, default_run_path

__all__ = ["RunDirectory", "default_run_path"]
