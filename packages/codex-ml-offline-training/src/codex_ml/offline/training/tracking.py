"""``training.report_to``: where the loop's metric records go, the way HF Trainer users expect.

``jsonl`` is the run's own ``metrics.jsonl`` (the ``log`` function the pipeline passes in); ``tensorboard``
writes event files to ``<output_dir>/tensorboard``; ``mlflow`` logs to a local file store at
``<output_dir>/mlruns`` (never a server: the tracking URI is set explicitly). Each tracker is an optional
extra, checked before the run starts (:func:`check_available`). Only rank 0 reports.
"""
from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from codex_ml.errors import CodexMLError, TrackerMissingError

#: tracker -> (module that must import, extra that installs it)
REQUIREMENTS = {"tensorboard": ("tensorboard", "codex-ml-offline-training[tensorboard]"),
                "mlflow": ("mlflow", "codex-ml-offline-training[mlflow]")}


def check_available(report_to: Sequence[str]) -> None:
    for name in report_to:
        if name in REQUIREMENTS:
            module, extra = REQUIREMENTS[name]
            if importlib.util.find_spec(module) is None:
                raise TrackerMissingError(f"offline:functional: training.report_to includes {name!r} but the {module!r} "
                                          f"package is not installed; pip install '{extra}' or remove {name!r}")


def _numbers(record: Mapping[str, Any]) -> dict[str, float]:
    return {k: float(v) for k, v in record.items()
            if k != "step" and isinstance(v, (int, float)) and not isinstance(v, bool)}


class Reporters:
    def __init__(self, report_to: Sequence[str], log: Callable[[Mapping[str, Any]], None] | None, out: Path | None, *,
                 enabled: bool = True, run_config: Mapping[str, Any] | None = None) -> None:
        self._sinks: list[Callable[[Mapping[str, Any]], None]] = []
        self._closers: list[Callable[[], None]] = []
        if not enabled:
            return
        if "jsonl" in report_to and log is not None:
            self._sinks.append(log)
        needs_dir = [name for name in report_to if name in REQUIREMENTS]
        if needs_dir and out is None:
            raise CodexMLError(f"offline:functional: training.report_to={list(report_to)} writes under output_dir, "
                               "and none is set")
        if "tensorboard" in report_to:
            self._tensorboard(out / "tensorboard")
        if "mlflow" in report_to:
            self._mlflow(out / "mlruns", run_config or {})

    def _tensorboard(self, directory: Path) -> None:
        check_available(["tensorboard"])
        from torch.utils.tensorboard import SummaryWriter

        writer = SummaryWriter(log_dir=str(directory))

        def sink(record: Mapping[str, Any]) -> None:
            for key, value in _numbers(record).items():
                writer.add_scalar(f"train/{key}", value, global_step=int(record.get("step", 0)))

        self._sinks.append(sink)
        self._closers.append(writer.close)

    def _mlflow(self, directory: Path, run_config: Mapping[str, Any]) -> None:
        check_available(["mlflow"])
        import os

        import mlflow

        # MLflow 3 keeps the file store behind this opt-in; the database store needs SQLAlchemy, which
        # mlflow-skinny does not bring. A local file store is the offline choice.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        directory.mkdir(parents=True, exist_ok=True)
        client = mlflow.MlflowClient(tracking_uri=directory.resolve().as_uri())
        experiment = client.get_experiment_by_name("codex-ml") or None
        experiment_id = experiment.experiment_id if experiment else client.create_experiment("codex-ml")
        run_id = client.create_run(experiment_id).info.run_id
        for key, value in run_config.items():
            client.log_param(run_id, key, str(value)[:500])

        def sink(record: Mapping[str, Any]) -> None:
            for key, value in _numbers(record).items():
                client.log_metric(run_id, key, value, step=int(record.get("step", 0)))

        self._sinks.append(sink)
        self._closers.append(lambda: client.set_terminated(run_id))

    def log(self, record: Mapping[str, Any]) -> None:
        for sink in self._sinks:
            sink(record)

    def close(self) -> None:
        for close in self._closers:
            close()
