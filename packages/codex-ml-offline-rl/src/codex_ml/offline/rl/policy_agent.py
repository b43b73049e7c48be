"""``offline:grpo`` and ``offline:rloo``: one agent, two baselines, for any causal LM the models
distribution builds.

Per step (see ``codex_ml.offline.rl.loop``): ``act_batch`` samples G completions per prompt through the
models distribution's generation (``codex_ml.offline.models.generation.generate``: a KV-cached loop over the
model's forward); the loop scores them; ``update`` turns rewards into advantages (group-normalised for GRPO,
leave-one-out for RLOO), computes the completion tokens' log-probabilities (prompt and padding masked)
and minimises the clipped surrogate ``-min(r A, clip(r, 1-e, 1+e) A)`` plus, when ``kl_coef`` > 0,
``kl_coef`` times the k3 estimate of KL to the frozen starting policy ``exp(ref-logp) - (ref-logp) - 1``.
With ``inner_steps`` = 1 the ratio r is 1 and this is plain policy gradient (TRL's default).
Dropout stays off (the module is kept in eval mode), so sampling and loss see the same policy.
"""

from __future__ import annotations

import copy
import inspect
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
from codex_ml.errors import AgentSettingsError
from codex_ml.interfaces import RLAction, RLState, TrajectoryStep
from codex_ml.offline.models.generation import generate
from codex_ml.offline.rl import state_io
from codex_ml.offline.rl.advantages import advantages, zero_spread_fraction
from codex_ml.offline.rl.policy_settings import PolicySettings
from safetensors.torch import load_model, save_model

STATE_FILE = "agent_state.json"
POLICY_WEIGHTS = "policy.safetensors"
GENERATOR_FILE = "generator.safetensors"
PROMPT_CACHE_SIZE = 4096  # encoded prompts kept by an agent


def _fusable(params: list[torch.nn.Parameter]) -> bool:
    """Whether torch's fused AdamW kernel (one kernel for all tensors, the optimizer TRL's trainer picks by
    default) takes these parameters: floating point, on CPU or CUDA."""
    return bool(params) and all(p.dtype.is_floating_point and p.device.type in ("cpu", "cuda") for p in params)


def _device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


