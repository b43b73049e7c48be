"""Shared by the doc generators (render_catalogue.py, render_env_table.py): write a doc, or check it is current."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path


def render_or_check(description: str, doc: Path, rendered: Callable[[str], str], script: str) -> int:
    """``--check`` exits 1 when ``doc`` differs from ``rendered(doc's text)``; otherwise the doc is rewritten."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--check", action="store_true", help=f"fail if {doc.relative_to(doc.parents[1])} is out of date")
    args = parser.parse_args()
    current = doc.read_text(encoding="utf-8")
    wanted = rendered(current)
    if args.check:
        if wanted != current:
            print(f"{doc} is out of date; run python scripts/{script}", file=sys.stderr)
            return 1
        return 0
    doc.write_text(wanted, encoding="utf-8")
    return 0
