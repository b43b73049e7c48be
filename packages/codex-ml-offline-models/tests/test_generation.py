"""Batched KV-cached generation: greedy equals transformers' own greedy output; sampling knobs behave."""
from guards import require_torch

torch = require_torch()

import pytest
from codex_ml.offline.models.generation import filter_logits, generate_batch
from codex_ml.offline.models.hf import load_gpt2_model, load_tinyllama_model

PROMPTS = ["Return the", "Create a new socket object and", "If"]


@pytest.mark.parametrize("family", ["gpt2", "tinyllama"])
def test_batched_greedy_equals_transformers_greedy_per_prompt(family, gpt2_dir, tinyllama_dir):
    model = load_gpt2_model(gpt2_dir) if family == "gpt2" else load_tinyllama_model(tinyllama_dir)
    eos = model.tokenizer.eos_token_id
    prompts = [model._start_ids() + model.tokenizer.encode(p) for p in PROMPTS]
    ours = generate_batch(model.module, prompts, max_new_tokens=12, eos_token_id=eos, pad_token_id=eos)
    for ids, got in zip(prompts, ours):
        reference = model.module.generate(torch.tensor([ids]), max_new_tokens=12, do_sample=False,
                                          eos_token_id=eos, pad_token_id=eos)[0, len(ids):].tolist()
        if eos in reference:
            reference = reference[: reference.index(eos)]
        assert got == reference
    assert model.generate_batch(PROMPTS, max_new_tokens=12) == [model.tokenizer.decode(r) for r in ours]
    assert model.generate(PROMPTS[0], max_new_tokens=12) == model.tokenizer.decode(ours[0])


def test_sampling_is_seeded_and_respects_top_k_one(gpt2_dir):
    model = load_gpt2_model(gpt2_dir)
    prompts = [model._start_ids() + model.tokenizer.encode(p) for p in PROMPTS]
    a = generate_batch(model.module, prompts, max_new_tokens=8, do_sample=True, temperature=1.5, seed=3)
    b = generate_batch(model.module, prompts, max_new_tokens=8, do_sample=True, temperature=1.5, seed=3)
    assert a == b
    greedy = generate_batch(model.module, prompts, max_new_tokens=8)
    top1 = generate_batch(model.module, prompts, max_new_tokens=8, do_sample=True, top_k=1, seed=5)
    assert top1 == greedy


def test_minilm_decodes_without_a_cache_and_stops_at_eos():
    from codex_ml.offline.models.minilm import load_minilm

    model = load_minilm(n_layer=1, n_embd=32, n_head=2, block_size=32)
    prompts = [[256, 72, 105], [256, 65]]
    greedy = generate_batch(model.module, prompts, max_new_tokens=40, eos_token_id=None)
    for ids, got in zip(prompts, greedy):  # each row equals decoding it alone, one token at a time
        row = list(ids)
        for _ in range(40):
            row.append(int(model.module(input_ids=torch.tensor([row[-32:]])).logits[0, -1].argmax()))
        assert got == row[len(ids):]
    eos = greedy[0][3]
    assert generate_batch(model.module, prompts[:1], max_new_tokens=40, eos_token_id=eos)[0] == greedy[0][:greedy[0].index(eos)]


def test_top_p_keeps_the_smallest_set_reaching_p():
    logits = torch.log(torch.tensor([[0.5, 0.3, 0.15, 0.05]]))
    kept = torch.isfinite(filter_logits(logits, 0, 0.7))[0].tolist()
    assert kept == [True, True, False, False]
    assert torch.isfinite(filter_logits(logits, 2, 1.0))[0].tolist() == [True, True, False, False]


def test_completions_keep_eos_and_carry_the_policy_logprobs(gpt2_dir):
    """The RL path: each row cut after its own EOS (kept), the others go on; log-probabilities equal a full
    forward's log_softmax(logits / temperature) whatever top_k/top_p filtered; left padding changes nothing."""
    from codex_ml.offline.models.generation import generate

    model = load_gpt2_model(gpt2_dir)
    prompts = [model._start_ids() + model.tokenizer.encode(p) for p in PROMPTS]
    greedy = generate(model.module, prompts, max_new_tokens=10, eos_token_id=None)
    eos = greedy.token_ids[0][2]  # a token row 0 produces: it stops there
    out = generate(model.module, prompts, max_new_tokens=10, eos_token_id=eos, pad_token_id=0, logprobs=True)
    assert out.stopped[0]
    for row, full, stopped in zip(out.token_ids, greedy.token_ids, out.stopped):
        assert row == (full[: full.index(eos) + 1] if eos in full else full) and stopped == (eos in full)
    assert [len(r) for r in out.logprobs] == [len(r) for r in out.token_ids]
    sampled = generate(model.module, prompts, max_new_tokens=10, do_sample=True, temperature=0.7, top_k=20,
                       top_p=0.9, eos_token_id=eos, generator=torch.Generator().manual_seed(1), logprobs=True)
    for ids, row, logps in zip(prompts, sampled.token_ids, sampled.logprobs):
        with torch.no_grad():
            logits = model.module(input_ids=torch.tensor([ids + row])).logits[0, len(ids) - 1:-1].float()
        expected = torch.log_softmax(logits / 0.7, dim=-1).gather(1, torch.tensor(row)[:, None])[:, 0]
        assert logps == pytest.approx(expected.tolist(), abs=1e-4)


