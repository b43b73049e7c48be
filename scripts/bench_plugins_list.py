"""Benchmark `codex-ml plugins list` against the floor of importing its three libraries.

    python scripts/bench_plugins_list.py [--runs 15] [--plugins 200]

Times, in fresh processes, (a) `python -c "import click, pluggy, importlib.metadata"` and
(b) `python -m codex_ml.cli plugins list`, first with the installed distributions only, then with
N generated plugin distributions (each a dist-info with a `codex_ml` entry point and a plugin module
registering one component) added to the path. Reports the median of each and the ratio to the floor.
Target: the listing takes at most 1.5x the floor. The cold column (``--refresh``) shows the cost when
the discovery cache is bypassed and every plugin module is imported.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = [sys.executable, "-c", "import click, pluggy, importlib.metadata"]
LISTING = [sys.executable, "-m", "codex_ml.cli", "plugins", "list"]
COLD_LISTING = [*LISTING, "--refresh"]  # bypasses the discovery cache: every plugin imported


def generate_plugins(site: Path, count: int) -> None:
    """Write ``count`` installed-looking plugin distributions into ``site``."""
    for index in range(count):
        name = f"bench_plugin_{index:03d}"
        info = site / f"{name}-0.1.0.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1.0\n")
        (info / "entry_points.txt").write_text(f"[codex_ml]\n{name} = {name}\n")
        (info / "RECORD").write_text("")
        (site / f"{name}.py").write_text(
            "from codex_ml.plugins import hookimpl\n\n"
            "@hookimpl\n"
            "def register_metrics(register):\n"
            f"    register('bench:metric-{index:03d}', '{name}_impl:Metric', summary='generated')\n"
        )


def median_seconds(command: list[str], runs: int, env: dict[str, str]) -> float:
    subprocess.run(command, env=env, check=True, capture_output=True)  # warm the file cache
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--plugins", type=int, default=200)
    args = parser.parse_args()
    # Byte-code caching stays on, as for any pip-installed package: the warm-up run writes the .pyc files.
    base_env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_") and k != "PYTHONDONTWRITEBYTECODE"}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp)
        generate_plugins(site, args.plugins)
        for label, env in [("installed distributions only", base_env),
                           (f"+ {args.plugins} generated plugin distributions", {**base_env, "PYTHONPATH": str(site)})]:
            floor = median_seconds(FLOOR, args.runs, env)
            listing = median_seconds(LISTING, args.runs, env)
            cold = median_seconds(COLD_LISTING, args.runs, env)
            rows.append((label, floor, listing, cold))
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, median wall time")
    print("| environment | floor | plugins list | ratio | plugins list --refresh (no cache) | ratio |")
    print("|---|---|---|---|---|---|")
    for label, floor, listing, cold in rows:
        print(f"| {label} | {floor * 1000:.0f} ms | {listing * 1000:.0f} ms | {listing / floor:.2f}x "
              f"| {cold * 1000:.0f} ms | {cold / floor:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
