"""Writes the scaffold files for a new plugin distribution."""
from __future__ import annotations

import re
from pathlib import Path

from codex_ml import kinds
from codex_ml.plugins.spec import normalise_kind
from codex_ml.scaffold.template import example_for
from codex_ml.versions import core_version

_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


def _supported_core_range(version: str) -> str:
    """The codex-ml range a new plugin targets: this core's release line (its minor while 0.x)."""
    major, minor = (version.split(".") + ["0", "0"])[:2] if version != "unknown" else ("0", "1")
    if major == "0":
        return f">=0.{minor},<0.{int(minor) + 1}"
    return f">={major}.{minor},<{int(major) + 1}"


def scaffold_plugin(name: str, kind: str, directory: Path, component: str | None = None) -> Path:
    """Create ``directory/name`` holding a plugin distribution with one component of ``kind``."""
    if not _NAME.match(name):
        raise ValueError(f"plugin name {name!r} must be lowercase letters, digits and dashes, e.g. codex-ml-acme")
    declared = kinds.get(normalise_kind(kind))
    kind = declared.name
    root = Path(directory) / name
    if root.exists():
        raise FileExistsError(f"{root} already exists; choose another name or directory")
    package = name.replace("-", "_")
    namespace = package.removeprefix("codex_ml_") or package
    component = component or f"{namespace.replace('_', '-')}:{declared.singular.replace(' ', '-').lower()}"
    example = example_for(declared)
    class_name, implementation, attributes = example.class_name, example.source, example.suite_attributes
    suite = declared.suite
    suite_import = suite or "suite_for"
    suite_base = suite or f'suite_for("{kind}")'
    supported = _supported_core_range(core_version())
    files = {
        "pyproject.toml": f'''[build-system]
requires = ["hatchling>=1.18"]
build-backend = "hatchling.build"

[project]
name = "{name}"
version = "0.1.0"
description = "A codex-ml plugin providing {component}."
readme = "README.md"
requires-python = ">=3.10"
# The codex-ml (and so hook API) range this plugin supports; checked before the plugin is imported.
dependencies = ["codex-ml{supported}"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points.codex_ml]
{namespace} = "{package}.plugin"

[tool.hatch.build.targets.wheel]
packages = ["src/{package}"]
''',
        f"src/{package}/__init__.py": f'"""{name}: a codex-ml plugin."""\n',
        f"src/{package}/plugin.py": f'''"""Registration only: nothing heavy is imported here, so `codex-ml plugins list` stays fast."""
from codex_ml.plugins import hookimpl


@hookimpl
def {declared.hook}(register):
    register("{component}", "{package}.components:{class_name}", summary="{class_name} from {name}")
''',
        f"src/{package}/components.py": f'"""The implementation, imported only when the component is built."""\n{implementation}',
        "tests/test_conformance.py": f'''"""Runs codex-ml's conformance suite against {component}."""
from codex_ml.testing import {suite_import}


class Test{class_name}({suite_base}):
    component = "{component}"
{attributes}''',
        "README.md": f'''# {name}

A codex-ml plugin providing the {declared.singular} `{component}`.

    pip install -e .[test]
    codex-ml plugins list {kind}
    pytest
''',
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
