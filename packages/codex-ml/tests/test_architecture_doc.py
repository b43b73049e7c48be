"""docs/architecture.md names only paths that exist and names every module of the core.

The convention (stated at the top of the doc): a backticked path starting with ``codex_ml/`` lives in some
distribution's ``src/`` folder; one starting with ``packages/``, ``tests/``, ``fixtures/``, ``scripts/`` or
``docs/`` is relative to the repository root; a trailing ``/`` names a package or folder; ``<placeholders>``
are templates and are not checked.
"""
from __future__ import annotations

import re
from pathlib import Path

from repo_paths import PACKAGES, REPO_ROOT

DOC = REPO_ROOT / "docs" / "architecture.md"
CORE_SRC = PACKAGES / "codex-ml" / "src"
_PATH = re.compile(r"`((?:codex_ml|packages|tests|fixtures|scripts|docs)/[^`\s]*)`")


def named_paths(text: str) -> set[str]:
    return {path for path in _PATH.findall(text) if "<" not in path}


def missing_paths(paths: set[str]) -> list[str]:
    def exists(path: str) -> bool:
        if path.startswith("codex_ml/"):
            return any((src / path).exists() for src in PACKAGES.glob("*/src"))
        return (REPO_ROOT / path).exists()

    return sorted(path for path in paths if not exists(path))


def unnamed_core_modules(paths: set[str], core_src: Path = CORE_SRC) -> list[str]:
    """Core modules the doc does not name; a package's ``__init__.py`` counts as named with its package."""
    unnamed = []
    for module in sorted((core_src / "codex_ml").rglob("*.py")):
        relative = module.relative_to(core_src).as_posix()
        name = relative[: -len("__init__.py")] if module.name == "__init__.py" else relative
        if name not in paths:
            unnamed.append(name)
    return unnamed


def test_every_path_the_doc_names_exists():
    paths = named_paths(DOC.read_text())
    assert len(paths) > 60
    assert missing_paths(paths) == []


def test_every_core_module_is_named():
    assert unnamed_core_modules(named_paths(DOC.read_text())) == []


def test_the_checks_catch_a_stale_or_incomplete_doc(tmp_path):
    stale = "`codex_ml/plugins/manager.py` and `codex_ml/plugins/gone.py`, `tests/nowhere/`, `codex_ml/kinds/<kind>.py`"
    paths = named_paths(stale)
    assert paths == {"codex_ml/plugins/manager.py", "codex_ml/plugins/gone.py", "tests/nowhere/"}
    assert missing_paths(paths) == ["codex_ml/plugins/gone.py", "tests/nowhere/"]

    core = tmp_path / "src" / "codex_ml"
    (core / "plugins").mkdir(parents=True)
    for name in ("plugins/__init__.py", "plugins/manager.py", "plugins/new_module.py", "io.py"):
        (core / name).write_text("")
    assert unnamed_core_modules(paths | {"codex_ml/io.py"}, tmp_path / "src") == [
        "codex_ml/plugins/", "codex_ml/plugins/new_module.py"]
