"""The scoring contract on a tiny synthesised GPT-2: each lm-eval rule pinned on its own.

Reference values come from the plainest possible computation (the whole sequence through the model,
a log-softmax over every position), so the fast path (batches, shared-context KV reuse, LM head at
continuation positions only) is checked against something that could disagree with it.
"""
from guards import require

require("transformers")
import random

import pytest
import torch
from codex_ml.interfaces import ScoringModel
from codex_ml.offline.models.lm_requests import RequestEncoder, ScoringRequestError, rolling_windows

TOL = 1e-5


@pytest.fixture(scope="module")
def model(gpt2_dir):
    from codex_ml.offline.models.hf import load_gpt2_model

    return load_gpt2_model(gpt2_dir, batch_size=8)


def reference(model, context_ids, continuation_ids):
    """Sum of log-probabilities of ``continuation_ids`` after ``context_ids``: one plain forward, full softmax."""
    ids = (list(context_ids) + list(continuation_ids))[-(model.context_length + 1):][:-1]
    with torch.no_grad():
        logprobs = torch.log_softmax(model.module(input_ids=torch.tensor([ids])).logits[0].float(), dim=-1)
    scored = logprobs[-len(continuation_ids):]
    picked = scored.gather(1, torch.tensor(continuation_ids)[:, None])[:, 0]
    return float(picked.sum()), bool((scored.argmax(-1) == torch.tensor(continuation_ids)).all())


def test_a_causal_lm_implements_the_scoring_contract(model):
    assert isinstance(model, ScoringModel)


def test_trailing_whitespace_moves_to_the_continuation_and_the_continuation_is_the_tail(model):
    encoder = RequestEncoder(model.tokenizer)
    moved = encoder.pair("The answer is ", "yes")
    assert moved == encoder.pair("The answer is", " yes")
    encode = model.tokenizer.encode
    whole, ctx = encode("The answer is yes"), encode("The answer is")
    assert moved.context == tuple(ctx) and moved.continuation == tuple(whole[len(ctx):])
    # the tail of the whole encoding, not the continuation encoded apart (they differ for this tokenizer)
    split = encoder.pair("Return a new transp", "ort that")
    assert split.continuation == tuple(encode("Return a new transport that")[len(encode("Return a new transp")):])


def test_gpt2_gets_no_bos_by_default_and_add_bos_token_forces_it(model):
    bos = model.tokenizer.bos_token_id
    assert RequestEncoder(model.tokenizer).pair("Hello", " world").context[0] != bos
    forced = RequestEncoder(model.tokenizer, add_bos_token=True).pair("Hello", " world")
    assert forced.context[0] == bos and forced.context[1:] == RequestEncoder(model.tokenizer).pair("Hello", " world").context
    assert model.loglikelihood([("Hello", " world")], add_bos_token=True)[0][0] == pytest.approx(
        reference(model, forced.context, forced.continuation)[0], abs=TOL)


def test_an_empty_context_is_scored_after_the_prefix_token(model):
    tokens = model.tokenizer.encode("hello world")
    request = RequestEncoder(model.tokenizer).pair("", "hello world")
    assert request.context == (model.tokenizer.bos_token_id,) and request.continuation == tuple(tokens)
    value, greedy = model.loglikelihood([("", "hello world")])[0]
    assert (value, greedy) == pytest.approx(reference(model, [model.tokenizer.bos_token_id], tokens), abs=TOL)


def test_an_empty_continuation_is_refused_naming_the_request(model):
    with pytest.raises(ScoringRequestError, match="request 1: empty continuation"):
        model.loglikelihood([("a", " b"), ("a", "")])
    with pytest.raises(ScoringRequestError, match="request 0: the text is empty"):
        model.loglikelihood_rolling([""])


def test_rolling_windows_predict_every_token_once_with_as_much_context_as_fits():
    tokens = list(range(100, 250))  # 150 tokens, window 64
    windows = list(rolling_windows(tokens, 7, 64))
    assert windows[0] == ([7], tokens[:64])
    assert windows[1] == (tokens[63:64], tokens[64:128])  # a full later window: one token of context
    assert windows[2] == (tokens[85:128], tokens[128:150])  # the last 22 tokens after 64 - 22 + 1 = 43
    assert [t for _, cont in windows for t in cont] == tokens
    assert all(len(ctx) + len(cont) - 1 <= 64 for ctx, cont in windows)
    assert list(rolling_windows([], 7, 64)) == []


def test_a_long_document_totals_the_sum_over_its_windows(model):
    text = "Return a new transport that the protocol should use when it is ready. " * 12
    tokens = model.tokenizer.encode(text)
    assert len(tokens) > 2 * model.context_length
    expected = sum(reference(model, ctx, cont)[0]
                   for ctx, cont in rolling_windows(tokens, model.tokenizer.bos_token_id, model.context_length))
    assert model.loglikelihood_rolling([text])[0] == pytest.approx(expected, abs=1e-4)


REQUESTS = [("The answer is", " yes"), ("The answer is", " no"), ("The answer is", " maybe not"),
            ("Return a new", " transport that the protocol should use."), ("", "hello"), ("x ", "y"),
            ("long context " * 30, " which is truncated from the left"), ("Q: what is it?\nA:", " a test"),
            ("Q: what is it?\nA:", " nothing at all"), ("The answer is", " yes indeed"),
            # one shared context, continuations of very different lengths: scored in several chunks
            ("Shared context", " a"), ("Shared context", " a much longer choice with many more tokens than the others"),
            ("Shared context", " mid length one"), ("Shared context", " medium")]


