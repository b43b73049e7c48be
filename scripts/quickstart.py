"""Set everything up on a fresh machine and run the main job.

    python scripts/quickstart.py

1. creates .venv and installs every distribution editable, with torch 2.13 (CPU) and transformers;
2. writes small GPT-2 stand-in artefacts into artifacts/models/gpt2 (a randomly initialised GPT-2 and a
   tokenizer trained on local text: no network is used) unless real ones are already there;
3. runs `codex-ml train -cn offline/catalogue` and prints where the run directory is.
"""
from __future__ import annotations

import sys

from _bootstrap import BIN, PYTHON, ROOT, ensure_venv, run, step

DISTRIBUTIONS = (
    "packages/codex-ml[run]",
    "packages/codex-ml-offline-models[hf]",
    "packages/codex-ml-offline-data",
    "packages/codex-ml-offline-metrics",
    "packages/codex-ml-offline-training[torch]",
    "packages/codex-ml-offline-rl[torch]",
)


def main() -> int:
    if sys.version_info[:2] != (3, 11):
        print(f"note: the CPU torch wheel this project pins is for Python 3.11; this is {sys.version.split()[0]}")
    ensure_venv()
    step("installing the distributions, torch 2.13.0 and the development tools")
    editable = [arg for dist in DISTRIBUTIONS for arg in ("-e", dist)]
    run(PYTHON, "-m", "pip", "install", "--quiet", "torch==2.13.0", *editable, "--group", "dev")
    codex_ml = BIN / "codex-ml"
    if not (ROOT / "artifacts" / "models" / "gpt2" / "config.json").exists():
        step("synthesising small GPT-2 artefacts in artifacts/models/gpt2 (offline stand-ins for the real weights)")
        run(codex_ml, "catalogue", "synth", "gpt2", "--root", ROOT)
    step("running the main job: codex-ml train -cn offline/catalogue")
    run(codex_ml, "train", "-cn", "offline/catalogue")
    step("done: `.venv/bin/codex-ml plugins list` shows what is installed; run directories are under runs/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
