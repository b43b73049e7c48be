"""torch_checks: missing, broken, stub, incomplete and complete torch; the test guard agrees with it."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from codex_ml.utils import torch_checks
from hardening_helpers import fake_torch_site, run_python
from repo_paths import SUPPORT_DIR


def test_missing_torch_is_reported_with_the_install_hint(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)  # find_spec then reports "not installed"
    status = torch_checks.check_torch()
    assert status.state == torch_checks.MISSING and not status.ok
    assert torch_checks.main() == 1
    err = capsys.readouterr().err
    assert "torch is not installed" in err
    assert "Install the official CPU wheels: " + torch_checks.REINSTALL_HINT in err


def test_a_bare_torch_folder_counts_as_missing(tmp_path):
    (tmp_path / "torch").mkdir()  # e.g. tests/torch on sys.path: a namespace package, not torch
    core_src = Path(torch_checks.__file__).resolve().parents[2]
    code = "from codex_ml.utils.torch_checks import check_torch; s = check_torch(); print(s.state, '|', s.problem)"
    # -S: no site-packages, so no installed torch can take precedence over the folder
    result = run_python(["-S", "-c", code], env={"PYTHONPATH": f"{tmp_path}{os.pathsep}{core_src}"})
    assert result.returncode == 0, result.stderr
    state, problem = result.stdout.strip().split(" | ")
    assert state == "missing" and f"only a folder named torch without __init__.py, at {tmp_path / 'torch'}" in problem


def test_stub_fixture_is_reported_and_exits_non_zero(tmp_path):
    result = run_python(["-m", "codex_ml.utils.torch_checks"], site=fake_torch_site(tmp_path))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "is a stub (version '0.0.0+stub')" in result.stderr
    assert "https://download.pytorch.org/whl/cpu" in result.stderr


@pytest.mark.parametrize(
    ("source", "state", "words"),
    [
        ("__version__ = '2.5.0'\n", "incomplete", "torch.nn fails to import"),
        (("__version__ = '2.5.0'\nimport types, sys\nnn = sys.modules['torch.nn'] = types.ModuleType('torch.nn')\n"
          "utils = sys.modules['torch.utils'] = types.ModuleType('torch.utils')\n"
          "utils.data = sys.modules['torch.utils.data'] = types.ModuleType('torch.utils.data')\n"
          "def tensor(*a): pass\n"),
         "incomplete", "torch.utils.data.Dataset is missing"),
        ("raise ImportError('libtorch_cpu.so: cannot open shared object file')\n", "broken", "libtorch_cpu.so"),
        ("x = 1\n", "stub", "has no __version__"),
    ],
)
def test_partial_installs_name_what_is_wrong(tmp_path, source, state, words):
    site = fake_torch_site(tmp_path, source, version="2.5.0")
    code = "from codex_ml.utils.torch_checks import check_torch; s = check_torch(); print(s.state); print(s.problem)"
    result = run_python(["-c", code], site=site)
    assert result.returncode == 0, result.stderr
    printed_state, problem = result.stdout.splitlines()[:2]
    assert printed_state == state
    assert words in problem


def test_test_guard_skips_with_the_same_reason(tmp_path):
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import guards; "
        "from codex_ml.utils.torch_checks import check_torch; "
        "print(guards.torch_problem() == check_torch().problem, guards.torch_problem())"
    )
    result = run_python(["-c", code, str(SUPPORT_DIR)], site=fake_torch_site(tmp_path))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("True torch at ")
    assert "stub" in result.stdout


def test_complete_torch_prints_version_and_location(capsys):
    from guards import require_torch

    torch = require_torch()
    assert torch_checks.main() == 0
    out = capsys.readouterr().out
    assert out.startswith(f"ok: torch {torch.__version__} at ")
    assert str(Path(torch.__file__)) in out


@pytest.mark.parametrize(
    ("version", "allowed"),
    [("2.13.0+cpu", True), ("2.10.0", True), ("2.9.1", False), ("2.6.0", False), ("2.5.1+cu121", False),
     ("0.0.0+stub", False), (None, False), ("garbage", False)],
)
def test_pickle_weights_policy(version, allowed):
    assert torch_checks.pickle_weights_allowed(version) is allowed


def test_parse_version():
    assert torch_checks.parse_version("2.13.0+cpu") == (2, 13)
    assert torch_checks.parse_version("nightly") is None


def test_building_a_torch_component_on_a_stub_torch_explains_instead_of_crashing(tmp_path):
    probe = (
        "from codex_ml.plugins.registries import models\n"
        "models.register('test:needs-torch', 'torch.nn:Linear', requires=('torch',))\n"
        "try:\n"
        "    models.resolve_and_instantiate('test:needs-torch')\n"
        "except ImportError as exc:\n"
        "    print('REFUSED', exc)\n"
    )
    result = run_python(["-c", probe], site=fake_torch_site(tmp_path))
    assert "REFUSED test:needs-torch needs a complete torch" in result.stdout, result.stdout + result.stderr
    assert "is a stub" in result.stdout and "download.pytorch.org/whl/cpu" in result.stdout
