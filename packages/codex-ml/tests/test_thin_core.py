"""The core knows no component distribution: its code names none and imports none of their modules."""
from __future__ import annotations

import re
from pathlib import Path

from repo_paths import REPO_ROOT

CORE = REPO_ROOT / "packages" / "codex-ml" / "src" / "codex_ml"
#: A component distribution's name, or an import of one of their modules.
FORBIDDEN = re.compile(r"codex-ml-offline-|codex_ml\.offline\b")


def naming_component_distributions(root: Path) -> list[str]:
    """``file:line`` of every core line that names a component distribution or its modules."""
    return [f"{path.relative_to(root)}:{number}" for path in sorted(root.rglob("*.py"))
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if FORBIDDEN.search(line)]


def test_core_code_names_no_component_distribution():
    assert naming_component_distributions(CORE) == []


def test_the_guard_fails_on_a_core_that_imports_a_component(tmp_path):
    broken = tmp_path / "codex_ml" / "cli"
    broken.mkdir(parents=True)
    (broken / "catalogue_cli.py").write_text("from codex_ml.offline.models.synth import synth\n")
    (broken / "doctor.py").write_text("HINT = \"pip install 'codex-ml-offline-models[hf]'\"\n")
    assert naming_component_distributions(tmp_path / "codex_ml") == ["cli/catalogue_cli.py:1", "cli/doctor.py:1"]
