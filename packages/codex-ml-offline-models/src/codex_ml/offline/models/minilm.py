"""``MiniLM``: a small decoder-only transformer defined here in plain torch, for training from scratch.

Pre-norm blocks with causal scaled-dot-product attention and tied input/output embeddings. It is saved
like a transformers checkpoint (``config.json`` + ``model.safetensors``) but is not a transformers model:
load it with :func:`load_minilm` / :meth:`MiniLMModule.from_pretrained`.
"""
from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import torch
from codex_ml.offline.models.byte_tokenizer import VOCAB_SIZE, ByteTokenizer
from codex_ml.offline.models.causal_lm import DEFAULT_BATCH_SIZE, CausalLM
from torch import nn
from torch.nn import functional as F

MODEL_TYPE = "codex-ml-minilm"


@dataclass
class MiniLMConfig:
    vocab_size: int = VOCAB_SIZE
    block_size: int = 256
    n_layer: int = 2
    n_head: int = 4
    n_embd: int = 128
    dropout: float = 0.0

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MiniLMConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


class CausalOutput(NamedTuple):
    logits: torch.Tensor


class _Block(nn.Module):
    def __init__(self, cfg: MiniLMConfig) -> None:
        super().__init__()
        self.n_head, self.dropout = cfg.n_head, cfg.dropout
        self.ln_1, self.ln_2 = nn.LayerNorm(cfg.n_embd), nn.LayerNorm(cfg.n_embd)
        self.qkv = nn.Linear(cfg.n_embd, 3 * cfg.n_embd)
        self.proj = nn.Linear(cfg.n_embd, cfg.n_embd)
        self.mlp = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(), nn.Linear(4 * cfg.n_embd, cfg.n_embd))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln_1(x)).view(b, t, 3, self.n_head, c // self.n_head).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=mask is None,
                                           dropout_p=self.dropout if self.training else 0.0)
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.mlp(self.ln_2(x))


def document_causal_mask(position_ids: torch.Tensor) -> torch.Tensor:
    """(batch, 1, t, t) boolean mask: causal, and only within the document a position belongs to (a document
    starts wherever the position ids do not go up by one, as transformers' packed-sequence detection)."""
    step = torch.diff(position_ids, dim=-1, prepend=position_ids[..., :1] - 1)
    document = (step != 1).cumsum(-1)
    t = position_ids.shape[-1]
    causal = torch.ones(t, t, dtype=torch.bool, device=position_ids.device).tril()
    return (causal & (document[..., :, None] == document[..., None, :]))[:, None]


class MiniLMModule(nn.Module):
    def __init__(self, config: MiniLMConfig) -> None:
        super().__init__()
        if config.n_embd % config.n_head:
            raise ValueError(f"MiniLM: n_embd ({config.n_embd}) must be divisible by n_head ({config.n_head})")
        self.config = config
        self.wte = nn.Embedding(config.vocab_size, config.n_embd)
        self.wpe = nn.Embedding(config.block_size, config.n_embd)
        self.blocks = nn.ModuleList(_Block(config) for _ in range(config.n_layer))
        self.ln_f = nn.LayerNorm(config.n_embd)
        self.lm_head = nn.Linear(config.n_embd, config.vocab_size, bias=False)
        self.lm_head.weight = self.wte.weight
        self.apply(self._init)

    @staticmethod
    def _init(module: nn.Module) -> None:
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    #: Packed training: position ids that restart at 0 mark a new document, which attends only to itself.
    accepts_packed_position_ids = True

    def forward(self, input_ids: torch.Tensor, position_ids: torch.Tensor | None = None, **_: Any) -> CausalOutput:
        return CausalOutput(self.lm_head(self.hidden_states(input_ids, position_ids)))

    def hidden_states(self, input_ids: torch.Tensor, position_ids: torch.Tensor | None = None) -> torch.Tensor:
        """The final normalised hidden states, (batch, t, n_embd): what the LM head reads, and what a
        sequence-classification head (the Bradley-Terry reward model of codex-ml-offline-rl) reads."""
        t = input_ids.shape[1]
        if t > self.config.block_size:
            raise ValueError(f"MiniLM: sequence of {t} tokens exceeds block_size {self.config.block_size}")
        mask = None
        if position_ids is None:
            position_ids = torch.arange(t, device=input_ids.device)
        else:
            mask = document_causal_mask(position_ids)
        x = self.wte(input_ids) + self.wpe(position_ids)
        for block in self.blocks:
            x = block(x, mask)
        return self.ln_f(x)

    def save_pretrained(self, directory: str | os.PathLike[str]) -> Path:
        from safetensors.torch import save_model

        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        (target / "config.json").write_text(json.dumps({"model_type": MODEL_TYPE, **dataclasses.asdict(self.config)}, indent=2) + "\n")
        save_model(self, str(target / "model.safetensors"))
        return target

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> MiniLMModule:
        from codex_ml.artifacts.files import read_json_object
        from codex_ml.artifacts.manifest import check_manifest
        from codex_ml.errors import MalformedArtifactError
        from safetensors.torch import load_model

        source = Path(directory)
        check_manifest(source, allow_modified=None)  # a directory with a manifest must still match it
        data = read_json_object(source / "config.json", required={"model_type": str})
        if data["model_type"] != MODEL_TYPE:
            raise MalformedArtifactError(f"{source / 'config.json'}: model_type {data['model_type']!r} is not {MODEL_TYPE!r}")
        if not (source / "model.safetensors").is_file():
            raise MalformedArtifactError(f"{source}: MiniLM weights are read only from model.safetensors")
        module = cls(MiniLMConfig.from_dict(data))
        load_model(module, str(source / "model.safetensors"))
        return module.eval()


def load_minilm(path: str | os.PathLike[str] | None = None, *, seed: int = 0, batch_size: int = DEFAULT_BATCH_SIZE,
                device: str | None = None, **config: Any) -> CausalLM:
    """Factory registered as ``offline:minilm`` / ``MiniLM``: a saved MiniLM from ``path``, else a fresh
    one initialised from ``seed`` with ``config`` overrides (``n_layer``, ``n_embd``, ``block_size``...).
    ``batch_size`` and ``device`` are how evaluation scores requests (see CausalLM)."""
    scoring = {"batch_size": batch_size, "device": device}
    if path is not None:
        return CausalLM(MiniLMModule.from_pretrained(path), ByteTokenizer(), family="minilm", source=Path(path), **scoring)
    unknown = sorted(set(config) - {f.name for f in dataclasses.fields(MiniLMConfig)})
    if unknown:
        from codex_ml.errors import UnknownSettingError

        raise UnknownSettingError(f"MiniLM: unknown setting(s) {', '.join(map(repr, unknown))}; known: "
                                  f"{', '.join(f.name for f in dataclasses.fields(MiniLMConfig))}")
    torch.manual_seed(seed)
    return CausalLM(MiniLMModule(MiniLMConfig(**config)), ByteTokenizer(), family="minilm", **scoring)
