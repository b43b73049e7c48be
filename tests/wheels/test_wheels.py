"""Build every distribution's wheel, check the PEP 420 layout, and install each alone in a fresh venv.

Dependencies are fetched once into a wheelhouse; each venv then installs with ``--no-index`` from the
built wheels, run from a temporary folder so the repository is nowhere on the path.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PACKAGES = Path(__file__).resolve().parents[2] / "packages"
COMPONENTS = {
    "codex-ml-offline-models": ("models", {"tokenizers": ["offline:tiny-vocab"], "models": ["offline:tiny-sequence"]}),
    "codex-ml-offline-data": ("data", {"datasets": ["offline:tiny-corpus"]}),
    "codex-ml-offline-metrics": ("metrics", {"metrics": ["offline:weighted-accuracy"]}),
    "codex-ml-offline-training": ("training", {"trainers": ["offline:functional"]}),
    "codex-ml-offline-rl": ("rl", {"reward_models": ["offline:length", "offline:heuristic"], "rl_agents": ["offline:scripted"]}),
}


def _wheel_name(dist: str) -> str:
    return dist.replace("-", "_")


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory):
    house = tmp_path_factory.mktemp("wheelhouse")
    for dist in ["codex-ml", *COMPONENTS]:
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                        "--wheel-dir", str(house), str(PACKAGES / dist)], check=True)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(house), str(PACKAGES.parent / "fixtures" / "plugins" / "example")], check=True)
    core = next(house.glob("codex_ml-*.whl"))
    # third-party dependencies of codex-ml[run], fetched once and built to wheels (some ship only sdists)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--wheel-dir", str(house), f"{core}[run]"], check=True)
    return house


def _wheel(house: Path, dist: str) -> Path:
    return next(house.glob(f"{_wheel_name(dist)}-*.whl"))


def test_no_wheel_ships_namespace_init_files(wheelhouse):
    for dist in ["codex-ml", *COMPONENTS]:
        names = zipfile.ZipFile(_wheel(wheelhouse, dist)).namelist()
        assert "codex_ml/__init__.py" not in names, dist
        assert "codex_ml/offline/__init__.py" not in names, dist
    core = zipfile.ZipFile(_wheel(wheelhouse, "codex-ml")).namelist()
    assert "codex_ml/plugins/hookspecs.py" in core and not any(n.startswith("codex_ml/offline/") for n in core)


@pytest.mark.parametrize("dist", sorted(COMPONENTS))
def test_component_wheel_keeps_to_its_area_and_ships_fixtures(wheelhouse, dist):
    area = COMPONENTS[dist][0]
    code = [n for n in zipfile.ZipFile(_wheel(wheelhouse, dist)).namelist() if not n.split("/")[0].endswith(".dist-info")]
    assert code and all(n.startswith(f"codex_ml/offline/{area}/") for n in code), code
    assert any("/fixtures/" in n for n in code)


def _fresh_venv(path: Path) -> Path:
    venv.EnvBuilder(with_pip=True, clear=True).create(path)
    return path / ("Scripts" if os.name == "nt" else "bin") / "python"


def _install(python: Path, house: Path, *dists: str) -> None:
    wheels = [str(_wheel(house, d)) for d in dists]
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-index", "--find-links", str(house), *wheels], check=True)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_ML_", "PYTHON", "VIRTUAL_ENV"))}
    return {**env, **extra}


@pytest.mark.parametrize("dist", sorted(COMPONENTS))
def test_each_component_wheel_installs_and_works_alone(wheelhouse, dist, tmp_path):
    python = _fresh_venv(tmp_path / "venv")
    _install(python, wheelhouse, "codex-ml", dist)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = _clean_env(CODEX_ML_PROJECT_ROOT=str(work))
    listing = subprocess.run([str(python), "-m", "codex_ml.cli", "plugins", "list", "--json"], cwd=work, env=env,
                             capture_output=True, text=True, check=True)
    doc = json.loads(listing.stdout)
    assert {p["distribution"] for p in doc["plugins"]} == {dist}
    assert all(p["status"] == "ok" for p in doc["plugins"])
    expected = COMPONENTS[dist][1]
    for kind, names in expected.items():
        for name in names:
            probe = (f"from codex_ml.plugins.registries import {kind}\n"
                     f"obj = {kind}.resolve_and_instantiate({name!r})\n"
                     "import codex_ml.kinds as k\n"
                     f"assert isinstance(obj, k.PROTOCOLS[{kind!r}]), type(obj)\n"
                     "print(type(obj).__module__)")
            built = subprocess.run([str(python), "-c", probe], cwd=work, env=env, capture_output=True, text=True, check=False)
            assert built.returncode == 0, built.stderr
            assert "site-packages" in subprocess.run(
                [str(python), "-c", f"import {built.stdout.strip()} as m; print(m.__file__)"],
                cwd=work, env=env, capture_output=True, text=True, check=True).stdout


def test_core_alone_lists_nothing_and_explains(wheelhouse, tmp_path):
    python = _fresh_venv(tmp_path / "venv")
    _install(python, wheelhouse, "codex-ml")
    out = subprocess.run([str(python), "-m", "codex_ml.cli", "plugins", "list"], cwd=tmp_path, env=_clean_env(),
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0 and "No " in out.stdout and "components installed" in out.stdout


def test_third_party_example_in_a_fresh_venv(wheelhouse, tmp_path):
    """The worked example beside the offline stack: listed, composes into a run, passes its suite."""
    python = _fresh_venv(tmp_path / "venv")
    _install(python, wheelhouse, "codex-ml", *COMPONENTS, "codex-ml-example")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = _clean_env(CODEX_ML_PROJECT_ROOT=str(work))
    doc = json.loads(subprocess.run([str(python), "-m", "codex_ml.cli", "plugins", "list", "--json"], cwd=work, env=env,
                                    capture_output=True, text=True, check=True).stdout)
    assert any(c["name"] == "example:reverse" and c["status"] == "ok" for c in doc["components"])
    train = subprocess.run([str(python), "-m", "codex_ml.cli", "train", "-q", "model=example/reverse", "data=example/greetings",
                            "training=example/counting", f"output_dir={work / 'run'}"], cwd=work, env=env,
                           capture_output=True, text=True, check=False)
    assert train.returncode == 0, train.stderr
    assert json.loads((work / "run" / "provenance.json").read_text())["components"]["training"] == "example:counting"
