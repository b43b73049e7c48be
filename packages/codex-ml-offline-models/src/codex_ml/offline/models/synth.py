"""Small stand-ins for GPT-2 and TinyLlama in the real file formats, made without a network.

The architecture is the real one (``GPT2Config`` / ``LlamaConfig``) at a small size with random weights;
the tokenizer is trained on local text (byte-level BPE for GPT-2, a SentencePiece model for TinyLlama).
They load through exactly the same code as downloaded weights. Weights are written as
``model.safetensors`` (the seed layout names ``pytorch_model.bin``; the loaders prefer safetensors).
"""
from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from codex_ml.artifacts.manifest import write_manifest
from codex_ml.artifacts.spec import KIND_DIRECTORIES
from codex_ml.offline.models.offline_env import import_transformers

FAMILIES = ("gpt2", "tinyllama")
GPT2_EOS = "<|endoftext|>"

#: Small but real-shaped defaults; tests pass smaller ones.
GPT2_DEFAULTS = {"n_positions": 512, "n_embd": 128, "n_layer": 2, "n_head": 4}
LLAMA_DEFAULTS = {"hidden_size": 128, "intermediate_size": 344, "num_hidden_layers": 2, "num_attention_heads": 4,
                  "num_key_value_heads": 2, "max_position_embeddings": 512}


def model_dir(root: Path, family: str) -> Path:
    return Path(root) / KIND_DIRECTORIES["CODEX_ML_OFFLINE_MODELS_DIR"] / family


def default_texts(max_chars: int = 1_000_000) -> list[str]:
    """Local training text for the tokenizers: the standard library's docstrings."""
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings

    return stdlib_docstrings(max_chars=max_chars)


def _train_bpe(texts: Sequence[str], vocab_size: int):
    from tokenizers import ByteLevelBPETokenizer

    tokenizer = ByteLevelBPETokenizer(add_prefix_space=False)
    tokenizer.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=2, special_tokens=[GPT2_EOS],
                                  show_progress=False)
    return tokenizer


def synth_gpt2(root: Path, *, texts: Sequence[str] | None = None, vocab_size: int = 4096, seed: int = 0,
               model_vocab_size: int | None = None, **config: Any) -> Path:
    """Write ``artifacts/models/gpt2`` under ``root``: config, safetensors weights, byte-level BPE tokenizer
    (``tokenizer.json`` plus ``vocab.json``/``merges.txt``).

    ``vocab_size`` caps the BPE training; local text may yield fewer tokens. ``model_vocab_size`` gives the
    model's embedding and LM head more rows than the tokenizer has (GPT-2 small's 50257, so a benchmark
    pays for the real head); the extra rows are never produced by the tokenizer, as with padded vocabularies."""
    transformers = import_transformers()
    import torch

    target = model_dir(root, "gpt2")
    target.mkdir(parents=True, exist_ok=True)
    bpe = _train_bpe(texts if texts is not None else default_texts(), vocab_size)
    tokenizer = transformers.PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, bos_token=GPT2_EOS,
                                                     eos_token=GPT2_EOS, unk_token=GPT2_EOS,
                                                     model_max_length=config.get("n_positions", GPT2_DEFAULTS["n_positions"]))
    eos = tokenizer.convert_tokens_to_ids(GPT2_EOS)
    if model_vocab_size is not None and model_vocab_size < len(tokenizer):
        raise ValueError(f"model_vocab_size={model_vocab_size} is below the tokenizer's {len(tokenizer)} tokens")
    cfg = transformers.GPT2Config(vocab_size=model_vocab_size or len(tokenizer), bos_token_id=eos, eos_token_id=eos,
                                  **{**GPT2_DEFAULTS, **config})
    torch.manual_seed(seed)
    transformers.GPT2LMHeadModel(cfg).save_pretrained(target)
    tokenizer.save_pretrained(target)
    bpe.save_model(str(target))  # vocab.json + merges.txt, as in the real checkpoint
    _set_tokenizer_class(target, "GPT2Tokenizer")
    return _finish(target, "gpt2", cfg)


def _train_sentencepiece(texts: Sequence[str], vocab_size: int, prefix: Path) -> Path:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter([line for text in texts for line in text.splitlines() if line.strip()]),
        model_prefix=str(prefix), vocab_size=vocab_size, model_type="bpe", byte_fallback=True,
        unk_id=0, bos_id=1, eos_id=2, pad_id=-1, character_coverage=1.0, num_threads=1,
        split_digits=True, allow_whitespace_only_pieces=True, normalization_rule_name="identity",
        remove_extra_whitespaces=False, max_sentence_length=1 << 14, minloglevel=2,
    )
    return prefix.with_suffix(".model")


def synth_tinyllama(root: Path, *, texts: Sequence[str] | None = None, vocab_size: int = 2048, seed: int = 0,
                    **config: Any) -> Path:
    """Write ``artifacts/models/tinyllama`` under ``root``: config, safetensors weights, ``tokenizer.model``."""
    transformers = import_transformers()
    import torch

    target = model_dir(root, "tinyllama")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        model_file = _train_sentencepiece(texts if texts is not None else default_texts(), vocab_size, Path(tmp) / "tokenizer")
        (target / "tokenizer.model").write_bytes(model_file.read_bytes())
    positions = config.get("max_position_embeddings", LLAMA_DEFAULTS["max_position_embeddings"])
    (target / "tokenizer_config.json").write_text(json.dumps({
        "tokenizer_class": "LlamaTokenizer", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>",
        "pad_token": None, "add_bos_token": True, "add_eos_token": False, "legacy": False,
        "model_max_length": positions, "clean_up_tokenization_spaces": False,
    }, indent=2) + "\n")
    cfg = transformers.LlamaConfig(vocab_size=vocab_size, bos_token_id=1, eos_token_id=2, tie_word_embeddings=False,
                                   **{**LLAMA_DEFAULTS, **config})
    torch.manual_seed(seed)
    transformers.LlamaForCausalLM(cfg).save_pretrained(target)
    return _finish(target, "tinyllama", cfg)


def _set_tokenizer_class(target: Path, name: str) -> None:
    path = target / "tokenizer_config.json"
    data = json.loads(path.read_text())
    data["tokenizer_class"] = name
    path.write_text(json.dumps(data, indent=2) + "\n")


def _finish(target: Path, family: str, cfg: Any) -> Path:
    write_manifest(target, name=family, source="synth", extra={
        "model_type": cfg.model_type, "note": "randomly initialised small stand-in; tokenizer trained on local text"})
    return target


SYNTHESISERS: dict[str, Callable[..., Path]] = {"gpt2": synth_gpt2, "tinyllama": synth_tinyllama}


def synth(family: str, root: Path, **kwargs: Any) -> Path:
    if family not in SYNTHESISERS:
        raise ValueError(f"unknown model family {family!r}; expected one of {', '.join(FAMILIES)}")
    return SYNTHESISERS[family](Path(root), **kwargs)
