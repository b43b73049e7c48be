import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "pipeline"))  # pipeline_helpers.py: run the CLI in a subprocess
