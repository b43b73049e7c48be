"""Shared by quickstart.py and test.py: the project's tool venv (.venv) and the interpreters tox needs.

Only the standard library is used here: these scripts run on a fresh machine with just Python and pip.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")
TOX_PYTHONS = ("3.11", "3.10", "3.12", "3.13")  # the first is the default interpreter


def step(message: str) -> None:
    print(f"==> {message}", flush=True)


def run(*args: str | os.PathLike[str], env: dict[str, str] | None = None) -> None:
    print("    $ " + " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, env=env, cwd=ROOT)


def ensure_venv() -> Path:
    """Create .venv with an up-to-date pip (dependency groups need pip >= 25.1)."""
    if not PYTHON.exists():
        step(f"creating {VENV.relative_to(ROOT)} with Python {sys.version.split()[0]}")
        venv.EnvBuilder(with_pip=True).create(VENV)
        run(PYTHON, "-m", "pip", "install", "--quiet", "--upgrade", "pip>=25.1")
    return PYTHON


def pyenv_versions() -> str | None:
    """A PYENV_VERSION value exposing python3.10 ... python3.13 when pyenv manages the interpreters."""
    if os.environ.get("PYENV_VERSION") or shutil.which("pyenv") is None:
        return os.environ.get("PYENV_VERSION")
    listed = subprocess.run(["pyenv", "versions", "--bare"], capture_output=True, text=True, check=False).stdout.split()
    chosen = []
    for minor in TOX_PYTHONS:
        candidates = [v for v in listed if v.startswith(minor + ".") and v.replace(".", "").isdigit()]
        if candidates:
            chosen.append(max(candidates, key=lambda v: tuple(int(p) for p in v.split("."))))
    return ":".join(chosen) or None
