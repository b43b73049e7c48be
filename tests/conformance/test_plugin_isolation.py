"""A plugin author's conformance tests check only their plugin: another installed distribution's conflict
(or failure) cannot fail them, unless they ask for every plugin with --codex-ml-all-plugins."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest
from plugin_sites import install

TEST = '''from codex_ml.testing import TokenizerConformance


class TestChars(TokenizerConformance):
    component = "example:chars"
    round_trip_texts = ["hello world"]
'''


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """The example plugin's own project, with a clashing plugin (and a broken one) installed beside it."""
    site = install(tmp_path_factory.mktemp("site"), "example", "conflict", "broken-import")
    root = tmp_path_factory.mktemp("codex-ml-example-project")
    (root / "pyproject.toml").write_text('[project]\nname = "codex-ml-example"\nversion = "0.3.0"\n')
    (root / "tests").mkdir()
    (root / "tests" / "test_conformance.py").write_text(TEST)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CODEX_ML_", "PYTEST_"))}
    return root, {**env, "PYTHONPATH": str(site)}


def _pytest(project, *args):
    root, env = project
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_only_the_plugin_under_test_is_loaded(project):
    result = _pytest(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout and "failed" not in result.stdout


def test_every_plugin_on_request_shows_the_conflict(project):
    result = _pytest(project, "--codex-ml-all-plugins")
    assert result.returncode == 1
    assert "registered by more than one distribution" in result.stdout


def test_the_ini_option_names_the_distribution(project):
    result = _pytest(project, "-o", "codex_ml_plugin_under_test=*")
    assert result.returncode == 1  # '*' loads everything, like --codex-ml-all-plugins
    chosen = _pytest(project, "-o", "codex_ml_plugin_under_test=codex-ml-example")
    assert chosen.returncode == 0, chosen.stdout
