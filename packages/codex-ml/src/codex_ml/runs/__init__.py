"""Run directories: what ran (config, overrides), what happened (metrics, summary) and on what
(provenance: versions, git state, seeds, artefact hashes); locked while a run writes, saved atomically."""
from codex_ml.runs.directory import PhaseLog, RunDirectory, RunDirectoryExistsError, default_run_path
from codex_ml.runs.lock import RunLock, RunLockedError
from codex_ml.runs.metrics_log import MetricsLog
from codex_ml.runs.saves import atomic_directory, fault_point, remove_partial_saves

__all__ = ["MetricsLog", "PhaseLog", "RunDirectory", "RunDirectoryExistsError", "RunLock", "RunLockedError",
           "atomic_directory", "default_run_path", "fault_point", "remove_partial_saves"]