def test_a_generator_replays_when_restored_and_leaves_the_global_stream_alone(gpt2_dir):
    from codex_ml.offline.models.generation import generate

    model = load_gpt2_model(gpt2_dir)
    prompts = [model._start_ids() + model.tokenizer.encode(p) for p in PROMPTS]
    generator = torch.Generator().manual_seed(4)
    saved = generator.get_state()
    before = torch.random.get_rng_state()
    first = generate(model.module, prompts, max_new_tokens=8, do_sample=True, generator=generator)
    second = generate(model.module, prompts, max_new_tokens=8, do_sample=True, generator=generator)
    assert torch.equal(torch.random.get_rng_state(), before)
    generator.set_state(saved)
    assert generate(model.module, prompts, max_new_tokens=8, do_sample=True, generator=generator) == first
    assert first != second  # the generator advanced between calls
    with pytest.raises(ValueError, match="seed or generator"):
        generate(model.module, prompts, seed=1, generator=generator)


def _greedy_matches_transformers(module, prompts, eos, new_tokens=12):
    ours = generate_batch(module, prompts, max_new_tokens=new_tokens, eos_token_id=eos, pad_token_id=eos)
    for ids, got in zip(prompts, ours):
        reference = module.generate(torch.tensor([ids]), max_new_tokens=new_tokens, do_sample=False,
                                    eos_token_id=eos, pad_token_id=eos)[0, len(ids):].tolist()
        assert got == (reference[: reference.index(eos)] if eos in reference else reference)


def test_eager_attention_decodes_as_transformers_does(gpt2_dir):
    """The ready-made decode mask has the eager kernel's additive form (dtype-min), not SDPA's."""
    model = load_gpt2_model(gpt2_dir)
    model.module.set_attn_implementation("eager")
    prompts = [model._start_ids() + model.tokenizer.encode(p) for p in PROMPTS]
    _greedy_matches_transformers(model.module, prompts, model.tokenizer.eos_token_id)


def test_a_sliding_window_model_decodes_as_transformers_does():
    """Models with local attention keep transformers' own masks and a cache built from their config."""
    from transformers import AutoModelForCausalLM, MistralConfig

    torch.manual_seed(0)
    config = MistralConfig(vocab_size=96, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                           num_attention_heads=2, num_key_value_heads=1, max_position_embeddings=64, sliding_window=4)
    module = AutoModelForCausalLM.from_config(config).eval()
    prompts = [[5, 9, 13, 2, 7, 30, 8], [4, 4], [11, 3, 90, 17, 6]]  # longer than the window
    _greedy_matches_transformers(module, prompts, eos=1)


def test_sampling_draws_from_the_distribution_and_never_a_zero_probability_token():
    from codex_ml.offline.models.generation import sample_from

    probs = torch.tensor([[0.5, 0.0, 0.3, 0.2, 0.0]]).repeat(20_000, 1)
    with torch.random.fork_rng():
        torch.manual_seed(0)
        drawn = sample_from(probs)
    counts = torch.bincount(drawn, minlength=5).float() / len(drawn)
    assert counts[1] == 0 and counts[4] == 0
    assert counts[[0, 2, 3]].tolist() == pytest.approx([0.5, 0.3, 0.2], abs=0.015)
    one_hot = torch.zeros(3, 7)
    one_hot[0, 6], one_hot[1, 0], one_hot[2, 3] = 1.0, 1.0, 1e-30  # unnormalised rows are fine too
    assert sample_from(one_hot).tolist() == [6, 0, 3]


def test_dropout_is_off_while_decoding_and_the_mode_is_restored(gpt2_dir):
    model = load_gpt2_model(gpt2_dir)
    prompts = [model._start_ids() + model.tokenizer.encode(p) for p in PROMPTS]
    module = model.module.eval()
    in_eval = generate_batch(module, prompts, max_new_tokens=8)
    module.train()
    module.transformer.h[0].eval()  # a mixed state comes back as it was
    before = {name: m.training for name, m in module.named_modules()}
    assert generate_batch(module, prompts, max_new_tokens=8) == in_eval
    assert {name: m.training for name, m in module.named_modules()} == before
