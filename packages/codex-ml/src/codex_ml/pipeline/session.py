"""What train and evaluate share: plan every component (failing before any work), then open the run
directory, record the config, seed, build the components, hash the artefacts they read, score on the
evaluation set and note a failure."""
from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from codex_ml.config.compose import Composed
from codex_ml.config.settings_check import check_pipeline_settings, problem
from codex_ml.errors import ConfigError, InvalidSettingError
from codex_ml.formats.evalset import EvalSample, as_samples
from codex_ml.pipeline.components import Planned, build, plan_all
from codex_ml.pipeline.scoring import EvaluationSettings, score_samples
from codex_ml.runs.directory import RUNS_DIR, RunDirectory, default_run_path
from codex_ml.runs.provenance import ArtefactRecord, provenance

#: Checks to run once the components are planned, before any is built: ``(output_dir, *, needs_torch)``;
#: raising stops the run. The CLI passes :func:`codex_ml.doctor.preflight`.
Preflight = Callable[..., Any]

#: (config key, registry kind) of the components a training run builds, in build order.
TRAIN_COMPONENTS = (
    ("tokenizer", "tokenizers"),
    ("model", "models"),
    ("dataset_loader", "datasets"),
    ("training", "trainers"),
    ("reward_model", "reward_models"),
    ("rl_agent", "rl_agents"),
)


def _node(config: dict[str, Any], dotted: str) -> Any:
    node: Any = config
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def evaluation_requests(config: dict[str, Any]) -> list[tuple[str, str, Any]]:
    """The evaluation set and each metric under ``metrics`` (none when no evaluation set is configured)."""
    dataset = _node(config, "evaluation.dataset")
    if not dataset:
        return []
    metrics = config.get("metrics") or {}
    return [("evaluation.dataset", "datasets", dataset)] + [
        (f"metrics.{key}", "metrics", node) for key, node in metrics.items() if node
    ]


def seed_everything(seed: Any) -> None:
    """Seed Python's ``random``, and numpy/torch only when the run already imported them."""
    if seed is None:
        return
    value = int(seed)
    random.seed(value)
    if "numpy" in sys.modules:
        sys.modules["numpy"].random.seed(value % (2**32))
    if "torch" in sys.modules and hasattr(sys.modules["torch"], "manual_seed"):
        sys.modules["torch"].manual_seed(value)


def _build(composed: Composed, planned: Planned, **extra: Any) -> Any:
    """:func:`build`, blaming a bad setting on the override or config file it came from (not on the
    component's own settings file, which did not hold it)."""
    try:
        return build(planned, **extra)
    except InvalidSettingError as exc:
        if exc.from_file or exc.key not in planned.kwargs:
            raise
        raise ConfigError(problem(composed, f"{planned.role}.{exc.key}", exc.reason)) from exc


#: Settings that continue the run already in output_dir (``codex-ml train`` and ``codex-ml rl``).
RESUME_KEYS = ("training.resume", "rl.resume")


def resumes(config: dict[str, Any]) -> bool:
    """A resume setting is true or names a checkpoint: the run continues what is in output_dir."""
    values = [_node(config, key) for key in RESUME_KEYS]
    return any(value is True or (isinstance(value, str) and value != "") for value in values)


@dataclass
class Session:
    composed: Composed
    planned: dict[str, Planned]
    run: RunDirectory
    started: float = field(default_factory=time.monotonic)
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    built: dict[str, Any] = field(default_factory=dict)
    #: The evaluation set's samples, checked when the session opened.
    samples: list[EvalSample] = field(default_factory=list)

    @classmethod
    def open(cls, composed: Composed, requests: list[tuple[str, str, Any]],
             extra: dict[str, dict[str, Any]] | None = None, *, preflight: Preflight | None = None) -> Session:
        """Check the settings, plan every component, call ``preflight(output_dir, needs_torch=...)`` (the CLI
        passes the doctor's checks), build every component, then create the run directory.

        Nothing is written until every artefact is found and every component has loaded, so a missing
        or malformed file leaves no half-made run behind. The evaluation set and the metrics are built
        (and the set checked) before the other components, so a bad set is refused before a model loads.
        ``extra`` adds factory arguments per role.
        """
        check_pipeline_settings(composed)
        planned = {p.role: p for p in plan_all(requests)}
        if preflight is not None:
            preflight(Path(composed.config.get("output_dir") or RUNS_DIR).expanduser(),
                      needs_torch=any("torch" in p.spec.requires for p in planned.values()))
        settings = EvaluationSettings.from_config(composed.config) if "evaluation.dataset" in planned else None
        seed_everything(composed.config.get("seed"))
        built: dict[str, Any] = {}
        samples: list[EvalSample] = []
        for role in sorted(planned, key=lambda r: r != "evaluation.dataset" and not r.startswith("metrics.")):
            built[role] = _build(composed, planned[role], **(extra or {}).get(role, {}))
            if role == "evaluation.dataset" and settings is not None:
                samples = as_samples(built[role], "evaluation.dataset")
        config = composed.config
        output = config.get("output_dir")
        path = Path(output).expanduser() if output else default_run_path(composed.config_name)
        run = RunDirectory(path, resume=resumes(config), overwrite=config.get("overwrite") is True)
        run.write_config(composed.to_yaml(), composed.arguments, composed.overrides, composed.config_name)
        return cls(composed, planned, run, built=built, samples=samples)

    def __getitem__(self, role: str) -> Any:
        return self.built[role]

    @contextmanager
    def failure_recorded(self) -> Iterator[None]:
        """Leave failed.json in the run directory when the body stops part-way (Ctrl-C too), then re-raise;
        either way the run directory's lock is released at the end."""
        try:
            yield
        except BaseException as exc:
            self.run.close()
            self.run.write_json("failed.json", {"error": f"{type(exc).__name__}: {exc}",
                                                "time_taken_seconds": self.elapsed()})
            raise
        finally:
            self.run.release()

    def score_evaluation(self, model: Any, *, quiet: bool) -> dict[str, Any]:
        """``model`` on the evaluation set (its first ``evaluation.max_samples``) with every planned metric."""
        metrics = {role.split(".", 1)[1]: (p.name, self[role]) for role, p in self.planned.items()
                   if role.startswith("metrics.")}
        settings = EvaluationSettings.from_config(self.composed.config)
        return score_samples(model, self.samples, metrics, settings, quiet=quiet)

    def artefacts(self, *, quiet: bool = True) -> list[ArtefactRecord]:
        return [ArtefactRecord.hashed(p.role, p.name, p.read_path, quiet=quiet)
                for p in self.planned.values() if p.read_path is not None]

    def components(self) -> dict[str, str]:
        return {role: p.name for role, p in self.planned.items()}

    def elapsed(self) -> float:
        return round(time.monotonic() - self.started, 3)

    def write_provenance(self, artefacts: list[ArtefactRecord]) -> dict[str, Any]:
        record = provenance(self.composed.config, artefacts, command=sys.argv)
        record.update({"config_name": self.composed.config_name, "components": self.components(),
                       "started_at": self.started_at,
                       "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        self.run.write_json("provenance.json", record)
        return record
