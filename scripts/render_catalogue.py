"""Render docs/catalogue.md's table from catalogue/offline.yaml.

    python scripts/render_catalogue.py          # rewrite the table in place
    python scripts/render_catalogue.py --check  # exit 1 if the docs are out of date
"""
from __future__ import annotations

import sys
from pathlib import Path

import yaml
from _generated_docs import render_or_check

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "catalogue" / "offline.yaml"
DOC = ROOT / "docs" / "catalogue.md"
BEGIN, END = "<!-- catalogue-table:begin -->", "<!-- catalogue-table:end -->"
KIND_LABELS = {"tokenizers": "tokenizer", "models": "model", "datasets": "dataset", "metrics": "metric",
               "trainers": "trainer", "reward_models": "reward model", "rl_agents": "RL agent"}


def load_entries(path: Path = CATALOGUE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["entries"]


def render_table(entries: list[dict]) -> str:
    def cell(value: str | None) -> str:
        return f"`{value}`" if value else "-"

    lines = ["| Name | Kind | Distribution | Variable | Directory variable | Seed layout | Packaged fixture |",
             "|---|---|---|---|---|---|---|"]
    for e in entries:
        lines.append(f"| `{e['name']}` | {KIND_LABELS[e['kind']]} | `{e['distribution']}` | {cell(e['env_var'])} | "
                     f"{cell(e['dir_var'])} | {cell(e['layout'])} | {'yes' if e['fixture'] else 'no'} |")
    return "\n".join(lines)


def rendered_doc(current: str, entries: list[dict]) -> str:
    head, _, rest = current.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return f"{head}{BEGIN}\n{render_table(entries)}\n{END}{tail}"


def main() -> int:
    return render_or_check(__doc__.splitlines()[0], DOC, lambda current: rendered_doc(current, load_entries()), "render_catalogue.py")


if __name__ == "__main__":
    sys.exit(main())
