"""``codex-ml runs plot``: one PNG with a panel per recorded curve (loss, learning rate, held-out loss,
reward, running evaluation accuracy). matplotlib comes from the ``codex-ml[plot]`` extra and is
imported only here, with the non-interactive Agg backend so it works on a headless host."""
from __future__ import annotations

import math
from pathlib import Path

from codex_ml.errors import CodexMLError, MissingDependencyError
from codex_ml.runs.reading import Run

INSTALL_HINT = "pip install 'codex-ml[plot]'"
PANEL_INCHES = (6.0, 3.2)
DPI = 100


def _pyplot():
    try:
        import matplotlib
    except ImportError as exc:
        raise MissingDependencyError(f"runs plot needs matplotlib, which is not installed: {INSTALL_HINT}") from exc
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_run(run: Run, output: Path) -> list[str]:
    """Write ``output`` (PNG) and return the names of the curves drawn."""
    series = run.curves()
    if not series:
        raise CodexMLError(f"{run.path}: nothing to plot: metrics.jsonl has no train, rollout or evaluate records")
    if output.suffix.lower() != ".png":
        raise CodexMLError(f"{output}: runs plot writes PNG files; name the output *.png")
    plt = _pyplot()
    columns = 2 if len(series) > 1 else 1
    rows = math.ceil(len(series) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(PANEL_INCHES[0] * columns, PANEL_INCHES[1] * rows),
                                squeeze=False)
    x_labels = {"rollout reward": "record", "eval running accuracy": "samples scored"}
    for axis, (name, (xs, ys)) in zip(axes.flat, series.items()):
        axis.plot(xs, ys, marker="." if len(xs) < 50 else None, linewidth=1.2)
        axis.set_title(name)
        axis.set_xlabel(x_labels.get(name, "step"))
        axis.grid(True, alpha=0.3)
    for axis in list(axes.flat)[len(series):]:
        axis.set_visible(False)
    figure.suptitle(f"{run.name} ({run.command}, {run.config_name})")
    figure.tight_layout()
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.tmp")
    figure.savefig(temporary, format="png", dpi=DPI)
    plt.close(figure)
    temporary.replace(output)  # atomic, like every other file codex-ml writes
    return list(series)