def test_batched_scoring_matches_the_plain_computation_in_the_order_given(model):
    encoder = RequestEncoder(model.tokenizer)
    results = model.loglikelihood(REQUESTS)
    for (context, continuation), (value, greedy) in zip(REQUESTS, results):
        pair = encoder.pair(context, continuation)
        ref_value, ref_greedy = reference(model, pair.context, pair.continuation)
        assert value == pytest.approx(ref_value, abs=TOL) and greedy == ref_greedy


# every context here serves several continuations: one-token answers (nothing after the context), and
# choices of very different lengths that share a row behind one mask
SHARED = [("Question: which one? Answer:", c) for c in (" A", " B", " C", " D")] + [
    ("Return a new transport that the protocol", c) for c in (" should use.", " x", " will never, ever be used again here")]


@pytest.mark.parametrize("family, attention", [("gpt2", "sdpa"), ("gpt2", "eager"), ("tinyllama", "sdpa")])
def test_continuations_sharing_a_context_row_match_the_plain_computation(family, attention, gpt2_dir, tinyllama_dir):
    from codex_ml.offline.models.hf import load_gpt2_model, load_tinyllama_model

    loaded = (load_gpt2_model(gpt2_dir, batch_size=3) if family == "gpt2" else load_tinyllama_model(tinyllama_dir))
    loaded.module.set_attn_implementation(attention)
    encoder = RequestEncoder(loaded.tokenizer)
    for (context, continuation), (value, greedy) in zip(SHARED, loaded.loglikelihood(SHARED)):
        pair = encoder.pair(context, continuation)
        assert (value, greedy) == pytest.approx(reference(loaded, pair.context, pair.continuation), abs=TOL)


def test_the_set_tokenised_in_one_batch_gives_the_requests_tokenised_one_by_one(model):
    batched = RequestEncoder(model.tokenizer).pairs(REQUESTS)
    assert batched == [RequestEncoder(model.tokenizer).pair(context, cont) for context, cont in REQUESTS]
    with pytest.raises(ScoringRequestError, match="loglikelihood request 1: empty continuation"):
        RequestEncoder(model.tokenizer).pairs([("a", " b"), ("a", "")])


def test_order_is_restored_after_length_sorting_and_grouping(model):
    order = list(range(len(REQUESTS)))
    random.Random(3).shuffle(order)
    straight = model.loglikelihood(REQUESTS)
    shuffled = model.loglikelihood([REQUESTS[i] for i in order])
    for position, index in enumerate(order):
        assert shuffled[position][0] == pytest.approx(straight[index][0], abs=TOL)


def test_batch_size_one_and_batch_size_n_agree(gpt2_dir):
    from codex_ml.offline.models.hf import load_gpt2_model

    one, many = load_gpt2_model(gpt2_dir, batch_size=1), load_gpt2_model(gpt2_dir, batch_size=16)
    for a, b in zip(one.loglikelihood(REQUESTS), many.loglikelihood(REQUESTS)):
        assert a[0] == pytest.approx(b[0], abs=TOL) and a[1] == b[1]
    texts = ["short text", "a much longer text that spans windows " * 20]
    for a, b in zip(one.loglikelihood_rolling(texts), many.loglikelihood_rolling(texts)):
        assert a == pytest.approx(b, abs=1e-4)


def test_generate_until_stops_before_the_stop_sequence(model):
    free, = model.generate_until([("Return a", {"max_gen_toks": 12})])
    assert isinstance(free, str)
    if free.strip():
        stop = free.strip()[0]
        cut, = model.generate_until([("Return a", {"until": [stop], "max_gen_toks": 12})])
        assert stop not in cut and free.startswith(cut)


def test_minilm_without_a_kv_cache_scores_the_same_as_its_plain_computation():
    from codex_ml.plugins.registries import models

    mini = models.resolve_and_instantiate("MiniLM", n_embd=32, n_layer=1, block_size=32, batch_size=4)
    requests = [("abc", " def"), ("abc", " xyz"), ("", "hello")]
    for (context, continuation), (value, _) in zip(requests, mini.loglikelihood(requests)):
        pair = RequestEncoder(mini.tokenizer).pair(context, continuation)
        assert value == pytest.approx(reference(mini, pair.context, pair.continuation)[0], abs=TOL)


from codex_ml.testing import ScoringModelConformance


class TestGPT2ScoringContract(ScoringModelConformance):
    component = "offline:gpt2"

    @pytest.fixture(autouse=True)
    def _directory(self, gpt2_dir):
        self.path = gpt2_dir

    def build(self, **overrides):
        return super().build(path=self.path, batch_size=3, **overrides)


def test_greedy_check_matches_argmax_including_ties():
    """The greedy flag comes from the row maxima, not argmax: it must still pick the first of tied maxima."""
    import torch
    from codex_ml.offline.models.token_scoring import _is_argmax

    logits = torch.tensor([[1.0, 3.0, 3.0, 0.0], [1.0, 3.0, 3.0, 0.0], [5.0, 1.0, 2.0, 0.0], [0.0, 0.0, 0.0, 9.0]])
    target = torch.tensor([1, 2, 2, 3])
    chosen = logits.gather(1, target[:, None])[:, 0]
    flags = _is_argmax(logits, target, chosen, logits.amax(dim=-1))
    assert flags.tolist() == (logits.argmax(dim=-1) == target).tolist() == [True, False, False, True]
    random = torch.randn(64, 50).round()  # rounding makes ties common
    target = torch.randint(0, 50, (64,))
    chosen = random.gather(1, target[:, None])[:, 0]
    assert torch.equal(_is_argmax(random, target, chosen, random.amax(dim=-1)), random.argmax(dim=-1) == target)
