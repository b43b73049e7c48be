"""Render docs/catalogue.md's table from catalogue/offline.yaml.

    python scripts/render_catalogue.py          # rewrite the table in place
    python scripts/render_catalogue.py --check  # exit 1 if the docs are out of date
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/catalogue.md is out of date")
    args = parser.parse_args()
    current = DOC.read_text(encoding="utf-8")
    wanted = rendered_doc(current, load_entries())
    if args.check:
        if wanted != current:
            print(f"{DOC} is out of date; run python scripts/render_catalogue.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
