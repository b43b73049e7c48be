"""Run the whole test suite: tox's default environments (see tox.ini), from the project's .venv.

    python scripts/test.py                 # everything, as CI does
    python scripts/test.py -e py311-core   # any tox arguments pass through
"""
from __future__ import annotations

import os
import subprocess
import sys

from _bootstrap import PYTHON, ROOT, ensure_venv, pyenv_versions, run, step


def main(argv: list[str]) -> int:
    python = ensure_venv()
    if subprocess.run([str(python), "-c", "import tox"], capture_output=True, check=False).returncode != 0:
        step("installing tox into .venv")
        run(PYTHON, "-m", "pip", "install", "--quiet", "tox>=4.22")
    env = dict(os.environ)
    versions = pyenv_versions()
    if versions:
        env["PYENV_VERSION"] = versions
    step(f"running tox {' '.join(argv)}".rstrip())
    return subprocess.run([str(python), "-m", "tox", *argv], cwd=ROOT, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
