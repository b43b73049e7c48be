"""Reading run directories back: which runs exist, what each ran and scored, how two differ, and the
series behind their curves. Used by ``codex-ml runs``; reads only the files a run writes
(overrides.json, config.yaml, summary.json or results.json, metrics.jsonl, failed.json, provenance.json).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codex_ml.errors import CodexMLError, RunNotFoundError
from codex_ml.runs.directory import RUNS_DIR

#: Files that only a run directory holds; a folder with none of them is not a run.
RUN_MARKERS = ("overrides.json", "summary.json", "results.json", "failed.json")


def runs_root(base: Path | None = None) -> Path:
    """Where ``codex-ml train``/``evaluate`` put runs by default: ``./runs``."""
    return (base or Path.cwd()) / RUNS_DIR


def is_run(path: Path) -> bool:
    return path.is_dir() and any((path / marker).is_file() for marker in RUN_MARKERS)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise CodexMLError(f"{path}: not valid JSON ({exc}); the run directory is damaged") from exc


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except ValueError as exc:
                raise CodexMLError(f"{path}:{number}: not valid JSON ({exc})") from exc
    return rows


@dataclass
class Run:
    """Everything a run directory records, read once."""

    path: Path
    overrides: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    result: dict[str, Any] = field(default_factory=dict)  # summary.json (train) or results.json (evaluate)
    failure: dict[str, Any] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    metrics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def command(self) -> str:
        return str(self.result.get("command") or self.provenance.get("command") or "-")

    @property
    def config_name(self) -> str:
        return str(self.overrides.get("config_name") or self.result.get("config_name") or "-")

    @property
    def status(self) -> str:
        """``failed`` (failed.json), ``finished`` (summary or results written) or ``incomplete``."""
        if self.failure is not None:
            return "failed"
        return "finished" if self.result else "incomplete"

    @property
    def started_at(self) -> str | None:
        return self.provenance.get("started_at")

    def headline(self) -> dict[str, float]:
        """The numbers a person compares runs by: evaluation scores, mean reward, losses, steps (for a
        ``codex-ml rl`` run: the first and last step's mean reward and the steps done)."""
        found: dict[str, float] = {}
        result = self.result
        evaluation = result.get("evaluation") if result.get("command") == "train" else result
        for key, score in ((evaluation or {}).get("scores") or {}).items():
            if isinstance(score, dict) and isinstance(score.get("value"), (int, float)):
                found[f"eval.{key}"] = float(score["value"])
        rollouts = result.get("rollouts") or {}
        if isinstance(rollouts.get("mean_reward"), (int, float)):
            found["rollout.mean_reward"] = float(rollouts["mean_reward"])
        rl_rewards = [
            row["reward_mean"] for row in self.metrics
            if row.get("phase") == "rl" and not row.get("skipped") and isinstance(row.get("reward_mean"), (int, float))
        ]  # from metrics.jsonl, so a resumed run's first step is step 1, not the resumption's
        if rl_rewards:
            found["rl.first_reward_mean"], found["rl.last_reward_mean"] = float(rl_rewards[0]), float(rl_rewards[-1])
        if result.get("command") == "rl" and isinstance(result.get("steps"), int):
            found["rl.steps"] = float(result["steps"])
        training = result.get("training") or {}
        for key in ("steps", "eval_loss", "eval_perplexity", "held_out_accuracy"):
            if isinstance(training.get(key), (int, float)) and not isinstance(training.get(key), bool):
                found[f"train.{key}"] = float(training[key])
        losses = [row["loss"] for row in self.metrics if row.get("phase") == "train" and isinstance(row.get("loss"), (int, float))]
        if losses:
            found["train.final_loss"] = float(losses[-1])
        if isinstance(result.get("time_taken_seconds"), (int, float)):
            found["time_taken_seconds"] = float(result["time_taken_seconds"])
        return found

    def curves(self) -> dict[str, tuple[list[float], list[float]]]:
        """Named (x, y) series: train loss and learning rate by step, held-out loss by step, reward by record,
        RL mean reward and loss by step, running evaluation accuracy by sample. Only series the run recorded are returned."""
        series: dict[str, tuple[list[float], list[float]]] = {}

        def add(name: str, x: float, y: Any) -> None:
            if isinstance(y, (int, float)) and not isinstance(y, bool):
                xs, ys = series.setdefault(name, ([], []))
                xs.append(float(x))
                ys.append(float(y))

        correct = 0
        for row in self.metrics:
            phase = row.get("phase")
            if phase == "train":
                add("train loss", row.get("step", 0), row.get("loss"))
                add("learning rate", row.get("step", 0), row.get("learning_rate"))
            elif phase == "rl":
                add("rl mean reward", row.get("step", 0), row.get("reward_mean"))
                add("rl loss", row.get("step", 0), row.get("loss"))
            elif phase == "rollout":
                add("rollout reward", row.get("index", 0), row.get("reward"))
            elif phase == "evaluate" and isinstance(row.get("correct"), bool):
                correct += row["correct"]
                add("eval running accuracy", row.get("index", 0) + 1, correct / (row.get("index", 0) + 1))
        training = self.result.get("training") or {}
        for point in training.get("evaluations") or []:
            add("held-out loss", point.get("step", 0), point.get("eval_loss"))
        return series

    def summary_document(self) -> dict[str, Any]:
        """The ``runs show --json`` document."""
        return {
            "schema_version": 1,
            "name": self.name,
            "path": str(self.path),
            "command": self.command,
            "config_name": self.config_name,
            "status": self.status,
            "started_at": self.started_at,
            "arguments": self.overrides.get("arguments", []),
            "components": self.result.get("components") or self.provenance.get("components") or {},
            "headline": self.headline(),
            "failure": self.failure,
            "result": self.result,
            "files": sorted(p.name for p in self.path.iterdir() if p.is_file()),
        }


def load_run(path: Path) -> Run:
    """Read the run directory at ``path`` (config.yaml is parsed with PyYAML)."""
    path = Path(path)
    if not is_run(path):
        raise RunNotFoundError(f"{path} is not a run directory (it has none of {', '.join(RUN_MARKERS)})")
    config: dict[str, Any] = {}
    config_file = path / "config.yaml"
    if config_file.is_file():
        import yaml

        try:
            config = yaml.safe_load(config_file.read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as exc:
            raise CodexMLError(f"{config_file}: not valid YAML ({exc})") from exc
    result = _read_json(path / "summary.json") or _read_json(path / "results.json") or {}
    return Run(path=path, overrides=_read_json(path / "overrides.json") or {}, config=config, result=result,
               failure=_read_json(path / "failed.json"), provenance=_read_json(path / "provenance.json") or {},
               metrics=_read_jsonl(path / "metrics.jsonl"))


def find_runs(root: Path | None = None) -> list[Path]:
    """Run directories directly under ``root`` (default ``./runs``), oldest first (names start with a UTC stamp)."""
    root = runs_root() if root is None else Path(root)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if is_run(p))


def resolve_run(reference: str, root: Path | None = None) -> Path:
    """A run given as a path, a directory name under ``root``, a unique prefix of one, or ``latest``."""
    root = runs_root() if root is None else Path(root)
    candidate = Path(reference).expanduser()
    if is_run(candidate):
        return candidate
    runs = find_runs(root)
    if reference == "latest" and runs:
        return max(runs, key=lambda p: p.stat().st_mtime_ns)
    if is_run(root / reference):
        return root / reference
    matches = [p for p in runs if p.name.startswith(reference)]
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        raise RunNotFoundError(f"{reference!r} matches {len(matches)} runs under {root}: "
                               f"{', '.join(p.name for p in matches[:5])}; give more of the name")
    import difflib

    names = [p.name for p in runs]
    close = difflib.get_close_matches(reference, names, n=3, cutoff=0.4)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    available = f" Runs there: {', '.join(names[-5:])}" if names else " There are no runs there yet."
    raise RunNotFoundError(f"no run {reference!r} (looked for a run directory at {candidate} and under {root}).{hint}"
                           f"{available}")


def flatten(config: Any, prefix: str = "") -> dict[str, Any]:
    """``{"a.b": value}`` for every leaf of a nested mapping (lists are leaves)."""
    if not isinstance(config, dict):
        return {prefix: config} if prefix else {}
    flat: dict[str, Any] = {}
    for key, value in config.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict) and value:
            flat.update(flatten(value, path))
        else:
            flat[path] = value
    return flat


_ABSENT = object()


def config_diff(a: dict[str, Any], b: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """``(key, value in a, value in b)`` for every leaf that differs; a missing key shows as ``<absent>``."""
    flat_a, flat_b = flatten(a), flatten(b)
    rows = []
    for key in sorted(set(flat_a) | set(flat_b)):
        left, right = flat_a.get(key, _ABSENT), flat_b.get(key, _ABSENT)
        if left != right:
            rows.append((key, "<absent>" if left is _ABSENT else left, "<absent>" if right is _ABSENT else right))
    return rows


__all__ = ["Run", "RunNotFoundError", "config_diff", "find_runs", "flatten", "is_run", "load_run", "resolve_run",
           "runs_root"]
