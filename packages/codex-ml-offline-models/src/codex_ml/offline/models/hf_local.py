"""Tokenizer ``hf``: any transformers tokenizer saved in a local directory, named by
``tokenizer.name_or_path`` (the opt-out ``tokenizer.name=hf tokenizer.name_or_path=DIR``)."""
from __future__ import annotations

import os
from pathlib import Path

from codex_ml.errors import ArtifactNotFoundError, UnknownSettingError


def load_local_hf_tokenizer(path: str | os.PathLike[str] | None = None):
    """Factory registered as tokenizer ``hf``; ``path`` is the directory ``save_pretrained`` wrote."""
    if path is None:
        raise UnknownSettingError("tokenizer 'hf' needs a directory: set tokenizer.name_or_path=DIR")
    directory = Path(path).expanduser()
    if not directory.is_dir():
        raise ArtifactNotFoundError(f"hf: tokenizer.name_or_path points to {directory}, which is not a directory")
    from codex_ml.offline.models.hf import load_hf_tokenizer

    return load_hf_tokenizer(directory)