class PolicyGradientAgent:
    """A causal LM policy trained from rewards; ``name`` is ``offline:grpo`` or ``offline:rloo``."""

    def __init__(self, model: Any, settings: PolicySettings, *, name: str = "offline:grpo") -> None:
        self.name, self.settings = name, settings
        self.model = model  # the models distribution's CausalLM: .module (transformers) and .tokenizer
        self.tokenizer = model.tokenizer
        self.device = _device(settings.device)
        self.module: torch.nn.Module = model.module.to(self.device)
        self.module.eval()  # no dropout: the loss must see the policy that sampled
        self.reference = self._frozen_copy() if settings.kl_coef > 0 else None
        params = [p for p in self.module.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(
            params, lr=settings.learning_rate, weight_decay=settings.weight_decay, fused=_fusable(params) or None
        )
        self.keeps_logits = "logits_to_keep" in inspect.signature(self.module.forward).parameters
        self.generator = torch.Generator().manual_seed(settings.seed)
        hf = getattr(self.tokenizer, "hf", None)
        self.eos_id = self.tokenizer.eos_token_id
        pad = getattr(hf, "pad_token_id", None)
        self.pad_id = pad if pad is not None else (self.eos_id if self.eos_id is not None else 0)
        self.context = getattr(model, "context_length", 1024)
        if settings.max_new_tokens >= self.context:
            raise AgentSettingsError(f"{name}: max_new_tokens={settings.max_new_tokens} leaves no room for the prompt "
                                     f"in the model's context of {self.context} tokens; lower it")
        self.updates = 0
        self._prompt_ids: dict[str, list[int]] = {}  # a prompt is encoded once, not at every act and update

    @property
    def group_size(self) -> int:
        """G: the loop acts this many times on each prompt of a step."""
        return self.settings.group_size

    def _frozen_copy(self) -> torch.nn.Module:
        reference = copy.deepcopy(self.module)
        reference.eval()
        for parameter in reference.parameters():
            parameter.requires_grad_(False)
        return reference

    # --- acting ------------------------------------------------------------------------------
    def prompt_ids(self, prompt: str) -> list[int]:
        """The policy's own token ids for ``prompt`` (a start token when it encodes to nothing), cut from the
        left so prompt and completion fit the context."""
        ids = self._prompt_ids.get(prompt)
        if ids is None:
            ids = list(self.tokenizer.encode(prompt))
            if not ids:
                start = self.tokenizer.bos_token_id if self.tokenizer.bos_token_id is not None else self.eos_id
                ids = [start] if start is not None else [self.pad_id]
            ids = ids[-(self.context - self.settings.max_new_tokens) :]
            if len(self._prompt_ids) >= PROMPT_CACHE_SIZE:
                self._prompt_ids.clear()
            self._prompt_ids[prompt] = ids
        return list(ids)

    def act(self, state: RLState) -> RLAction:
        return self.act_batch([state])[0]

    def act_batch(self, states: Sequence[RLState]) -> list[RLAction]:
        """One sampled completion per state, all states in one batch, through the models distribution's
        generation (KV cache); each completion keeps its end-of-text token and the log-probabilities the loss
        recomputes (temperature-scaled, before top-p)."""
        s = self.settings
        samples = generate(
            self.module,
            [self.prompt_ids(state["prompt"]) for state in states],
            max_new_tokens=s.max_new_tokens,
            do_sample=True,
            temperature=s.temperature,
            top_p=s.top_p,
            eos_token_id=self.eos_id,
            pad_token_id=self.pad_id,
            generator=self.generator,
            logprobs=True,
        )
        return [
            RLAction(completion=self._decode(ids), completion_ids=ids, logprobs=logps)
            for ids, logps in zip(samples.token_ids, samples.logprobs or [])
        ]

    def _decode(self, ids: Sequence[int]) -> str:
        return self.tokenizer.decode([i for i in ids if i != self.eos_id])

    # --- learning ------------------------------------------------------------------------------
    def _batch(self, trajectory: Sequence[TrajectoryStep]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Right-padded prompt + completion ids (rows, width), the attention mask, and the mask of completion
        targets (rows, span) over the last ``span`` positions -- those after the shortest prompt, where every
        completion lies -- aligned with what :meth:`_logprobs` returns."""
        rows = [(self.prompt_ids(step["prompt"]), list(step["completion_ids"])) for step in trajectory]
        width = max(len(p) + len(c) for p, c in rows)
        span = width - min(len(p) for p, _ in rows)  # the first completion token sits at width - span or later
        ids = torch.full((len(rows), width), self.pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        targets = torch.zeros((len(rows), span), dtype=torch.float32)
        for row, (prompt, completion) in enumerate(rows):
            seq = prompt + completion
            ids[row, : len(seq)] = torch.tensor(seq, dtype=torch.long)
            attention[row, : len(seq)] = 1
            targets[row, len(prompt) - (width - span) : len(seq) - (width - span)] = 1.0
        return ids.to(self.device), attention.to(self.device), targets.to(self.device)

    def _logprobs(self, module: torch.nn.Module, ids: torch.Tensor, attention: torch.Tensor, span: int) -> torch.Tensor:
        """log_softmax(logits / temperature) of the last ``span`` tokens of each row, shape (rows, span): the
        vocabulary projection runs only on the ``span + 1`` positions that predict them (``logits_to_keep``),
        and logsumexp + gather replaces a full log_softmax."""
        keep = {"logits_to_keep": span + 1} if self.keeps_logits else {}
        logits = module(input_ids=ids, attention_mask=attention, use_cache=False, **keep).logits
        logits = logits[:, -(span + 1) : -1].float()
        if self.settings.temperature != 1.0:
            logits = logits / self.settings.temperature
        return logits.gather(2, ids[:, -span:, None])[:, :, 0] - logits.logsumexp(-1)

    def _reduce(self, per_token: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.settings.loss_normalisation == "sequence":
            return ((per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)).mean()
        return (per_token * mask).sum() / mask.sum().clamp(min=1.0)

    def update(self, trajectory: Sequence[TrajectoryStep]) -> dict[str, float]:
        """One batch of scored completions: ``inner_steps`` AdamW steps on the clipped surrogate (+ KL)."""
        s = self.settings
        rewards = [float(step["reward"]) for step in trajectory]
        group_ids = [int(step["group"]) for step in trajectory]
        adv_list = advantages(rewards, group_ids, baseline=s.baseline, scale=s.scale_rewards)
        stats = {"zero_spread_fraction": zero_spread_fraction(rewards, group_ids), "learning_rate": s.learning_rate}
        if not trajectory or not any(step["completion_ids"] for step in trajectory):
            return {"loss": 0.0, "updated": 0.0, **stats}
        ids, attention, mask = self._batch(trajectory)
        span = mask.shape[1]
        adv = torch.tensor(adv_list, dtype=torch.float32, device=self.device)[:, None]
        with torch.no_grad():
            old = self._logprobs(self.module, ids, attention, span) if s.inner_steps > 1 else None
            ref = self._logprobs(self.reference, ids, attention, span) if self.reference is not None else None
        losses, kls, clipped, norms = [], [], [], []
        params = [p for group in self.optimizer.param_groups for p in group["params"]]
        for _ in range(s.inner_steps):
            logp = self._logprobs(self.module, ids, attention, span)
            ratio = torch.exp(logp - (old if old is not None else logp.detach()))
            clipped_ratio = ratio.clamp(1 - s.clip_epsilon, 1 + s.clip_epsilon)
            per_token = -torch.min(ratio * adv, clipped_ratio * adv)
            if ref is not None:
                delta = ref - logp
                kl = torch.exp(delta) - delta - 1
                per_token = per_token + s.kl_coef * kl
                kls.append(self._reduce(kl.detach(), mask))
            loss = self._reduce(per_token, mask)
            self.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if s.max_grad_norm > 0:
                norms.append(torch.nn.utils.clip_grad_norm_(params, s.max_grad_norm))
            self.optimizer.step()
            losses.append(loss.detach())
            clipped.append(self._reduce(((ratio - clipped_ratio).abs() > 0).float().detach(), mask))
        self.optimizer.zero_grad(set_to_none=True)
        self.updates += 1
        stats.update(
            {
                "loss": float(torch.stack(losses).mean()),
                "updated": 1.0,
                "clip_ratio": float(torch.stack(clipped).mean()),
                "advantage_abs_mean": float(adv.abs().mean()),
            }
        )
        if kls:
            stats["kl"] = float(torch.stack(kls).mean())
        if norms:
            stats["grad_norm"] = float(torch.stack(norms).mean())
        return stats

    # --- persistence ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike[str]) -> None:
        """Everything to continue exactly: weights, optimizer, sampling generator, settings (no pickles)."""
        target = Path(path)
        target.mkdir(parents=True, exist_ok=True)
        save_model(self.module, str(target / POLICY_WEIGHTS))
        optimizer = state_io.save_optimizer(self.optimizer, target)
        state_io.save_generator(self.generator, target / GENERATOR_FILE)
        state_io.write_json(
            target / STATE_FILE,
            {"agent": self.name, "settings": self.settings.to_dict(), "updates": self.updates, "optimizer": optimizer},
        )

    def load(self, path: str | os.PathLike[str]) -> None:
        source = Path(path)
        if not (source / STATE_FILE).is_file():
            from codex_ml.errors import MalformedArtifactError

            raise MalformedArtifactError(f"{source}: not a saved {self.name} agent (no {STATE_FILE})")
        state = state_io.read_json(source / STATE_FILE)
        load_model(self.module, str(source / POLICY_WEIGHTS), device=str(self.device))
        state_io.load_optimizer(self.optimizer, source, state["optimizer"])
        state_io.load_generator(self.generator, source / GENERATOR_FILE)
        self.updates = int(state.get("updates", 0))

    def save_pretrained(self, directory: str | os.PathLike[str]) -> Path:
        """The policy as transformers saves it (safetensors, config, tokenizer): plain transformers loads it."""
        return self.model.save_pretrained(directory)


def _factory(name: str, defaults: dict[str, Any]):
    def load(path: str | os.PathLike[str] | None = None, **settings: Any) -> PolicyGradientAgent:
        from codex_ml.plugins.registries import REGISTRIES

        if path is not None and settings.get("model_path") is None:
            settings["model_path"] = str(path)
        config = PolicySettings.build(name, defaults, settings)
        torch.manual_seed(config.seed)
        model = REGISTRIES["models"].resolve_and_instantiate(config.model, path=config.model_path)
        if not hasattr(model, "module") or not hasattr(model, "tokenizer"):
            from codex_ml.errors import CodexMLError

            raise CodexMLError(
                f"{name}: model {config.model!r} is not a trainable causal LM (it has no .module and "
                ".tokenizer); use offline:gpt2, offline:tinyllama or offline:minilm"
            )
        return PolicyGradientAgent(model, config, name=name)

    load.__name__ = f"load_{name.split(':')[1]}_agent"
    load.__doc__ = f"Factory registered as ``{name}``: ``path`` (or model_path) is the starting policy's directory."
    return load


load_grpo_agent = _factory("offline:grpo", {"baseline": "group", "scale_rewards": True})
load_rloo_agent = _factory("offline:rloo", {"baseline": "leave-one-out", "scale_rewards": False})
