"""The PyTorch loop behind ``offline:functional`` for models with trainable parameters.

One optimisation step = ``gradient_accumulation_steps`` micro-batches of ``batch_size`` packed blocks.
The loss is token-normalised: each micro-batch contributes (sum of its token losses) / (tokens in the
whole step), so the accumulated gradient equals the full-batch gradient. AdamW, linear warmup then
linear decay, global-norm clipping. Loss values stay tensors between log points: nothing waits on
the device except every ``log_interval`` steps.

Where things go when ``output_dir`` is set (config key, or the ``output_dir=`` argument of ``fit``,
which wins): ``output_dir/checkpoints/checkpoint-<step>/`` every ``checkpoint_interval`` steps and
``output_dir/final/`` (``save_pretrained``: safetensors + config + tokenizer) at the end.
"""
from __future__ import annotations

import math
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

import torch
from codex_ml.errors import CodexMLError, ResumeMismatchError
from codex_ml.formats.records import training_text
from codex_ml.interfaces import Dataset, LogFn, Tokenizer
from codex_ml.offline.training import checkpoint as ckpt
from codex_ml.offline.training.config import RESUME_FREE_KEYS, TrainerConfig
from codex_ml.offline.training.packing import BlockOrder, Blocks, encode_all, fingerprint, pack, split_indices
from torch.nn import functional as F


def unwrap(model: Any) -> torch.nn.Module:
    """The ``torch.nn.Module`` to train: the model itself or its ``module`` attribute (``CausalLM``)."""
    module = model if isinstance(model, torch.nn.Module) else getattr(model, "module", None)
    if not isinstance(module, torch.nn.Module):
        raise CodexMLError(f"offline:functional: cannot train {type(model).__name__}: it is not a torch module "
                           "and has no .module attribute holding one")
    return module


def learning_rate(cfg: TrainerConfig, step: int) -> float:
    """Rate for 0-based ``step``: linear warmup to the peak, then linear decay to ``min_lr_ratio`` x peak."""
    if step < cfg.warmup_steps:
        return cfg.learning_rate * (step + 1) / cfg.warmup_steps
    span = max(1, cfg.max_steps - cfg.warmup_steps)
    progress = min(1.0, (step - cfg.warmup_steps) / span)
    return cfg.learning_rate * (1.0 - (1.0 - cfg.min_lr_ratio) * progress)


def make_optimizer(module: torch.nn.Module, cfg: TrainerConfig) -> torch.optim.AdamW:
    """AdamW with decay on matrices only (biases and norms are not shrunk). torch's default implementation:
    on CPU the fused kernel measured slower."""
    params = [p for p in module.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=cfg.learning_rate)


def logits_of(module: torch.nn.Module, inputs: torch.Tensor) -> torch.Tensor:
    out = module(input_ids=inputs, use_cache=False)
    return out.logits if hasattr(out, "logits") else out


def token_loss_sum(module: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits = logits_of(module, inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1), reduction="sum")


def accumulate_gradients(module: torch.nn.Module, micro_batches: list[tuple[torch.Tensor, torch.Tensor]]) -> torch.Tensor:
    """Backward over ``micro_batches`` so the gradient is that of the mean token loss of all of them
    together (micro-batches may differ in size); returns the detached sum of token losses."""
    total_tokens = sum(targets.numel() for _, targets in micro_batches)
    loss_total = torch.zeros(())
    for inputs, targets in micro_batches:
        loss_sum = token_loss_sum(module, inputs, targets)
        (loss_sum / total_tokens).backward()
        loss_total += loss_sum.detach()
    return loss_total


@torch.no_grad()
def evaluate_loss(module: torch.nn.Module, blocks: Blocks, batch_size: int) -> float | None:
    """Mean token loss over held-out blocks (None without any)."""
    if len(blocks) == 0:
        return None
    was_training = module.training
    module.eval()
    total = torch.zeros(())
    for start in range(0, len(blocks), batch_size):
        total += token_loss_sum(module, blocks.inputs[start:start + batch_size], blocks.targets[start:start + batch_size])
    module.train(was_training)
    return total.item() / blocks.tokens


