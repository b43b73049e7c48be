"""The PyTorch loop behind ``offline:functional`` for models with trainable parameters.

One optimisation step = ``gradient_accumulation_steps`` micro-batches of ``batch_size`` packed blocks on
each of the world's processes. The loss is token-normalised over the whole step (all processes): each
micro-batch contributes (sum of its token losses) / (tokens in the step), so the accumulated, averaged
gradient equals the full-batch gradient. AdamW (fused where the device has it), warmup then a linear,
cosine or constant schedule, global-norm clipping, autocast for bf16/fp16. Loss values stay tensors
between log points: nothing waits on the device except every ``log_interval`` steps.

Under torchrun each process takes a disjoint slice of every global micro-batch (DDP or FSDP); rank 0
alone writes. Where things go when ``output_dir`` is set (config key, or the ``output_dir=`` argument of
``fit``, which wins): ``output_dir/checkpoints/checkpoint-<step>/`` every ``checkpoint_interval`` steps and
``output_dir/final/`` (``save_pretrained``: safetensors + config + tokenizer) at the end. Both are
written to a temporary sibling and renamed into place with ``manifest.json`` written last; the run
takes ``output_dir``'s lock and first removes temporaries left by an interrupted save there. Only the
checkpoints this run wrote are pruned. On resume the log is rewound to the checkpoint's step
(``log.rewind``) and it is synced at each checkpoint (``log.sync``) when the log offers those.

A non-finite loss (or non-finite weights before a save) stops the run with :class:`NonFiniteLossError`
naming the step; nothing is saved after it, so the last checkpoint on disk is the last good one.
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
from codex_ml.errors import CodexMLError, NonFiniteLossError, ResumeMismatchError
from codex_ml.formats.records import training_text
from codex_ml.interfaces import Dataset, LogFn, Tokenizer
from codex_ml.offline.training import checkpoint as ckpt
from codex_ml.offline.training import runtime as rt
from codex_ml.offline.training.config import RESUME_FREE_KEYS, TrainerConfig
from codex_ml.offline.training.packing import IGNORE, BlockOrder, Blocks, fingerprint, pack, split_indices
from codex_ml.offline.training.schedules import learning_rate
from codex_ml.offline.training.token_cache import TokenizedCorpus, load_or_build
from codex_ml.offline.training.tracking import Reporters
from codex_ml.offline.training.world import per_device_batch
from codex_ml.runs.lock import RunLock
from codex_ml.runs.saves import atomic_directory, remove_partial_saves
from torch.nn import functional as F


def first_non_finite(losses: list[torch.Tensor], first_step: int) -> int | None:
    """The 1-based step of the first non-finite loss in ``losses`` (one per step from ``first_step``)."""
    if not losses:
        return None
    finite = torch.isfinite(torch.stack(losses))
    if bool(finite.all()):
        return None
    return first_step + int((~finite).nonzero()[0, 0])


def _check_weights(params: list[torch.Tensor], step: int) -> None:
    if not all(bool(torch.isfinite(p).all()) for p in params):
        raise NonFiniteLossError(f"offline:functional: the weights are no longer finite at step {step}; stopped "
                                 "without saving them (the last checkpoint is the last good state). Lower "
                                 "learning_rate or set max_grad_norm.")


def unwrap(model: Any) -> torch.nn.Module:
    """The ``torch.nn.Module`` to train: the model itself or its ``module`` attribute (``CausalLM``)."""
    module = model if isinstance(model, torch.nn.Module) else getattr(model, "module", None)
    if not isinstance(module, torch.nn.Module):
        raise CodexMLError(f"offline:functional: cannot train {type(model).__name__}: it is not a torch module "
                           "and has no .module attribute holding one")
    return module


def make_optimizer(module: torch.nn.Module, cfg: TrainerConfig, device: torch.device, *,
                   sharded: bool = False) -> torch.optim.AdamW:
    """AdamW with decay on matrices only (biases and norms are not shrunk); the fused kernel on devices that
    have it (one kernel per step instead of a dozen per parameter), foreach for sharded parameters."""
    params = [p for p in module.parameters() if p.requires_grad]
    decay = [p for p in params if p.dim() >= 2]
    no_decay = [p for p in params if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": cfg.weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
    fused = not sharded and device.type in ("cuda", "cpu", "mps") and all(p.is_floating_point() for p in params)
    return torch.optim.AdamW(groups, lr=cfg.learning_rate, fused=fused, foreach=None if fused else True)


def logits_of(module: torch.nn.Module, inputs: torch.Tensor, positions: torch.Tensor | None = None) -> torch.Tensor:
    kwargs = {"position_ids": positions} if positions is not None else {}
    out = module(input_ids=inputs, use_cache=False, **kwargs)
    return out.logits if hasattr(out, "logits") else out


def token_loss_sum(module: torch.nn.Module, inputs: torch.Tensor, targets: torch.Tensor,
                   positions: torch.Tensor | None = None) -> torch.Tensor:
    logits = logits_of(module, inputs, positions)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]).float(), targets.reshape(-1), reduction="sum",
                           ignore_index=IGNORE)


def counted(targets: torch.Tensor) -> int:
    return int((targets != IGNORE).sum())


MicroBatch = tuple[torch.Tensor, torch.Tensor, "torch.Tensor | None"]


def accumulate_gradients(module: torch.nn.Module, micro_batches: list[MicroBatch], *,
                         runtime: rt.Runtime | None = None, scaler: Any = None,
                         step_tokens: int | None = None) -> torch.Tensor:
    """Backward over ``micro_batches`` so the gradient is that of the mean token loss of the whole step
    (``step_tokens`` over all processes; micro-batches may differ in size); returns the detached sum of this
    process's token losses. Gradients are synchronised only after the last micro-batch."""
    runtime = runtime or rt.Runtime(torch.device("cpu"), "fp32")
    micro_batches = [(*batch, None)[:3] for batch in micro_batches]  # (inputs, targets[, positions])
    total_tokens = step_tokens if step_tokens is not None else sum(counted(t) for _, t, _ in micro_batches)
    scale = runtime.world_size / max(total_tokens, 1)  # DDP/FSDP average gradients over the world
    loss_total = torch.zeros((), device=runtime.device)
    for index, (inputs, targets, positions) in enumerate(micro_batches):
        with _sync_gradients(module, index == len(micro_batches) - 1), runtime.autocast():
            loss_sum = token_loss_sum(module, inputs, targets, positions)
        loss = loss_sum * scale
        (scaler.scale(loss) if scaler is not None else loss).backward()
        loss_total += loss_sum.detach()
    return loss_total


