"""`codex-ml plugins new` writes a distribution that installs and passes its own tests as generated."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from codex_ml.plugins.spec import KINDS


def run(*args, **kwargs):
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, **kwargs, check=False)


@pytest.mark.slow
@pytest.mark.parametrize("kind", list(KINDS))
def test_generated_plugin_installs_lists_and_passes_its_tests(kind, tmp_path):
    created = run("-m", "codex_ml.cli", "plugins", "new", "codex-ml-acme", "--kind", kind, "--dir", str(tmp_path))
    assert created.returncode == 0, created.stderr
    root = tmp_path / "codex-ml-acme"
    site = tmp_path / "site"
    install = run("-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "--target", str(site), str(root))
    assert install.returncode == 0, install.stderr
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_")}, "PYTHONPATH": str(site)}
    listing = json.loads(run("-m", "codex_ml.cli", "plugins", "list", kind, "--json", env=env).stdout)
    mine = [c for c in listing["components"] if c["distribution"] == "codex-ml-acme"]
    assert len(mine) == 1 and mine[0]["name"].startswith("acme:")
    assert [p["status"] for p in listing["plugins"] if p["distribution"] == "codex-ml-acme"] == ["ok"]
    tests = run("-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "tests"), env=env, cwd=root)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert " passed" in tests.stdout


def test_refuses_bad_names_and_existing_folders(tmp_path):
    bad = run("-m", "codex_ml.cli", "plugins", "new", "Bad_Name", "--kind", "models", "--dir", str(tmp_path))
    assert bad.returncode == 2 and "lowercase" in bad.stderr
    (tmp_path / "codex-ml-x").mkdir()
    exists = run("-m", "codex_ml.cli", "plugins", "new", "codex-ml-x", "--kind", "models", "--dir", str(tmp_path))
    assert exists.returncode == 2 and "already exists" in exists.stderr
    kind = run("-m", "codex_ml.cli", "plugins", "new", "codex-ml-y", "--kind", "gizmos", "--dir", str(tmp_path))
    assert kind.returncode == 2 and "unknown component kind" in kind.stderr


def _setuptools_builds_wheels() -> bool:
    probe = ("import importlib.util, setuptools; v = tuple(int(p) for p in setuptools.__version__.split('.')[:2]); "
             "print(v >= (70, 1) or importlib.util.find_spec('wheel') is not None)")
    return run("-c", probe).stdout.strip() == "True"


@pytest.mark.parametrize("backend", ["hatchling", "setuptools"])
def test_several_kinds_and_either_build_backend(backend, tmp_path):
    if backend == "setuptools" and not _setuptools_builds_wheels():
        pytest.skip("this environment's setuptools cannot build wheels offline (needs setuptools>=70.1 or wheel)")
    created = run("-m", "codex_ml.cli", "plugins", "new", "codex-ml-acme", "--kind", "models,tokenizers",
                  "--kind", "metrics", "--backend", backend, "--dir", str(tmp_path))
    assert created.returncode == 0, created.stderr
    root = tmp_path / "codex-ml-acme"
    pyproject = (root / "pyproject.toml").read_text()
    assert {"hatchling": 'build-backend = "hatchling.build"',
            "setuptools": 'build-backend = "setuptools.build_meta"'}[backend] in pyproject
    site = tmp_path / "site"
    install = run("-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "--target", str(site), str(root))
    assert install.returncode == 0, install.stderr
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_")}, "PYTHONPATH": str(site)}
    listing = json.loads(run("-m", "codex_ml.cli", "plugins", "list", "--json", env=env).stdout)
    mine = sorted((c["kind"], c["name"]) for c in listing["components"] if c["distribution"] == "codex-ml-acme")
    assert mine == [("metrics", "acme:metric"), ("models", "acme:model"), ("tokenizers", "acme:tokenizer")]
    tests = run("-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(root / "tests"), env=env, cwd=root)
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "failed" not in tests.stdout and tests.stdout.count("passed") == 1


def test_component_name_needs_a_single_kind_and_backends_are_checked(tmp_path):
    several = run("-m", "codex_ml.cli", "plugins", "new", "codex-ml-z", "--kind", "models,metrics", "--component",
                  "z:x", "--dir", str(tmp_path))
    assert several.returncode == 2 and "leave it out when scaffolding several kinds" in several.stderr
    backend = run("-m", "codex_ml.cli", "plugins", "new", "codex-ml-z", "--kind", "models", "--backend", "poetry",
                  "--dir", str(tmp_path))
    assert backend.returncode == 2 and "poetry" in backend.stderr
