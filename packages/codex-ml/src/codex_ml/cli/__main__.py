"""``python -m codex_ml.cli`` is the same as ``codex-ml``."""
from codex_ml.cli.main import main

if __name__ == "__main__":
    main(prog_name="codex-ml")
