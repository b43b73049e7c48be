"""Group baselines: GRPO's normalised group mean and RLOO's leave-one-out mean (torch-free)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

EPS = 1e-4  # as TRL: keeps a near-zero std from exploding the advantages


def groups_of(group_ids: Sequence[int]) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for index, group in enumerate(group_ids):
        members[group].append(index)
    return dict(members)


def _std(values: Sequence[float]) -> float:
    """Unbiased standard deviation (torch.std's default, as TRL uses); 0 for fewer than two values."""
    if len(values) < 2:
        return 0.0
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def advantages(rewards: Sequence[float], group_ids: Sequence[int], *, baseline: str, scale: bool) -> list[float]:
    """Per completion: reward minus the group baseline (``group``: the group mean, divided by the group's
    std when ``scale``; ``leave-one-out``: the mean of the other members). A one-member group gets 0."""
    result = [0.0] * len(rewards)
    for members in groups_of(group_ids).values():
        values = [rewards[i] for i in members]
        if len(values) < 2:
            continue
        total = sum(values)
        std = _std(values)
        for i in members:
            if baseline == "leave-one-out":
                value = rewards[i] - (total - rewards[i]) / (len(values) - 1)
            else:
                value = rewards[i] - total / len(values)
            if scale and baseline == "group":
                value /= std + EPS
            result[i] = value
    return result


def zero_spread_fraction(rewards: Sequence[float], group_ids: Sequence[int]) -> float:
    """The fraction of groups whose rewards are all equal: they carry no learning signal."""
    groups = groups_of(group_ids)
    if not groups:
        return 0.0
    flat = sum(
        1 for members in groups.values() if max(rewards[i] for i in members) - min(rewards[i] for i in members) <= 1e-12
    )
    return flat / len(groups)
