"""Running the CLI in a subprocess with an explicit environment, and reading run directories."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("codex-ml")
#: Both spellings the guide uses.
ENTRY_POINTS = {"module": [sys.executable, "-m", "codex_ml.cli"], "script": [str(SCRIPT)]}


def cli_env(**extra: str) -> dict[str, str]:
    """The test's environment (CODEX_ML_* already cleaned by the autouse fixture; its project root and
    private hash cache kept, so runs never write the user's ~/.cache) plus ``extra``."""
    keep = ("CODEX_ML_PROJECT_ROOT", "CODEX_ML_CACHE_DIR")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_") or k in keep}
    env.update(extra)
    env.setdefault("CODEX_ML_PLUGIN_CACHE", "0")
    return env


def run_cli(args: list[str], cwd: Path, *, entry: str = "module", env: dict[str, str] | None = None,
            timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([*ENTRY_POINTS[entry], *args], cwd=cwd, env=env or cli_env(), capture_output=True,
                          text=True, timeout=timeout, check=False)


def only_run_dir(cwd: Path) -> Path:
    runs = sorted((cwd / "runs").iterdir())
    assert len(runs) == 1, runs
    return runs[0]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text())


def metrics_without(run: Path, timing: set[str]) -> list[dict]:
    """``run``'s metrics.jsonl records without the wall-clock fields, which differ between any two runs."""
    return [{k: v for k, v in json.loads(line).items() if k not in timing}
            for line in (run / "metrics.jsonl").read_text().splitlines()]


def save_leftovers(run: Path) -> list[str]:
    """Temporary folders of interrupted saves left in ``run`` or its checkpoints/ folder."""
    return sorted(p.name for folder in (run, run / "checkpoints") if folder.is_dir()
                  for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name)

