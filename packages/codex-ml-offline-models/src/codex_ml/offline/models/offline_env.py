"""transformers imported only after the Hugging Face offline switches are in place.

``HF_HUB_OFFLINE`` and friends are read once, at import time, so they must be set before the first
import; the core's :func:`codex_ml.utils.offline.apply_offline_environment` sets them and keeps values the
user chose. Loading from Python (not the CLI) goes through here too, so it is offline as well.
"""
from __future__ import annotations

import os


def import_transformers():
    """Import transformers with the offline switches set (user-set values kept) and progress bars off."""
    from codex_ml.utils.offline import apply_offline_environment

    apply_offline_environment()
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import transformers

    transformers.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    return transformers
