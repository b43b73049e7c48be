"""The settings of the learning agents (``offline:grpo``, ``offline:rloo``), checked before any model loads."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

from codex_ml.errors import AgentSettingsError, UnknownSettingError
from codex_ml.offline.rl.setting_types import check_types

BASELINES = ("group", "leave-one-out")
NORMALISATIONS = ("token", "sequence")


@dataclass(frozen=True)
class PolicySettings:
    model: str = "offline:gpt2"  # the registered model the policy starts from
    model_path: str | None = None  # its directory; null lets the model's resolver find it
    group_size: int = 4  # G: completions sampled per prompt
    temperature: float = 1.0
    top_p: float = 1.0
    max_new_tokens: int = 16
    learning_rate: float = 1e-5
    weight_decay: float = 0.0
    max_grad_norm: float = 1.0  # 0 turns clipping off
    inner_steps: int = 1  # optimisation steps per batch of samples; >1 uses the clipped ratio
    clip_epsilon: float = 0.2
    kl_coef: float = 0.0  # 0: no reference model is loaded
    baseline: str = "group"  # group mean (GRPO) or leave-one-out (RLOO)
    scale_rewards: bool = True  # divide advantages by the group's reward std (GRPO)
    loss_normalisation: str = (
        "token"  # token: sum over all completion tokens / their count; sequence: mean of per-sequence means
    )
    seed: int = 0
    device: str = "cpu"  # cpu, cuda, or auto

    @classmethod
    def build(cls, name: str, defaults: Mapping[str, Any], overrides: Mapping[str, Any]) -> PolicySettings:
        known = {f.name for f in fields(cls)}
        given = {**defaults, **{k: v for k, v in overrides.items() if v is not None}}
        unknown = sorted(set(given) - known)
        if unknown:
            raise UnknownSettingError(
                f"{name}: unknown setting(s) {', '.join(map(repr, unknown))}; known: {', '.join(sorted(known))}"
            )
        check_types(name, cls, given)
        settings = cls(**given)
        settings.check(name)
        return settings

    def check(self, name: str) -> None:
        problems = []
        if self.group_size < 2:
            problems.append(
                f"group_size={self.group_size}: a group baseline needs G >= 2 completions per prompt "
                "(with one, every advantage is zero and nothing is learnt)"
            )
        if not (self.temperature > 0 and math.isfinite(self.temperature)):
            problems.append(f"temperature={self.temperature}: must be > 0")
        if not 0 < self.top_p <= 1:
            problems.append(f"top_p={self.top_p}: must be in (0, 1]")
        if self.max_new_tokens < 1:
            problems.append(f"max_new_tokens={self.max_new_tokens}: must be >= 1")
        if not self.learning_rate > 0:
            problems.append(f"learning_rate={self.learning_rate}: must be > 0")
        if self.inner_steps < 1:
            problems.append(f"inner_steps={self.inner_steps}: must be >= 1")
        if self.kl_coef < 0 or self.clip_epsilon <= 0 or self.max_grad_norm < 0:
            problems.append("kl_coef and max_grad_norm must be >= 0 and clip_epsilon > 0")
        if self.baseline not in BASELINES:
            problems.append(f"baseline={self.baseline!r}: expected one of {', '.join(BASELINES)}")
        if self.loss_normalisation not in NORMALISATIONS:
            problems.append(
                f"loss_normalisation={self.loss_normalisation!r}: expected one of {', '.join(NORMALISATIONS)}"
            )
        if self.device not in ("cpu", "cuda", "auto") and not self.device.startswith("cuda:"):
            problems.append(f"device={self.device!r}: expected cpu, cuda, cuda:N or auto")
        if problems:
            raise AgentSettingsError(f"{name}: " + "; ".join(problems))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
