"""catalogue/offline.yaml is the source of truth: registries, packaged fixtures and docs must agree."""
from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml
from codex_ml.plugins.registries import REGISTRIES

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = yaml.safe_load((ROOT / "catalogue" / "offline.yaml").read_text())["entries"]


def _id(entry):
    return f"{entry['kind']}/{entry['name']}"


@pytest.mark.parametrize("entry", ENTRIES, ids=_id)
def test_registry_entry_matches_the_catalogue(entry):
    spec = REGISTRIES[entry["kind"]].get(entry["name"])
    assert spec.distribution == entry["distribution"]
    artifact = spec.artifact
    if entry["layout"] is None:
        assert artifact is None
        return
    assert (artifact.env_var, artifact.dir_var, artifact.layout_path) == (entry["env_var"], entry["dir_var"], entry["layout"])
    if entry["fixture"]:
        package_dir = Path(str(resources.files(artifact.package)))
        packaged = package_dir / artifact.fixture_path
        assert packaged.is_file()
        assert packaged.as_posix().endswith(entry["fixture"])
    else:
        assert artifact.package is None


def test_every_offline_component_is_in_the_catalogue():
    catalogued = {(e["kind"], e["name"]) for e in ENTRIES}
    registered = {(kind, spec.name) for kind, registry in REGISTRIES.items() for spec in registry.entries()
                  if spec.name.startswith("offline:")}
    assert registered == catalogued


def test_every_catalogue_variable_is_documented_in_the_catalogue_page():
    variables = {e[key] for e in ENTRIES for key in ("env_var", "dir_var") if e[key]}
    doc = (ROOT / "docs" / "catalogue.md").read_text()
    assert all(f"`{v}`" in doc for v in variables)


def test_docs_table_is_generated_from_the_catalogue():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_catalogue.py"), "--check"], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr


def test_tox_coverage_gate_follows_the_documented_precedence():
    tox = (ROOT / "tox.ini").read_text()
    assert "--cov-fail-under={env:COVERAGE_MIN:{env:COV_FAIL_UNDER:85}}" in tox
    assert "[testenv:coverage]\nbase = testenv:py311-full" in tox
