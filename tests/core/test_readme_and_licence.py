"""The README gets a newcomer from nothing to a run without traps; the LICENSE matches the declared licence."""
from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_readme_has_both_commands_activation_gpu_and_the_name_clash():
    readme = (ROOT / "README.md").read_text()
    assert "python scripts/quickstart.py" in readme and "python scripts/test.py" in readme
    assert "source .venv/bin/activate" in readme
    assert "GPU" in readme and "torchrun" in readme and "docs/models.md" in readme
    assert "pip install codex-ml` installs that one" in readme  # the unrelated PyPI project of that name
    assert "pip install -e 'packages/codex-ml[run]'" in readme
    assert "[LICENSE](LICENSE)" in readme


def test_licence_file_matches_every_distributions_declared_licence():
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License") and "WITHOUT WARRANTY OF ANY KIND" in text
    declared = {path.parent.name: re.search(r'^license = "([^"]+)"', path.read_text(), re.MULTILINE).group(1)
                for path in (ROOT / "packages").glob("*/pyproject.toml")}
    assert declared and set(declared.values()) == {"MIT"}, declared
