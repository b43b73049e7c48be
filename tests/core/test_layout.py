"""The test layout holds: every tests folder is in ``testpaths`` and no two modules share a basename.

pytest's default ``prepend`` import mode imports a test module by its basename, so two ``test_x.py`` (or two
helper modules) in different folders would shadow each other; conftest.py files are handled by pytest.
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from repo_paths import REPO_ROOT, all_tests_folders

tomllib = pytest.importorskip("tomllib", reason="reads pyproject.toml with Python 3.11's tomllib")


def duplicate_basenames(folders: list[Path]) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = defaultdict(list)
    for folder in folders:
        for module in folder.rglob("*.py"):
            if module.name != "conftest.py" and "__pycache__" not in module.parts:
                seen[module.name].append(str(module))
    return {name: paths for name, paths in seen.items() if len(paths) > 1}


def test_no_two_test_modules_share_a_basename():
    assert duplicate_basenames(all_tests_folders()) == {}


def test_the_check_sees_a_duplicate(tmp_path):
    for folder in ("a/tests", "b/tests"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "test_same.py").write_text("")
        (tmp_path / folder / "conftest.py").write_text("")
    duplicates = duplicate_basenames([tmp_path / "a/tests", tmp_path / "b/tests"])
    assert list(duplicates) == ["test_same.py"] and len(duplicates["test_same.py"]) == 2


def test_testpaths_cover_every_tests_folder():
    testpaths = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]["testpaths"]
    covered = {path for pattern in testpaths for path in REPO_ROOT.glob(pattern)}
    assert set(all_tests_folders()) <= covered
    assert {REPO_ROOT / "packages" / name / "tests" for name in ("codex-ml", "codex-ml-offline-models",
            "codex-ml-offline-data", "codex-ml-offline-metrics", "codex-ml-offline-training",
            "codex-ml-offline-rl")} <= covered
