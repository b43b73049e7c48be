"""Render the environment-variable tables in docs/offline.md from codex_ml.settings and the installed
plugins' artefact declarations (run it with every offline distribution installed).

    python scripts/render_env_table.py          # rewrite the tables in place
    python scripts/render_env_table.py --check  # exit 1 if the docs are out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

from _generated_docs import render_or_check
from codex_ml import settings
from codex_ml.artifacts.spec import KIND_DIRECTORIES
from codex_ml.plugins.registries import REGISTRIES
from codex_ml.plugins.spec import KINDS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "offline.md"
BEGIN, END = "<!-- env-table:begin -->", "<!-- env-table:end -->"


def core_table() -> list[str]:
    lines = ["| Variable | What it does |", "|---|---|"]
    lines += [f"| `{v.name}` | {v.doc} |" for v in settings.VARIABLES]
    return lines


def kind_directory_table() -> list[str]:
    lines = ["| Variable | Replaces |", "|---|---|"]
    lines += [f"| `{name}` | `{layout}` |" for name, layout in KIND_DIRECTORIES.items()]
    return lines


def component_table() -> list[str]:
    lines = ["| Variable | Component | Seed layout |", "|---|---|---|"]
    for kind, registry in REGISTRIES.items():
        for spec in registry.entries():
            if spec.artifact is not None:
                lines.append(f"| `{spec.artifact.env_var}` | {KINDS[kind]} `{spec.name}` | `{spec.artifact.layout_path}` |")
    return lines


def render() -> str:
    return "\n".join([
        "### codex-ml", "", *core_table(), "",
        "### Where each artefact is found", "",
        "The resolver checks, in order: an explicit path (argument or config), the component's variable, the",
        "kind's directory variable joined with the artefact's path below it, the seed layout under the project",
        "root, and the copy packaged in the distribution. A path named by an argument or a component variable",
        "that does not exist is an error; it never falls through. `codex-ml plugins show NAME` prints the search",
        "order and marks the winner. The full catalogue, generated from `catalogue/offline.yaml`, is in",
        "[catalogue.md](catalogue.md).", "",
        "Kind directory variables (each replaces one folder of the seed layout):", "", *kind_directory_table(), "",
        "Component variables (each points at one artefact, a file or its folder; for checkpoints the directory):", "",
        *component_table(),
    ])


def rendered_doc(current: str) -> str:
    head, begin, rest = current.partition(BEGIN)
    _, end, tail = rest.partition(END)
    if not begin or not end:
        raise SystemExit(f"{DOC}: the markers {BEGIN} and {END} are missing")
    return f"{head}{BEGIN}\n{render()}\n{END}{tail}"


def main() -> int:
    return render_or_check(__doc__.splitlines()[0], DOC, rendered_doc, "render_env_table.py")


if __name__ == "__main__":
    sys.exit(main())
