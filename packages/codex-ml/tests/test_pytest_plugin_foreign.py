"""The core's pytest11 plugin must not disturb an unrelated project's pytest run.

pytest marks every top-level module of a distribution with a ``pytest11`` entry point for assertion
rewriting. A namespace package without top-level modules made it strip ``codex_ml/`` and mark ``io``,
``errors``, ``cli``..., so every pytest run in an environment with codex-ml warned
``PytestAssertRewriteWarning: Module already imported so cannot be rewritten: io``. Editable installs
hide this; the test therefore uses the built wheel's files.
"""
from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from repo_paths import PACKAGES

CORE = PACKAGES / "codex-ml"


@pytest.fixture(scope="module")
def core_wheel_site(tmp_path_factory) -> Path:
    house = tmp_path_factory.mktemp("house")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(house), str(CORE)], check=True)
    site = tmp_path_factory.mktemp("site")
    zipfile.ZipFile(next(house.glob("codex_ml-*.whl"))).extractall(site)
    return site


def test_foreign_project_runs_pytest_without_warnings(core_wheel_site, tmp_path):
    project = tmp_path / "someone-elses-project"
    project.mkdir()
    (project / "test_theirs.py").write_text("import io\n\n\ndef test_it():\n    assert io.StringIO('x').read() == 'x'\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "CODEX_ML_"))}
    env["PYTHONPATH"] = str(core_wheel_site)
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                             "-W", "error::pytest.PytestAssertRewriteWarning"], cwd=project, env=env,
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout + result.stderr
    assert "1 passed" in result.stdout
    # the plugin really is the wheel's, and its fixtures are there
    fixtures = subprocess.run([sys.executable, "-m", "pytest", "--fixtures", "-p", "no:cacheprovider"], cwd=project,
                              env=env, capture_output=True, text=True, timeout=120, check=False)
    assert "codex_plugin_host" in fixtures.stdout and "register_codex_plugin" in fixtures.stdout