def peak_memory_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def prepare_data(cfg: TrainerConfig, dataset: Dataset, tokenizer: Tokenizer, vocab_limit: int | None) -> tuple[Blocks, Blocks]:
    texts = [training_text(record, index) for index, record in enumerate(dataset)]
    if not texts:
        raise CodexMLError("offline:functional: the dataset is empty; there is nothing to train on")
    train_idx, eval_idx = split_indices(len(texts), cfg.eval_fraction, cfg.seed)
    eos = getattr(tokenizer, "eos_token_id", None)
    encoded = encode_all(texts, tokenizer, show_progress=cfg.progress)
    train = pack([encoded[i] for i in train_idx], cfg.block_size, eos)
    held_out = pack([encoded[i] for i in eval_idx], cfg.block_size, eos)
    if vocab_limit is not None and len(train) and int(train.inputs.max()) >= vocab_limit:
        raise CodexMLError(f"offline:functional: the tokenizer produced id {int(train.inputs.max())} but the model's "
                           f"vocabulary has {vocab_limit} entries; use the model's own tokenizer")
    return train, held_out


def _vocab_size(module: torch.nn.Module) -> int | None:
    value = getattr(getattr(module, "config", None), "vocab_size", None)
    return value if isinstance(value, int) else None


def _check_context(cfg: TrainerConfig, module: torch.nn.Module) -> None:
    config = getattr(module, "config", None)
    for key in ("n_positions", "max_position_embeddings", "block_size"):
        limit = getattr(config, key, None)
        if isinstance(limit, int):
            if cfg.block_size > limit:
                raise CodexMLError(f"offline:functional: block_size {cfg.block_size} exceeds the model's context of "
                                   f"{limit} tokens ({key}); set block_size <= {limit}")
            return


def _resume_path(cfg: TrainerConfig, checkpoints: Path) -> Path | None:
    if cfg.resume is False or cfg.resume == "":
        return None
    if isinstance(cfg.resume, str):
        path = Path(cfg.resume).expanduser()
        if not (path / ckpt.STATE).is_file():
            raise CodexMLError(f"offline:functional: resume={cfg.resume!r} is not a checkpoint directory (no {ckpt.STATE})")
        return path
    found = ckpt.checkpoint_dirs(checkpoints)
    return found[-1] if found else None


def _check_resume(cfg: TrainerConfig, state: dict[str, Any], data_fp: str, path: Path) -> None:
    problems = []
    if state.get("config_hash") != cfg.training_hash():
        old = state.get("config", {})
        changed = sorted(k for k, v in cfg.to_dict().items() if k not in RESUME_FREE_KEYS and old.get(k) != v)
        problems.append(f"configuration differs ({', '.join(changed) or 'hash'})")
    if state.get("data_fingerprint") != data_fp:
        problems.append("training data differs")
    if problems and not cfg.force_resume:
        raise ResumeMismatchError(f"offline:functional: refusing to resume from {path}: {'; '.join(problems)}. "
                                       "Use the original settings, or set force_resume=true to continue anyway.")


def _progress(cfg: TrainerConfig, start: int):
    if not (cfg.progress and sys.stderr.isatty()):
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=cfg.max_steps, initial=start, desc="train", unit="step", dynamic_ncols=True)


