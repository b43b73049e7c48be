"""``offline:gpt2`` and ``offline:tinyllama``: models and tokenizers loaded with transformers from the
directory the resolver finds. Never downloads, never runs code shipped with a checkpoint, and refuses
a directory whose files differ from its ``manifest.json`` (see :func:`check_manifest`)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from codex_ml.artifacts.files import read_json_object
from codex_ml.artifacts.manifest import check_manifest
from codex_ml.artifacts.resolver import resolve
from codex_ml.errors import MalformedArtifactError
from codex_ml.offline.models import artifacts
from codex_ml.offline.models.causal_lm import DEFAULT_BATCH_SIZE, CausalLM
from codex_ml.offline.models.fused_activations import use_fused_activations
from codex_ml.offline.models.hf_tokenizer import HFTokenizer
from codex_ml.offline.models.offline_env import import_transformers
from codex_ml.offline.models.weights import PICKLE, load_pickle_state_dict, weights_file

#: Family -> model types its config.json may declare.
MODEL_TYPES = {"gpt2": ("gpt2",), "tinyllama": ("llama",)}
PathLike = str | os.PathLike[str] | None


def _checked_config(directory: Path, family: str):
    raw = read_json_object(directory / "config.json", required={"model_type": str})
    if raw["model_type"] not in MODEL_TYPES[family]:
        raise MalformedArtifactError(
            f"{directory / 'config.json'}: model_type {raw['model_type']!r} is not a {family} model "
            f"(expected {' or '.join(MODEL_TYPES[family])})"
        )
    if "auto_map" in raw:
        raise MalformedArtifactError(f"{directory / 'config.json'}: declares custom code (auto_map); refusing to run it")
    transformers = import_transformers()
    return transformers.AutoConfig.from_pretrained(directory, local_files_only=True, trust_remote_code=False)


def _verified(directory: Path) -> Path:
    """Before anything is read: the files must match the manifest, unless CODEX_ML_ALLOW_MODIFIED_ARTIFACTS=1."""
    check_manifest(directory, allow_modified=None)
    return directory


def _load_module(directory: Path, family: str):
    """The bare ``transformers`` model from a verified ``directory``, safetensors preferred."""
    config = _checked_config(directory, family)
    transformers = import_transformers()
    model_class = transformers.MODEL_FOR_CAUSAL_LM_MAPPING[type(config)]  # no auto_map, no remote code
    weights = weights_file(directory)
    attention = {"attn_implementation": "sdpa"}  # torch's fused attention; takes the packed-document masks
    if weights.name == PICKLE:
        module = model_class.from_pretrained(None, config=config, state_dict=load_pickle_state_dict(weights),
                                             local_files_only=True, **attention)
    else:
        module = model_class.from_pretrained(directory, config=config, local_files_only=True, use_safetensors=True,
                                             **attention)
    use_fused_activations(module)
    module.eval()
    return module


def load_hf_tokenizer(directory: Path) -> HFTokenizer:
    """Any transformers tokenizer saved in ``directory`` (used by the ``hf`` tokenizer too)."""
    return _load_tokenizer(_verified(directory))


def _load_tokenizer(directory: Path) -> HFTokenizer:
    transformers = import_transformers()
    tokenizer = transformers.AutoTokenizer.from_pretrained(directory, local_files_only=True, trust_remote_code=False)
    return HFTokenizer(tokenizer, source=directory)


def _model(name: str, family: str, spec, tokenizer_spec, path: PathLike, **scoring: Any) -> CausalLM:
    """The checkpoint's own tokenizer when the directory has one, else the family tokenizer's usual place.
    ``scoring``: ``batch_size`` and ``device`` for evaluation requests (see CausalLM)."""
    directory = _verified(Path(path))
    module = _load_module(directory, family)
    tokenizer_dir = directory if _has_tokenizer(directory, tokenizer_spec) else _verified(resolve(name, tokenizer_spec))
    return CausalLM(module, _load_tokenizer(tokenizer_dir), family=family, source=directory, **scoring)


def _has_tokenizer(directory: Path, spec) -> bool:
    return all((directory / name).is_file() for name in spec.required)


def load_gpt2_model(path: str | os.PathLike[str], *, batch_size: int = DEFAULT_BATCH_SIZE,
                    device: str | None = None) -> CausalLM:
    """Factory registered as model ``offline:gpt2``; ``path`` is a checkpoint directory; ``batch_size`` and
    ``device`` are where and how many requests at a time evaluation scores."""
    return _model("offline:gpt2", "gpt2", artifacts.GPT2_MODEL, artifacts.GPT2_TOKENIZER, path,
                  batch_size=batch_size, device=device)


def load_tinyllama_model(path: str | os.PathLike[str], *, batch_size: int = DEFAULT_BATCH_SIZE,
                         device: str | None = None) -> CausalLM:
    """Factory registered as model ``offline:tinyllama``; ``path`` is a checkpoint directory; ``batch_size`` and
    ``device`` are where and how many requests at a time evaluation scores."""
    return _model("offline:tinyllama", "tinyllama", artifacts.TINYLLAMA_MODEL, artifacts.TINYLLAMA_TOKENIZER, path,
                  batch_size=batch_size, device=device)


def load_gpt2_tokenizer(path: str | os.PathLike[str]) -> HFTokenizer:
    """Factory registered as tokenizer ``offline:gpt2`` (byte-level BPE, ``tokenizer.json``)."""
    return load_hf_tokenizer(Path(path))


def load_tinyllama_tokenizer(path: str | os.PathLike[str]) -> HFTokenizer:
    """Factory registered as tokenizer ``offline:tinyllama`` (SentencePiece, ``tokenizer.model``)."""
    return load_hf_tokenizer(Path(path))