def _sync_gradients(module: torch.nn.Module, last: bool):
    """DDP's ``no_sync`` / FSDP's ``set_requires_gradient_sync`` for all but the last micro-batch."""
    import contextlib

    if last:
        return contextlib.nullcontext()
    if hasattr(module, "no_sync"):
        return module.no_sync()
    if hasattr(module, "set_requires_gradient_sync"):
        @contextlib.contextmanager
        def paused():
            module.set_requires_gradient_sync(False)
            try:
                yield
            finally:
                module.set_requires_gradient_sync(True)
        return paused()
    return contextlib.nullcontext()


@torch.no_grad()
def evaluate_loss(module: torch.nn.Module, blocks: Blocks, batch_size: int,
                  runtime: rt.Runtime | None = None) -> float | None:
    """Mean token loss over held-out blocks (None without any). Every process scores every block (the
    passes are bounded by ``eval_max_blocks``), so FSDP's collectives line up."""
    if len(blocks) == 0:
        return None
    runtime = runtime or rt.Runtime(torch.device("cpu"), "fp32")
    was_training = module.training
    module.eval()
    total = torch.zeros((), device=runtime.device)
    for start in range(0, len(blocks), batch_size):
        rows = slice(start, start + batch_size)
        positions = blocks.positions[rows].to(runtime.device) if blocks.positions is not None else None
        with runtime.autocast():
            total += token_loss_sum(module, blocks.inputs[rows].to(runtime.device), blocks.targets[rows].to(runtime.device),
                                    positions)
    module.train(was_training)
    return total.item() / max(blocks.tokens, 1)


