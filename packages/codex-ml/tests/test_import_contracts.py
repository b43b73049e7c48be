"""The import contracts in .importlinter match what the distributions declare."""
from __future__ import annotations

import configparser
import re

import pytest
from repo_paths import REPO_ROOT

tomllib = pytest.importorskip("tomllib", reason="reads pyproject.toml with Python 3.11's tomllib")

ROOT = REPO_ROOT


def _contract(name: str) -> configparser.SectionProxy:
    parser = configparser.ConfigParser()
    parser.read(ROOT / ".importlinter", encoding="utf-8")
    return parser[f"importlinter:contract:{name}"]


def _distribution(module: str) -> str:
    match = re.match(r"codex_ml\.offline\.(\w+)", module)
    assert match, module
    return f"codex-ml-offline-{match.group(1)}"


def _requirements(distribution: str) -> set[str]:
    project = tomllib.loads((ROOT / "packages" / distribution / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = [*project.get("dependencies", []),
                    *(r for extra in project.get("optional-dependencies", {}).values() for r in extra)]
    return {re.split(r"[\s\[<>=!~;]", r, maxsplit=1)[0].lower() for r in requirements}


def test_every_allowed_cross_distribution_import_is_a_declared_dependency():
    ignored = [line.strip() for line in _contract("distributions-independent").get("ignore_imports", "").splitlines()
               if line.strip()]
    undeclared = []
    for line in ignored:
        source, _, target = (part.strip() for part in line.partition("->"))
        if _distribution(target) not in _requirements(_distribution(source)):
            undeclared.append(f"{line}: {_distribution(source)} does not depend on {_distribution(target)}")
    assert not undeclared, "\n".join(undeclared)


def test_every_component_distribution_is_in_the_independence_contract():
    listed = {line.strip() for line in _contract("distributions-independent")["modules"].splitlines() if line.strip()}
    shipped = {f"codex_ml.offline.{p.name}" for p in ROOT.glob("packages/codex-ml-offline-*/src/codex_ml/offline/*")
               if p.is_dir() and p.name != "__pycache__"}
    assert listed == shipped
