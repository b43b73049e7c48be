"""A Bradley-Terry reward head on MiniLM, codex-ml's own small transformer (not a transformers model, so
``AutoModelForSequenceClassification`` cannot build one). The head is what transformers puts on GPT-2: one
linear output, no bias, read at each sequence's last token. ``save_pretrained`` writes the MiniLM as MiniLM
saves itself (config.json + model.safetensors, loadable by ``load_minilm``) plus the head in
``score_head.safetensors``; ``from_pretrained`` reads both back. Needs torch."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import torch
from codex_ml.errors import MalformedArtifactError
from codex_ml.offline.models.byte_tokenizer import EOS_ID, ByteTokenizer
from codex_ml.offline.models.minilm import MiniLMModule
from torch import nn

SCORE_HEAD = "score_head.safetensors"


@dataclass(frozen=True)
class RewardHeadConfig:
    """What the reward model reads from ``module.config`` (the names transformers' configs use)."""

    pad_token_id: int
    max_position_embeddings: int
    num_labels: int = 1


class MiniLMForSequenceClassification(nn.Module):
    def __init__(self, backbone: MiniLMModule) -> None:
        super().__init__()
        self.backbone = backbone
        self.score = nn.Linear(backbone.config.n_embd, 1, bias=False)
        nn.init.normal_(self.score.weight, std=0.02)
        self.config = RewardHeadConfig(pad_token_id=EOS_ID, max_position_embeddings=backbone.config.block_size)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor | None = None, **_: Any) -> Any:
        """``logits`` (batch, 1) at each row's last real token (rows are right-padded)."""
        hidden = self.backbone.hidden_states(input_ids)
        if attention_mask is None:
            last = torch.full((input_ids.shape[0],), input_ids.shape[1] - 1, device=input_ids.device)
        else:
            last = attention_mask.sum(-1) - 1
        rows = torch.arange(input_ids.shape[0], device=input_ids.device)
        return SimpleNamespace(logits=self.score(hidden[rows, last]))

    def save_pretrained(self, directory: str | os.PathLike[str]) -> Path:
        from safetensors.torch import save_file

        target = self.backbone.save_pretrained(directory)
        save_file({"weight": self.score.weight.detach().contiguous()}, str(target / SCORE_HEAD))
        return target

    @classmethod
    def from_pretrained(cls, directory: str | os.PathLike[str]) -> MiniLMForSequenceClassification:
        from safetensors.torch import load_file

        source = Path(directory)
        if not (source / SCORE_HEAD).is_file():
            raise MalformedArtifactError(f"{source}: a MiniLM reward model needs {SCORE_HEAD} (its reward head)")
        module = cls(MiniLMModule.from_pretrained(source))
        head = load_file(str(source / SCORE_HEAD))
        if set(head) != {"weight"} or tuple(head["weight"].shape) != tuple(module.score.weight.shape):
            raise MalformedArtifactError(
                f"{source / SCORE_HEAD}: expected one tensor 'weight' of shape {tuple(module.score.weight.shape)}"
            )
        with torch.no_grad():
            module.score.weight.copy_(head["weight"])
        return module.eval()


def minilm_classifier(base: MiniLMModule | Path) -> tuple[MiniLMForSequenceClassification, ByteTokenizer]:
    """A fresh reward head on ``base`` (a MiniLM module, or the directory of a saved one)."""
    backbone = base if isinstance(base, MiniLMModule) else MiniLMModule.from_pretrained(base)
    return MiniLMForSequenceClassification(backbone), ByteTokenizer()
