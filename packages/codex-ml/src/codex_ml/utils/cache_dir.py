"""Where codex-ml keeps caches (artefact digests, plugin discovery): one rule for all of them."""
from __future__ import annotations

import os
from pathlib import Path

from codex_ml import settings

CACHE_DIR_VAR = settings.CACHE_DIR


def cache_root() -> Path:
    """``$CODEX_ML_CACHE_DIR``, else ``$XDG_CACHE_HOME/codex-ml``, else ``~/.cache/codex-ml``."""
    explicit = settings.directory(CACHE_DIR_VAR)
    if explicit is not None:
        return explicit
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path("~/.cache").expanduser()) / "codex-ml"
