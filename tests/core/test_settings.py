"""One reader of CODEX_ML_* variables (codex_ml.settings) and a docs table generated from it."""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest
from codex_ml import settings

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_FILE = ROOT / "packages" / "codex-ml" / "src" / "codex_ml" / "settings.py"


def _environment_reads(tree: ast.AST) -> list[ast.AST]:
    """``os.environ.get(...)``, ``os.getenv(...)``, ``os.environ[...]`` and ``env.get(...)`` on an environ mapping."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            owner = ast.unparse(node.func.value)
            if (node.func.attr == "get" and owner.endswith("environ")) or (node.func.attr == "getenv" and owner == "os"):
                found.append(node.args[0])
        elif isinstance(node, ast.Subscript) and ast.unparse(node.value).endswith("environ"):
            found.append(node.slice)
    return found


#: Constants naming third-party variables (utils.offline: TRANSFORMERS_CACHE), read where they are used.
THIRD_PARTY = {"DEPRECATED_CACHE_VAR"}


def _names_a_codex_ml_variable(key: ast.AST) -> bool:
    text = ast.unparse(key)
    if text in THIRD_PARTY:
        return False
    return "CODEX_ML_" in text or text.endswith(("_VAR", "env_var", "dir_var"))


def test_no_module_but_settings_reads_a_codex_ml_variable():
    offenders = []
    for path in sorted((ROOT / "packages").glob("*/src/**/*.py")):
        if path == SETTINGS_FILE:
            continue
        for key in _environment_reads(ast.parse(path.read_text(encoding="utf-8"))):
            if _names_a_codex_ml_variable(key):
                offenders.append(f"{path.relative_to(ROOT)}:{key.lineno}: {ast.unparse(key)}")
    assert not offenders, "read these through codex_ml.settings:\n" + "\n".join(offenders)


def test_the_guard_above_can_fail():
    bad = ast.parse("import os\nos.environ.get('CODEX_ML_DEBUG')\nos.environ.get(STRICT_VAR, '')\nos.environ[spec.env_var]\n")
    assert [_names_a_codex_ml_variable(k) for k in _environment_reads(bad)] == [True, True, True]


def test_every_declared_name_is_in_the_table_once():
    constants = {v for k, v in vars(settings).items() if k.isupper() and isinstance(v, str) and v.startswith("CODEX_ML_")}
    declared = [v.name for v in settings.VARIABLES]
    assert sorted(declared) == sorted(set(declared)) == sorted(constants)


@pytest.mark.parametrize(("value", "expected"), [("1", True), ("TRUE", True), (" yes ", True), ("on", True),
                                                  ("0", False), ("", False), ("no", False), ("2", False)])
def test_one_reading_of_a_flag(value, expected):
    assert settings.flag(settings.DEBUG, {settings.DEBUG: value}) is expected


def test_defaults_lists_and_undeclared_names():
    assert settings.raw(settings.PLUGIN_CACHE, {}) == "1"
    assert settings.names(settings.DISABLE_PLUGINS, {settings.DISABLE_PLUGINS: " a, ,b "}) == ["a", "b"]
    assert settings.directory(settings.CACHE_DIR, {settings.CACHE_DIR: "~/x"}) == Path("~/x").expanduser()
    with pytest.raises(KeyError, match="CODEX_ML_NOPE is not a declared codex-ml setting"):
        settings.flag("CODEX_ML_NOPE")


def test_the_docs_table_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_env_table.py"), "--check"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
