"""Writes the scaffold files for a new plugin distribution."""
from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from codex_ml import kinds
from codex_ml.plugins.spec import normalise_kind
from codex_ml.plugins.versions import core_version
from codex_ml.scaffold.template import example_for

_NAME = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")


def _supported_core_range(version: str) -> str:
    """The codex-ml range a new plugin targets: this core's release line (its minor while 0.x)."""
    major, minor = (version.split(".") + ["0", "0"])[:2] if version != "unknown" else ("0", "1")
    if major == "0":
        return f">=0.{minor},<0.{int(minor) + 1}"
    return f">={major}.{minor},<{int(major) + 1}"


#: Build backends ``plugins new --backend`` can write: the ``[build-system]`` table and the wheel's
#: package-finding table for a ``src/`` layout.
BACKENDS: dict[str, tuple[str, str]] = {
    "hatchling": ('requires = ["hatchling>=1.18"]\nbuild-backend = "hatchling.build"',
                  '[tool.hatch.build.targets.wheel]\npackages = ["src/{package}"]\n'),
    "setuptools": ('requires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"',
                   '[tool.setuptools.packages.find]\nwhere = ["src"]\n'),
}


def _component_name(namespace: str, declared: kinds.Kind) -> str:
    return f"{namespace.replace('_', '-')}:{declared.singular.replace(' ', '-').lower()}"


def scaffold_plugin(name: str, kind: str | Sequence[str], directory: Path, component: str | None = None, *,
                    backend: str = "hatchling") -> Path:
    """Create ``directory/name`` holding a plugin distribution with one working component per kind in
    ``kind`` (one kind or several), built with ``backend`` (hatchling or setuptools)."""
    if not _NAME.match(name):
        raise ValueError(f"plugin name {name!r} must be lowercase letters, digits and dashes, e.g. codex-ml-acme")
    if backend not in BACKENDS:
        raise ValueError(f"unknown build backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    requested = [kind] if isinstance(kind, str) else list(kind)
    declared_kinds: list[kinds.Kind] = []
    for item in requested:
        declared = kinds.get(normalise_kind(item))
        if declared not in declared_kinds:
            declared_kinds.append(declared)
    if not declared_kinds:
        raise ValueError("name at least one kind")
    if component and len(declared_kinds) > 1:
        raise ValueError("--component names one component; leave it out when scaffolding several kinds")
    root = Path(directory) / name
    if root.exists():
        raise FileExistsError(f"{root} already exists; choose another name or directory")
    package = name.replace("-", "_")
    namespace = package.removeprefix("codex_ml_") or package
    supported = _supported_core_range(core_version())
    parts = [(declared, component or _component_name(namespace, declared), example_for(declared))
             for declared in declared_kinds]
    names = ", ".join(f"{c}" for _, c, _ in parts)
    hooks = "\n\n".join(f'''@hookimpl
def {declared.hook}(register):
    register("{comp}", "{package}.components:{example.class_name}", summary="{example.class_name} from {name}")
''' for declared, comp, example in parts)
    suites = sorted({declared.suite or "suite_for" for declared, _, _ in parts})
    tests = "\n\n".join(f'''class Test{example.class_name}({declared.suite or f'suite_for("{declared.name}")'}):
    component = "{comp}"
{example.suite_attributes}''' for declared, comp, example in parts)
    build_system, wheel_table = BACKENDS[backend]
    listing = f" {parts[0][0].name}" if len(parts) == 1 else ""
    files = {
        "pyproject.toml": f'''[build-system]
{build_system}

[project]
name = "{name}"
version = "0.1.0"
description = "A codex-ml plugin providing {names}."
readme = "README.md"
requires-python = ">=3.10"
# The codex-ml (and so hook API) range this plugin supports; checked before the plugin is imported.
dependencies = ["codex-ml{supported}"]

[project.optional-dependencies]
test = ["pytest>=8"]

[project.entry-points.codex_ml]
{namespace} = "{package}.plugin"

{wheel_table.format(package=package)}''',
        f"src/{package}/__init__.py": f'"""{name}: a codex-ml plugin."""\n',
        f"src/{package}/plugin.py": f'''"""Registration only: nothing heavy is imported here, so `codex-ml plugins list` stays fast."""
from codex_ml.plugins import hookimpl


{hooks}''',
        f"src/{package}/components.py": '"""The implementations, imported only when a component is built."""\n'
        + "".join(example.source for _, _, example in parts),
        "tests/test_conformance.py": f'''"""Runs codex-ml's conformance suites against {names}.

Only this distribution's plugins are loaded while these tests run (others installed in the environment are
disabled for the session), so another package's conflict cannot fail them; see docs/plugins.md.
"""
from codex_ml.testing import {", ".join(suites)}


{tests}''',
        "README.md": f'''# {name}

A codex-ml plugin providing {names}.

    pip install -e .[test]
    codex-ml plugins list{listing}
    pytest
''',
    }
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