def peak_memory_mb() -> float:
    """Peak resident memory of this process (Linux reports KiB, macOS bytes)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def prepare_data(cfg: TrainerConfig, dataset: Dataset, tokenizer: Tokenizer,
                 vocab_limit: int | None) -> tuple[Blocks, Blocks, TokenizedCorpus]:
    texts = [training_text(record, index) for index, record in enumerate(dataset)]
    if not texts:
        raise CodexMLError("offline:functional: the dataset is empty; there is nothing to train on")
    train_idx, eval_idx = split_indices(len(texts), cfg.eval_fraction, cfg.seed)
    eos = getattr(tokenizer, "eos_token_id", None)
    corpus = load_or_build(texts, tokenizer, use_cache=cfg.token_cache, show_progress=cfg.progress)
    train = pack(corpus.documents(train_idx), cfg.block_size, eos)
    held_out = pack(corpus.documents(eval_idx), cfg.block_size, eos)
    if vocab_limit is not None and len(train) and int(train.inputs.max()) >= vocab_limit:
        raise CodexMLError(f"offline:functional: the tokenizer produced id {int(train.inputs.max())} but the model's "
                           f"vocabulary has {vocab_limit} entries; use the model's own tokenizer")
    return train, held_out, corpus


def document_masking(module: torch.nn.Module) -> str:
    """``position_ids`` when the model builds a block-diagonal causal mask from per-document position ids
    (transformers models whose modelling code uses ``create_causal_mask``; modules that declare
    ``accepts_packed_position_ids``), else ``labels``."""
    if getattr(module, "accepts_packed_position_ids", False):
        return "position_ids"
    modelling = sys.modules.get(type(module).__module__)
    masking = sys.modules.get("transformers.masking_utils")
    if (modelling is not None and hasattr(modelling, "create_causal_mask")
            and hasattr(masking, "find_packed_sequence_indices")):  # transformers >= 4.54 detects packed sequences
        return "position_ids"
    return "labels"


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


def _check_resume(cfg: TrainerConfig, state: dict[str, Any], data_fp: str, path: Path, world_size: int) -> None:
    saved_world = state.get("world_size", 1)
    if saved_world != world_size:
        raise ResumeMismatchError(f"offline:functional: refusing to resume from {path}: it was written by {saved_world} "
                                       f"process(es) and this run has {world_size}; resume with the same world size")
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
    runtime = rt.start(config)
    target = output_dir if output_dir not in (None, "") else config.output_dir
    out = Path(target).expanduser() if target else None
    lock = RunLock.acquire(out) if out is not None and runtime.is_main else None
    try:
        if lock is not None:  # leftovers of interrupted saves in this run directory only
            remove_partial_saves(out)
            remove_partial_saves(out / "checkpoints")
        return _fit(config, model, dataset, tokenizer, log, output_dir, runtime)
    finally:
        if lock is not None:
            lock.release()
        runtime.close()


def _prepare_module(cfg: TrainerConfig, module: torch.nn.Module, runtime: rt.Runtime) -> torch.nn.Module:
    """Move to the device, then gradient checkpointing, torch.compile and the DDP/FSDP wrapper as configured;
    returns what the loop calls (``module`` itself stays the unwrapped model that is saved)."""
    module.to(runtime.device)
    if cfg.gradient_checkpointing:
        _enable_checkpointing(module)
    if runtime.distributed and cfg.strategy == "fsdp":
        from torch.distributed.fsdp import fully_shard

        for child in _repeated_blocks(module):
            fully_shard(child)
        fully_shard(module)
        wrapped: torch.nn.Module = module
    else:
        wrapped = module
    if cfg.compile:
        wrapped = torch.compile(wrapped, backend=_compile_backend(cfg.compile_backend), mode=cfg.compile_mode)
    if runtime.distributed and cfg.strategy == "ddp":
        ids = [runtime.device.index] if runtime.device.type == "cuda" else None
        wrapped = torch.nn.parallel.DistributedDataParallel(wrapped, device_ids=ids)
    return wrapped


def _compile_backend(name: str) -> str:
    """``name`` if torch.compile knows it, else the list of the ones it does (before any compilation)."""
    known = torch.compiler.list_backends(exclude_tags=())
    if name not in known:
        raise CodexMLError(f"offline:functional: training.compile_backend={name!r} is not a torch.compile backend; "
                           f"this torch has {', '.join(sorted(known))}")
    return name


def _enable_checkpointing(module: torch.nn.Module) -> None:
    """transformers >= 5.x calls it activation checkpointing; earlier releases gradient checkpointing."""
    kwargs = {"use_reentrant": False}
    if callable(getattr(module, "activation_checkpointing_enable", None)):
        module.activation_checkpointing_enable(activation_checkpointing_kwargs=kwargs)
    elif callable(getattr(module, "gradient_checkpointing_enable", None)):
        module.gradient_checkpointing_enable(gradient_checkpointing_kwargs=kwargs)
    else:
        raise CodexMLError(f"offline:functional: training.gradient_checkpointing=true but {type(module).__name__} "
                           "has no gradient_checkpointing_enable(); set it to false for this model")


def _repeated_blocks(module: torch.nn.Module) -> list[torch.nn.Module]:
    """The transformer layers (the largest ModuleList), sharded one by one as FSDP recommends."""
    lists = [m for m in module.modules() if isinstance(m, torch.nn.ModuleList)]
    return list(max(lists, key=len)) if lists else []


def _fit(cfg: TrainerConfig, model: Any, dataset: Dataset, tokenizer: Tokenizer | None, log: LogFn | None,
         output_dir: str | os.PathLike[str] | None, runtime: rt.Runtime) -> dict[str, Any]:
    module = unwrap(model)
    tokenizer = tokenizer if tokenizer is not None else getattr(model, "tokenizer", None)
    if tokenizer is None:
        raise CodexMLError("offline:functional: a tokenizer is needed to train a language model")
    target = output_dir if output_dir not in (None, "") else cfg.output_dir
    out = Path(target).expanduser() if target else None
    if cfg.resume is True and out is None:
        raise CodexMLError("offline:functional: resume=true looks for checkpoints in output_dir, and none is set")
    sharded = runtime.distributed and cfg.strategy == "fsdp"
    _check_context(cfg, module)
    batch_size = per_device_batch(cfg, runtime.world_size)
    torch.manual_seed(cfg.seed)
    prepared = time.perf_counter()
    train, held_out, corpus = prepare_data(cfg, dataset, tokenizer, _vocab_size(module))
    masking = document_masking(module)
    if masking == "labels":
        print(f"codex-ml: {type(module).__name__} cannot keep packed documents apart (no per-document position ids "
              "or block mask); masking the labels at document boundaries instead", file=sys.stderr)
        train, held_out = train.boundary_labels_masked(), held_out.boundary_labels_masked()
    held_out = held_out.take(cfg.eval_max_blocks)
    data_fp = fingerprint(train)
    wrapped = _prepare_module(cfg, module, runtime)
    optimizer = make_optimizer(wrapped, cfg, runtime.device, sharded=sharded)
    scaler = runtime.grad_scaler()
    checkpoints = out / "checkpoints" if out else None
    start, order, tokens_seen, resumed_from = 0, BlockOrder(len(train), cfg.seed), 0, None
    carried = {"loss_sum": 0.0, "tokens": 0}  # the partial log window a checkpoint carries over a resume
    path = _resume_path(cfg, checkpoints) if checkpoints or isinstance(cfg.resume, str) else None
    if path is not None:
        _check_resume(cfg, ckpt.read_state(path), data_fp, path, runtime.world_size)
        state = ckpt.load_checkpoint(path, module, optimizer, sharded=sharded)
        start, tokens_seen, resumed_from = state["step"], state["tokens_seen"], str(path)
        order = BlockOrder(len(train), cfg.seed, **state["data_position"])
        carried = state.get("log_window") or carried
    if cfg.resume not in (False, "") and hasattr(log, "rewind") and runtime.is_main:
        log.rewind(start)  # drop what an interrupted run logged after its last checkpoint
    reporters = Reporters(cfg.report_to, log, out, enabled=runtime.is_main, run_config=cfg.to_dict())
    if out is not None and runtime.is_main:
        from codex_ml.io import atomic_write_json

        out.mkdir(parents=True, exist_ok=True)
        atomic_write_json(out / "runtime.json", {**runtime.describe(), "strategy": cfg.strategy if runtime.distributed else None,
                                                 "document_masking": masking, "compile": cfg.compile,
                                                 "compile_backend": cfg.compile_backend if cfg.compile else None})
    data_seconds = time.perf_counter() - prepared
    eval_module = wrapped if sharded else module
    wrapped.train()
    eval_seconds = 0.0
    began = time.perf_counter()
    eval_initial = evaluate_loss(eval_module, held_out, batch_size, runtime) if path is None else None
    eval_seconds += time.perf_counter() - began
    evals: list[dict[str, Any]] = []
    saved: list[str] = []
    written: list[Path] = []  # the checkpoints this run wrote: the only ones pruning may delete
    bar = _progress(cfg, start) if runtime.is_main else None
    # A checkpoint between two log points carries the partial log window, so a resumed run logs the same numbers.
    window_loss = torch.tensor(float(carried["loss_sum"]), device=runtime.device)
    window_tokens, logged = torch.tensor(int(carried["tokens"]), dtype=torch.long), 0
    unchecked: list[torch.Tensor] = []  # per-step losses not yet checked for NaN/inf (checked at log and save points)
    params = [p for p in wrapped.parameters() if p.requires_grad]
    global_batch = batch_size * runtime.world_size
    use_positions = masking == "position_ids"
    first_step_seconds = None
    started = window_start = time.perf_counter()
    for step in range(start, cfg.max_steps):
        lr = learning_rate(cfg, step)
        for group in optimizer.param_groups:
            group["lr"] = lr
        micro, local_tokens = [], 0
        for _ in range(cfg.gradient_accumulation_steps):
            mine = order.take(global_batch)[runtime.rank * batch_size:(runtime.rank + 1) * batch_size]
            local_tokens += counted(train.targets[mine])  # counted on the host: no device sync
            micro.append((train.inputs[mine].to(runtime.device, non_blocking=True),
                          train.targets[mine].to(runtime.device, non_blocking=True),
                          train.positions[mine].to(runtime.device, non_blocking=True) if use_positions else None))
        step_tokens = runtime.global_count(local_tokens)
        step_loss = accumulate_gradients(wrapped, micro, runtime=runtime, scaler=scaler, step_tokens=step_tokens)
        window_loss += step_loss
        unchecked.append(step_loss.detach())
        if scaler is not None:
            scaler.unscale_(optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm) if cfg.max_grad_norm > 0 else None
        if scaler is not None:
            scaler.step(optimizer)
            scaler.update()
        else:
            optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        tokens_seen += step_tokens
        window_tokens += step_tokens
        done = step + 1
        if first_step_seconds is None:
            first_step_seconds = time.perf_counter() - prepared
        if bar is not None:
            bar.update(1)
        want_checkpoint = checkpoints is not None and cfg.checkpoint_interval and (
            done % cfg.checkpoint_interval == 0 or done == cfg.max_steps)
        want_log = done % cfg.log_interval == 0 or done == cfg.max_steps
        if want_log or want_checkpoint:
            losses = runtime.all_reduce_sum(torch.stack(unchecked)) if unchecked else None  # every rank agrees
            bad = first_non_finite(list(losses) if losses is not None else [], done - len(unchecked) + 1)
            if bad is not None:
                raise NonFiniteLossError(
                    f"offline:functional: the loss became non-finite at step {bad}; stopped without saving (the last "
                    "checkpoint is the last good state). Lower learning_rate or set max_grad_norm.")
            unchecked = []
        if want_log:
            loss_sum = runtime.all_reduce_sum(window_loss.detach().clone()).item()
            now = time.perf_counter()
            n_tokens = int(window_tokens)
            record = {"step": done, "loss": loss_sum / max(n_tokens, 1), "learning_rate": lr, "tokens": n_tokens,
                      "tokens_per_second": n_tokens / max(now - window_start, 1e-9), "trained": True}
            if grad_norm is not None:
                record["grad_norm"] = float(grad_norm)
            if bar is not None:
                bar.set_postfix(loss=f"{record['loss']:.3f}", tok_s=f"{record['tokens_per_second']:.0f}")
            reporters.log(record)
            logged += 1
            window_loss, window_tokens = torch.zeros((), device=runtime.device), torch.zeros((), dtype=torch.long)
            window_start = time.perf_counter()
        if cfg.eval_interval and done % cfg.eval_interval == 0 and done != cfg.max_steps:
            began = time.perf_counter()
            value = evaluate_loss(eval_module, held_out, batch_size, runtime)
            eval_seconds += time.perf_counter() - began
            evals.append({"step": done, "eval_loss": value})
        if want_checkpoint:
            _check_weights(params, done)
            full_state = ckpt.gather_full_state(module, optimizer) if sharded else None  # every rank takes part
            if runtime.is_main:
                if hasattr(log, "sync"):
                    log.sync()  # the metrics up to this step are on disk before the checkpoint that resumes after them
                # the partial log window is one process's sum: carried over a resume only when there is one process
                window = ({"loss_sum": window_loss.item(), "tokens": int(window_tokens)}
                          if runtime.world_size == 1 else None)
                ckpt.save_checkpoint(checkpoints, done, module, optimizer, {
                    "config": cfg.to_dict(), "config_hash": cfg.training_hash(), "data_fingerprint": data_fp,
                    "data_position": order.position(), "tokens_seen": tokens_seen, "world_size": runtime.world_size,
                    "log_window": window, "scheduler": {"kind": cfg.lr_scheduler, "step": done}},
                    cfg.keep_checkpoints, written, full_state=full_state)
                saved[:] = [str(p) for p in written]
            runtime.barrier()
    elapsed = time.perf_counter() - started
    if bar is not None:
        bar.close()
    wrapped.eval()
    began = time.perf_counter()
    eval_final = evaluate_loss(eval_module, held_out, batch_size, runtime)
    eval_seconds += time.perf_counter() - began
    if sharded:
        _gather_sharded(model, module, runtime)
    if out is not None:
        _check_weights(params, cfg.max_steps)
    final_dir = _save_final(out, model, unwrap(model), tokenizer) if out and runtime.is_main else None
    runtime.barrier()
    reporters.close()
    trained_tokens = tokens_seen - (state["tokens_seen"] if path is not None else 0)
    return {
        "trainer": "offline:functional", "trained": True, "steps": cfg.max_steps, "start_step": start,
        "resumed_from": resumed_from, "tokens_seen": tokens_seen, "train_blocks": len(train),
        "eval_blocks": len(held_out), "block_size": int(train.inputs.shape[1]),
        **runtime.describe(), "strategy": cfg.strategy if runtime.distributed else None,
        "global_batch_size": global_batch * cfg.gradient_accumulation_steps, "per_device_batch_size": batch_size,
        "document_masking": masking, "attention": getattr(getattr(module, "config", None), "_attn_implementation", None),
        "token_cache": corpus.describe(), "data_seconds": data_seconds, "first_step_seconds": first_step_seconds,
        "eval_loss_initial": eval_initial, "eval_loss": eval_final,
        "eval_perplexity": math.exp(eval_final) if eval_final is not None else None, "evaluations": evals,
        "eval_seconds": eval_seconds,
        "elapsed_seconds": elapsed, "tokens_per_second": trained_tokens / elapsed if elapsed > 0 else None,
        "peak_memory_mb": peak_memory_mb(), "log_records": logged, "checkpoints": saved,
        "final_model": str(final_dir) if final_dir else None, "config": cfg.to_dict(),
    }


def _gather_sharded(model: Any, module: torch.nn.Module, runtime: rt.Runtime) -> None:
    """After FSDP training: a plain, unsharded copy of the model on every process (full weights gathered),
    so saving, rollouts and evaluation see an ordinary module."""
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

    full = get_model_state_dict(module, options=StateDictOptions(full_state_dict=True, cpu_offload=True,
                                                                 broadcast_from_rank0=False))
    plain_class = next(c for c in type(module).__mro__[1:] if "FSDP" not in c.__name__)
    fresh = plain_class(module.config)
    if runtime.is_main:
        fresh.load_state_dict(full)
    if hasattr(model, "module") and model.module is module:
        model.module = fresh.eval()


def _save_final(out: Path, model: Any, module: torch.nn.Module, tokenizer: Any) -> Path:
    """``out/final``, complete or absent: written beside it, manifest last, then renamed into place."""
    target = out / "final"
    saver = model if hasattr(model, "save_pretrained") else module
    with atomic_directory(target, finish=lambda tmp: ckpt.write_manifest_last(tmp, "final")) as tmp:
        if not hasattr(saver, "save_pretrained"):
            from safetensors.torch import save_model

            save_model(module, str(tmp / "model.safetensors"))
        else:
            saver.save_pretrained(tmp)
        saved_with_model = saver is model and getattr(model, "tokenizer", None) is tokenizer
        if not saved_with_model and hasattr(tokenizer, "save_pretrained"):
            tokenizer.save_pretrained(tmp)
    return target
