"""KV-cached batched sampling agrees with full forwards: greedy under a tiny top_p, and the log-probabilities
recorded while sampling equal those the loss computes (so the ratio starts at 1 and masking is aligned)."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from guards import require_torch

torch = require_torch()

from codex_ml.offline.rl.policy_agent import load_grpo_agent

PROMPTS = ["How do I read a CSV file?", "Sort", "Explain how to merge two dictionaries, step by step."]


@pytest.fixture(scope="module")
def agent(policy_dir):
    return load_grpo_agent(model_path=str(policy_dir), max_new_tokens=6, group_size=2, top_p=1e-6)


def states(prompts):
    return [{"prompt": p, "prompt_ids": [], "group": i} for i, p in enumerate(prompts)]


def test_tiny_top_p_is_greedy_and_left_padding_changes_nothing(agent):
    batched = agent.act_batch(states(PROMPTS))
    for prompt, action in zip(PROMPTS, batched):
        ids = agent.prompt_ids(prompt)
        greedy = []
        for _ in range(len(action["completion_ids"])):
            with torch.no_grad():
                logits = agent.module(input_ids=torch.tensor([ids + greedy])).logits[0, -1]
            greedy.append(int(logits.argmax()))
        assert action["completion_ids"] == greedy
        assert action["completion"] == agent.tokenizer.decode([i for i in greedy if i != agent.eos_id])


def test_sampled_logprobs_equal_the_loss_logprobs(policy_dir):
    sampler = load_grpo_agent(model_path=str(policy_dir), max_new_tokens=8, group_size=2, temperature=0.7, seed=3)
    actions = sampler.act_batch(states(PROMPTS))
    steps = [{**s, **a, "reward": 0.0} for s, a in zip(states(PROMPTS), actions)]
    ids, attention, mask = sampler._batch(steps)
    with torch.no_grad():
        logp = sampler._logprobs(sampler.module, ids, attention, mask.shape[1])
    for row, action in enumerate(actions):
        recomputed = logp[row][mask[row].bool()].tolist()
        assert recomputed == pytest.approx(action["logprobs"], abs=1e-4)
        assert all(x <= 0.0 for x in action["logprobs"]) and len(action["completion_ids"]) <= 8
    assert sampler.keeps_logits  # the vocabulary projection ran on the completion positions only
    sampler.keeps_logits = False  # a model without logits_to_keep: the full logits, cut afterwards
    with torch.no_grad():
        assert torch.allclose(sampler._logprobs(sampler.module, ids, attention, mask.shape[1]), logp, atol=1e-5)


class Scripted(torch.nn.Module):
    """A fake causal LM without a cache: the next token repeats the sequence's first token, then end-of-text
    (id 0) once the sequence holds ``stop_at[first token]`` tokens."""

    def __init__(self, stop_at):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.stop_at = stop_at

    def forward(self, input_ids=None, use_cache=False, **_):
        logits = torch.full((input_ids.shape[0], input_ids.shape[1], 8), -1e9)
        for row, seq in enumerate(input_ids.tolist()):
            logits[row, -1, 0 if len(seq) >= self.stop_at[seq[0]] else seq[0]] = 0.0
        return SimpleNamespace(logits=logits)


def test_generation_stops_each_row_at_end_of_text_and_keeps_it():
    from codex_ml.offline.models.generation import generate

    module = Scripted(stop_at={1: 2, 2: 4, 3: 99})
    out = generate(module, [[1, 1], [2], [3, 3, 3]], max_new_tokens=5, do_sample=True, eos_token_id=0,
                   pad_token_id=0, generator=torch.Generator().manual_seed(0), logprobs=True)
    assert out.token_ids == [[0], [2, 2, 2, 0], [3, 3, 3, 3, 3]]
    assert out.stopped == [True, True, False]
    assert [len(row) for row in out.logprobs] == [1, 4, 5]
    assert all(lp == pytest.approx(0.0) for row in out.logprobs for lp in row)
    ids, mask = out.padded(pad_token_id=7)
    assert mask.tolist() == [[1, 0, 0, 0, 0], [1, 1, 1, 1, 0], [1, 1, 1, 1, 1]]
    assert ids[0].tolist() == [0, 7, 7, 7, 7]
