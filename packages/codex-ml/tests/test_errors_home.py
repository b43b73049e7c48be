"""User-facing errors have one home (codex_ml/errors.py), one base class and one exit-code table."""
from __future__ import annotations

import ast

import pytest
from codex_ml import errors
from repo_paths import REPO_ROOT

ROOT = REPO_ROOT
HOME = ROOT / "packages" / "codex-ml" / "src" / "codex_ml" / "errors.py"


def _exception_classes(tree: ast.AST) -> list[ast.ClassDef]:
    return [node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)
            and any(ast.unparse(base).endswith(("Error", "Exception")) for base in node.bases)]


def test_no_error_type_is_defined_outside_errors_py():
    elsewhere = [f"{path.relative_to(ROOT)}: {cls.name}" for path in sorted((ROOT / "packages").glob("*/src/**/*.py"))
                 if path != HOME for cls in _exception_classes(ast.parse(path.read_text(encoding="utf-8")))]
    assert not elsewhere, "define these in codex_ml/errors.py:\n" + "\n".join(elsewhere)


def test_the_guard_above_can_fail():
    assert [c.name for c in _exception_classes(ast.parse("class Oops(CodexMLError): pass\nclass Fine: pass\n"))] == ["Oops"]


def test_every_error_derives_from_the_base_class():
    defined = [obj for obj in vars(errors).values() if isinstance(obj, type) and issubclass(obj, BaseException)
               and obj.__module__ == errors.__name__]
    assert len(defined) > 10 and all(issubclass(cls, errors.CodexMLError) for cls in defined)


@pytest.mark.parametrize(("error", "code"), [(errors.ConfigError("x"), 2), (errors.ComponentConfigError("x"), 2),
                                             (errors.ArtifactNotFoundError("x"), 1), (ValueError("x"), 1)])
def test_exit_codes_come_from_one_table(error, code):
    assert errors.exit_code(error) == code
