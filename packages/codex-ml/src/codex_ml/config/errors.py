"""The error raised for anything wrong with the config itself: bad overrides, unknown options,
malformed fragments. It exits with 2, like a usage error, so scripts can tell it from a failed run."""
from __future__ import annotations

from codex_ml.errors import CodexMLError


class ConfigError(CodexMLError):
    """A config could not be composed; the message carries Hydra's reason and what is available."""

    exit_code = 2
