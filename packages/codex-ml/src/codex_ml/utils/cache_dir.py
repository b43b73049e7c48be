"""Where codex-ml keeps caches (artefact digests, plugin discovery): one rule for all of them."""
from __future__ import annotations

import os
from pathlib import Path

CACHE_DIR_VAR = "CODEX_ML_CACHE_DIR"


def cache_root() -> Path:
    """``$CODEX_ML_CACHE_DIR``, else ``$XDG_CACHE_HOME/codex-ml``, else ``~/.cache/codex-ml``."""
    explicit = os.environ.get(CACHE_DIR_VAR)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path("~/.cache").expanduser()) / "codex-ml"
