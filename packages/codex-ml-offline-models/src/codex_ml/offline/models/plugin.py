"""Registers this distribution's tokenizers and models. Imports nothing heavy."""
from codex_ml.offline.models import artifacts
from codex_ml.plugins import hookimpl

HF_REQUIRES = ("torch", "transformers")
MINILM_REQUIRES = ("torch", "safetensors")


@hookimpl
def register_tokenizers(register):
    register("offline:tiny-vocab", "codex_ml.offline.models.tiny_vocab:load_tiny_vocab",
             summary="Six-word whitespace tokenizer from vocab.json", artifact=artifacts.TINY_VOCAB)
    register("offline:gpt2", "codex_ml.offline.models.hf:load_gpt2_tokenizer",
             summary="GPT-2 byte-level BPE tokenizer from a local directory", requires=HF_REQUIRES, extra="hf",
             artifact=artifacts.GPT2_TOKENIZER)
    register("offline:tinyllama", "codex_ml.offline.models.hf:load_tinyllama_tokenizer",
             summary="TinyLlama SentencePiece tokenizer from a local directory", requires=HF_REQUIRES + ("sentencepiece",),
             extra="hf", artifact=artifacts.TINYLLAMA_TOKENIZER)
    register("hf", "codex_ml.offline.models.hf_local:load_local_hf_tokenizer",
             summary="Any transformers tokenizer saved in a local directory (tokenizer.name_or_path=DIR)",
             requires=HF_REQUIRES, extra="hf")
    register("offline:bytes", "codex_ml.offline.models.byte_tokenizer:load_byte_tokenizer",
             summary="UTF-8 bytes as ids 0-255 plus end-of-text 256 (MiniLM's tokenizer; no artefact)")


@hookimpl
def register_models(register):
    register("offline:tiny-sequence", "codex_ml.offline.models.tiny_sequence:load_tiny_sequence",
             summary="Scripted prefix-rule model from model.json (no parameters)", artifact=artifacts.TINY_SEQUENCE)
    register("offline:gpt2", "codex_ml.offline.models.hf:load_gpt2_model",
             summary="GPT-2 causal LM from a local directory (transformers)", requires=HF_REQUIRES, extra="hf",
             artifact=artifacts.GPT2_MODEL)
    register("offline:tinyllama", "codex_ml.offline.models.hf:load_tinyllama_model",
             summary="TinyLlama causal LM from a local directory (transformers)", requires=HF_REQUIRES, extra="hf",
             artifact=artifacts.TINYLLAMA_MODEL)
    for name in ("offline:minilm", "MiniLM"):
        register(name, "codex_ml.offline.models.minilm:load_minilm",
                 summary="Small decoder-only transformer defined in codex-ml (torch); fresh or from a saved directory",
                 requires=MINILM_REQUIRES, extra="hf")


@hookimpl
def config_searchpath():
    """This distribution's Hydra fragments (conf/<group>/offline/<name>.yaml)."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "conf")


@hookimpl
def register_commands(cli):
    """``codex-ml catalogue synth`` and ``fetch``, imported only when one runs."""
    from codex_ml.cli.lazy import LazyCommand

    cli.add_to_group("catalogue", LazyCommand(
        "synth", "codex_ml.offline.models.catalogue_cli:synth",
        "Write a small randomly initialised GPT-2/TinyLlama and a tokenizer trained on local text."))
    cli.add_to_group("catalogue", LazyCommand(
        "fetch", "codex_ml.offline.models.catalogue_cli:fetch",
        "Download the real GPT-2/TinyLlama at its pinned revision (needs the network)."))


@hookimpl
def register_doctor_checks(register):
    """The [hf] extra: library versions and the Hugging Face cache."""
    register("codex_ml.offline.models.doctor_checks:check_hf_versions")
    register("codex_ml.offline.models.doctor_checks:check_hf_cache")
