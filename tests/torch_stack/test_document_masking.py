"""Packed blocks keep documents apart: editing document A never changes the loss on document B."""
from guards import require_torch

torch = require_torch()

import pytest
from codex_ml.offline.training.packing import pack
from codex_ml.offline.training.torch_loop import document_masking, logits_of
from torch.nn import functional as F


def _module(family, gpt2_dir, tinyllama_dir):
    if family == "gpt2":
        from codex_ml.offline.models.hf import load_gpt2_model

        return load_gpt2_model(gpt2_dir).module
    if family == "tinyllama":
        from codex_ml.offline.models.hf import load_tinyllama_model

        return load_tinyllama_model(tinyllama_dir).module
    from codex_ml.offline.models.minilm import load_minilm

    return load_minilm(n_layer=2, n_embd=32, n_head=2, block_size=64).module


def _token_losses(module, blocks, use_positions):
    with torch.no_grad():
        logits = logits_of(module, blocks.inputs, blocks.positions if use_positions else None)
    return F.cross_entropy(logits.transpose(1, 2).float(), blocks.targets, reduction="none", ignore_index=-100)


@pytest.mark.parametrize("family", ["gpt2", "tinyllama", "minilm"])
def test_editing_document_a_leaves_the_loss_on_document_b_unchanged(family, gpt2_dir, tinyllama_dir):
    module = _module(family, gpt2_dir, tinyllama_dir).eval()
    assert document_masking(module) == "position_ids"
    eos = 0
    doc_a, doc_a_edited, doc_b = [5, 6, 7, 8, 9], [11, 12, 13, 14, 15], [21, 22, 23, 24, 25, 26, 27]
    block = len(doc_a) + 1 + len(doc_b)  # A eos B | eos: one block holding both documents
    original, edited = pack([doc_a, doc_b], block, eos), pack([doc_a_edited, doc_b], block, eos)
    assert len(original) == 1 and original.positions[0].tolist() == [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 5, 6, 7]
    on_b = slice(len(doc_a), block)  # B's separator and tokens: predictions of B's tokens and of its end
    with_masking = (_token_losses(module, original, True), _token_losses(module, edited, True))
    assert torch.allclose(with_masking[0][0, on_b], with_masking[1][0, on_b], atol=1e-5)
    assert not torch.allclose(with_masking[0][0, :len(doc_a)], with_masking[1][0, :len(doc_a)])
    # the control: without per-document positions B sees A, and its loss moves with A's edit
    plain = (_token_losses(module, original, False), _token_losses(module, edited, False))
    assert not torch.allclose(plain[0][0, on_b], plain[1][0, on_b], atol=1e-5)


def test_a_model_without_support_falls_back_to_masking_boundary_labels():
    class Plain(torch.nn.Module):
        def forward(self, input_ids, **_):
            return input_ids

    assert document_masking(Plain()) == "labels"
    blocks = pack([[1, 2, 3], [4, 5]], 6, 0).boundary_labels_masked()
    # stream 1 2 3 0 4 5 0: the separator's prediction of document two's first token is not learnt
    assert blocks.inputs.tolist() == [[1, 2, 3, 0, 4, 5]]
    assert blocks.targets.tolist() == [[2, 3, 0, -100, 5, 0]]
