"""KV-cached batched sampling agrees with full forwards: greedy under a tiny top_p, and the log-probabilities
recorded while sampling equal those the loss computes (so the ratio starts at 1 and masking is aligned)."""
from __future__ import annotations

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
        logp = sampler._logprobs(sampler.module, ids, attention)
    for row, action in enumerate(actions):
        recomputed = logp[row][mask[row].bool()].tolist()
        assert recomputed == pytest.approx(action["logprobs"], abs=1e-4)
        assert all(x <= 0.0 for x in action["logprobs"]) and len(action["completion_ids"]) <= 8


class Scripted(torch.nn.Module):
    """A fake causal LM: the next token is row + 1, then end-of-text (id 0) once the sequence reaches
    ``stop_at[row]`` tokens; checks that the cache it returned comes back."""

    def __init__(self, stop_at):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.stop_at = stop_at

    def forward(self, input_ids=None, attention_mask=None, position_ids=None, cache=None, use_cache=True, logits_to_keep=0):
        seen = 0 if cache is None else cache
        total = seen + input_ids.shape[1]
        logits = torch.full((input_ids.shape[0], 1, 8), -1e9)
        for row in range(input_ids.shape[0]):
            token = 0 if total - 1 >= self.stop_at[row] else row + 1
            logits[row, 0, token] = 0.0
        return {"logits": logits, "cache": total}


def test_sampling_stops_each_row_at_end_of_text():
    from codex_ml.offline.rl.sampling import sample

    module = Scripted(stop_at=[2, 4, 99])
    out = sample(module, [[5, 5], [5], [5, 5, 5]], max_new_tokens=5, eos_id=0, pad_id=0,
                 generator=torch.Generator().manual_seed(0))
    # left-padded to width 3: row 0 stops after 0 new tokens past position 2, row 1 after 2, row 2 never
    assert out.completion_ids == [[0], [2, 2, 0], [3, 3, 3, 3, 3]]
    assert out.stopped == [True, True, False]
    assert all(lp == pytest.approx(0.0) for row in out.logprobs for lp in row)
