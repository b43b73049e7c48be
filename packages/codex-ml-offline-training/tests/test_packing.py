"""Packing, record text and the held-out split: every computed position is a real token."""
from guards import require_torch

torch = require_torch()

import pytest
from codex_ml.errors import RecordSchemaError
from codex_ml.formats.records import training_text as text_of
from codex_ml.offline.training.packing import BlockOrder, pack, split_indices


def test_documents_are_joined_with_eos_and_cut_into_full_blocks():
    blocks = pack([[1, 2, 3], [4, 5], [6, 7, 8, 9]], block_size=3, eos_id=0)
    # stream: 1 2 3 0 4 5 0 6 7 8 9 0 -> 3 full blocks of 3 inputs and their next tokens
    assert blocks.inputs.tolist() == [[1, 2, 3], [0, 4, 5], [0, 6, 7]]
    assert blocks.targets.tolist() == [[2, 3, 0], [4, 5, 0], [6, 7, 8]]
    assert blocks.tokens == 9


def test_a_stream_shorter_than_a_block_is_one_short_block_and_empty_is_none():
    short = pack([[5, 6]], block_size=8, eos_id=0)
    assert short.inputs.tolist() == [[5, 6]] and short.targets.tolist() == [[6, 0]]
    assert len(pack([], block_size=4, eos_id=None)) == 0


def test_record_text():
    assert text_of("plain") == "plain"
    assert text_of({"text": "t", "prompt": "p"}) == "t"
    assert text_of({"prompt": "Q: ", "completion": "A"}) == "Q: A"
    with pytest.raises(RecordSchemaError, match=r"record 4 is a int, not text or a mapping"):
        text_of(3, 4)
    with pytest.raises(RecordSchemaError, match=r"record 0 has no 'text' or 'prompt' field.*'body'"):
        text_of({"body": "x"}, 0)


def test_split_is_seeded_and_keeps_both_sides():
    train, held = split_indices(10, 0.2, seed=1)
    assert (train, held) == split_indices(10, 0.2, seed=1) and len(held) == 2 and sorted(train + held) == list(range(10))
    assert split_indices(1, 0.5, seed=0) == ([0], [])
    assert split_indices(3, 0.0, seed=0) == ([0, 1, 2], [])


def test_block_order_resumes_from_its_position():
    order = BlockOrder(5, seed=3)
    first = torch.cat([order.take(2) for _ in range(4)])  # crosses an epoch boundary
    again = BlockOrder(5, seed=3)
    again.take(2), again.take(2)
    resumed = BlockOrder(5, seed=3, **again.position())
    assert torch.equal(torch.cat([resumed.take(2) for _ in range(2)]), first[4:])
    with pytest.raises(ValueError, match="too small"):
        BlockOrder(0, seed=0)


def test_tokenising_shows_a_bar_on_a_terminal_only(monkeypatch):
    import io
    import sys

    from codex_ml.offline.training.token_cache import tokenize

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    class Chars:
        def encode(self, text):
            return [ord(c) for c in text]

    texts = [f"document {i}" for i in range(600)]
    shown = Terminal()
    monkeypatch.setattr(sys, "stderr", shown)
    tokens, offsets = tokenize(texts, Chars(), show_progress=True)
    assert tokens[offsets[5]:offsets[6]].tolist() == Chars().encode(texts[5])
    assert "tokenise" in shown.getvalue() and "/600" in shown.getvalue()
    hidden = Terminal()
    monkeypatch.setattr(sys, "stderr", hidden)
    tokenize(texts, Chars(), show_progress=False)
    assert hidden.getvalue() == ""