def fit_torch(config: TrainerConfig, model: Any, dataset: Dataset, *, tokenizer: Tokenizer | None = None,
              log: LogFn | None = None, output_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Train ``model`` in place; return a JSON-serialisable summary (see the module docstring for files)."""
    cfg = config
    module = unwrap(model)
    tokenizer = tokenizer if tokenizer is not None else getattr(model, "tokenizer", None)
    if tokenizer is None:
        raise CodexMLError("offline:functional: a tokenizer is needed to train a language model")
    target = output_dir if output_dir not in (None, "") else cfg.output_dir
    out = Path(target).expanduser() if target else None
    if cfg.resume is True and out is None:
        raise CodexMLError("offline:functional: resume=true looks for checkpoints in output_dir, and none is set")
    _check_context(cfg, module)
    torch.manual_seed(cfg.seed)
    train, held_out = prepare_data(cfg, dataset, tokenizer, _vocab_size(module))
    data_fp = fingerprint(train)
    optimizer = make_optimizer(module, cfg)
    checkpoints = out / "checkpoints" if out else None
    start, order, tokens_seen, resumed_from = 0, BlockOrder(len(train), cfg.seed), 0, None
    path = _resume_path(cfg, checkpoints) if checkpoints or isinstance(cfg.resume, str) else None
    if path is not None:
        _check_resume(cfg, ckpt.read_state(path), data_fp, path)
        state = ckpt.load_checkpoint(path, module, optimizer)
        start, tokens_seen, resumed_from = state["step"], state["tokens_seen"], str(path)
        order = BlockOrder(len(train), cfg.seed, **state["data_position"])
    module.train()
    eval_initial = evaluate_loss(module, held_out, cfg.batch_size) if path is None else None
    evals: list[dict[str, Any]] = []
    saved: list[str] = []
    bar = _progress(cfg, start)
    window_loss, window_tokens, logged = torch.zeros(()), 0, 0
    params = [p for p in module.parameters() if p.requires_grad]
    step_tokens = cfg.gradient_accumulation_steps * cfg.batch_size * train.inputs.shape[1]
    started = window_start = time.perf_counter()
    for step in range(start, cfg.max_steps):
        lr = learning_rate(cfg, step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        indices = [order.take(cfg.batch_size) for _ in range(cfg.gradient_accumulation_steps)]
        window_loss += accumulate_gradients(module, [(train.inputs[i], train.targets[i]) for i in indices])
        grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm) if cfg.max_grad_norm > 0 else None
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        tokens_seen += step_tokens
        window_tokens += step_tokens
        done = step + 1
        if bar is not None:
            bar.update(1)
        if done % cfg.log_interval == 0 or done == cfg.max_steps:
            now = time.perf_counter()
            record = {"step": done, "loss": window_loss.item() / window_tokens, "learning_rate": lr,
                      "tokens": window_tokens, "tokens_per_second": window_tokens / max(now - window_start, 1e-9),
                      "trained": True}
            if grad_norm is not None:
                record["grad_norm"] = float(grad_norm)
            if bar is not None:
                bar.set_postfix(loss=f"{record['loss']:.3f}", tok_s=f"{record['tokens_per_second']:.0f}")
            if log is not None:
                log(record)
            logged += 1
            window_loss, window_tokens, window_start = torch.zeros(()), 0, time.perf_counter()
        if cfg.eval_interval and done % cfg.eval_interval == 0 and done != cfg.max_steps:
            evals.append({"step": done, "eval_loss": evaluate_loss(module, held_out, cfg.batch_size)})
        if checkpoints is not None and cfg.checkpoint_interval and (done % cfg.checkpoint_interval == 0 or done == cfg.max_steps):
            saved.append(str(ckpt.save_checkpoint(checkpoints, done, module, optimizer, {
                "config": cfg.to_dict(), "config_hash": cfg.training_hash(), "data_fingerprint": data_fp,
                "data_position": order.position(), "tokens_seen": tokens_seen,
                "scheduler": {"kind": "linear-warmup-linear-decay", "step": done}}, cfg.keep_checkpoints)))
    elapsed = time.perf_counter() - started
    if bar is not None:
        bar.close()
    module.eval()
    eval_final = evaluate_loss(module, held_out, cfg.batch_size)
    final_dir = _save_final(out, model, module, tokenizer) if out else None
    trained_tokens = (cfg.max_steps - start) * step_tokens
    return {
        "trainer": "offline:functional", "trained": True, "steps": cfg.max_steps, "start_step": start,
        "resumed_from": resumed_from, "tokens_seen": tokens_seen, "train_blocks": len(train),
        "eval_blocks": len(held_out), "block_size": int(train.inputs.shape[1]),
        "eval_loss_initial": eval_initial, "eval_loss": eval_final,
        "eval_perplexity": math.exp(eval_final) if eval_final is not None else None, "evaluations": evals,
        "elapsed_seconds": elapsed, "tokens_per_second": trained_tokens / elapsed if elapsed > 0 else None,
        "peak_memory_mb": peak_memory_mb(), "log_records": logged, "checkpoints": saved,
        "final_model": str(final_dir) if final_dir else None, "config": cfg.to_dict(),
    }


def _save_final(out: Path, model: Any, module: torch.nn.Module, tokenizer: Any) -> Path:
    target = out / "final"
    saver = model if hasattr(model, "save_pretrained") else module
    if not hasattr(saver, "save_pretrained"):
        from safetensors.torch import save_model

        target.mkdir(parents=True, exist_ok=True)
        save_model(module, str(target / "model.safetensors"))
    else:
        saver.save_pretrained(target)
    saved_with_model = saver is model and getattr(model, "tokenizer", None) is tokenizer
    if not saved_with_model and hasattr(tokenizer, "save_pretrained"):
        tokenizer.save_pretrained(target)
    return target
