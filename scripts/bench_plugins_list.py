"""Benchmark `codex-ml plugins list` against the floor of importing its three libraries.

    python scripts/bench_plugins_list.py [--runs 15] [--plugins 200]

Times, in fresh processes, (a) `python -c "import click, pluggy, importlib.metadata"` and
(b) `python -m codex_ml.cli plugins list`, first with the installed distributions only, then with
N generated plugin distributions (each a dist-info with a `codex_ml` entry point and a plugin module
registering one component) added to the path. Reports the median of each and the ratio to the floor.
Targets (issue 15): warm (cache used) at most 1.2x the floor, cold (``--refresh``: the discovery cache
bypassed and every plugin module imported) at most 1.5x, and with N plugins at most 2x the time with the
installed distributions only. The three commands are interleaved run by run so load on the machine hits
each side alike.
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


def median_seconds(commands: list[list[str]], runs: int, env: dict[str, str]) -> list[float]:
    """Median wall time of each command, interleaved (a, b, c, a, b, c, ...) after one warm-up each."""
    for command in commands:
        subprocess.run(command, env=env, check=True, capture_output=True)  # warm the file cache and the listing cache
    samples: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for index, command in enumerate(commands):
            start = time.perf_counter()
            subprocess.run(command, env=env, check=True, capture_output=True)
            samples[index].append(time.perf_counter() - start)
    return [statistics.median(s) for s in samples]


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
            floor, listing, cold = median_seconds([FLOOR, LISTING, COLD_LISTING], args.runs, env)
            rows.append((label, floor, listing, cold))
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, median wall time")
    print("| environment | floor | plugins list (warm) | ratio | plugins list --refresh (cold) | ratio |")
    print("|---|---|---|---|---|---|")
    for label, floor, listing, cold in rows:
        print(f"| {label} | {floor * 1000:.0f} ms | {listing * 1000:.0f} ms | {listing / floor:.2f}x "
              f"| {cold * 1000:.0f} ms | {cold / floor:.2f}x |")
    (_, _, base_warm, base_cold), (_, _, many_warm, many_cold) = rows
    print(f"\nwith {args.plugins} plugins / installed only: warm {many_warm / base_warm:.2f}x, cold {many_cold / base_cold:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
