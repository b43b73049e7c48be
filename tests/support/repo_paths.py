"""Where things are in the repository, for tests in any tests folder (top level or packages/*/tests)."""
from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = REPO_ROOT / "packages"
FIXTURES = REPO_ROOT / "fixtures"
SUPPORT_DIR = Path(__file__).resolve().parent


def all_tests_folders() -> list[Path]:
    """Every tests folder: the top-level cross-distribution one and one per distribution."""
    return [REPO_ROOT / "tests", *sorted(PACKAGES.glob("*/tests"))]
