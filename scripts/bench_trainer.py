#!/usr/bin/env python
"""Trainer throughput, side by side, on the same packed blocks: codex-ml's ``offline:functional`` loop, the
Hugging Face Trainer and a plain hand-written PyTorch loop; plus the tokenisation cache's effect.

The comparison is the fair one: every variant trains the same small GPT-2 on blocks packed the way HF's
``run_clm`` recipe packs them (each record tokenised with an end-of-text id appended, then ``group_texts``:
concatenate and cut into ``BLOCK`` tokens), with the same batch, AdamW settings (fused, lr 1e-3, no weight
decay, no clipping) and a linear schedule. codex-ml runs as its users run it: per-document position ids,
so a document never attends to the previous one in a block (the others let attention cross documents).
Only the training loop is timed. Useful tokens = predicted positions.

``--cache-mb N`` instead measures the tokenisation cache: two runs of ``offline:functional`` on an N MB
corpus with an empty cache directory, then with the cache the first run wrote; reports the seconds from
``fit`` to the end of the first optimisation step for each.

Each variant runs in its own process, so peak memory (max RSS) is its own. Nothing is downloaded: the
GPT-2 is synthesised into a temporary folder first unless --model-dir.

    python scripts/bench_trainer.py --steps 40 --repeats 3 --threads 1
    python scripts/bench_trainer.py --cache-mb 50
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BLOCK, BATCH, LR = 128, 8, 1e-3


def group_texts(token_lists: list[list[int]], block_size: int) -> list[list[int]]:
    """HF run_clm's ``group_texts``: concatenate, drop the remainder, cut into ``block_size`` chunks."""
    concatenated = [t for ids in token_lists for t in ids]
    total = (len(concatenated) // block_size) * block_size
    return [concatenated[i:i + block_size] for i in range(0, total, block_size)]


def _grouped(model_dir: Path, max_chars: int):
    """The shared blocks (run_clm style) and the tokenizer."""
    import torch
    from codex_ml.plugins.registries import tokenizers

    tokenizer = tokenizers.resolve_and_instantiate("offline:gpt2", path=model_dir)
    eos = tokenizer.eos_token_id
    encoded = [ids + [eos] for ids in tokenizer.encode_batch(_corpus(max_chars))]
    return torch.tensor(group_texts(encoded, BLOCK)), tokenizer


def _model(model_dir: Path):
    from codex_ml.plugins.registries import models

    return models.resolve_and_instantiate("offline:gpt2", path=model_dir)


def run_codex(model_dir: Path, steps: int, max_chars: int, *, document_masking: bool = True) -> dict:
    """codex-ml's loop over the same blocks: each run_clm block becomes BLOCK-1 inputs and their next tokens,
    with per-document position ids (a document starts after each end-of-text id) unless ``document_masking``
    is off (then attention crosses documents, as in the other variants)."""
    import torch
    from codex_ml.offline.data.lines import LineDataset
    from codex_ml.offline.training import torch_loop
    from codex_ml.offline.training.packing import Blocks
    from codex_ml.plugins.registries import trainers

    grouped, tokenizer = _grouped(model_dir, max_chars)
    inputs, targets = grouped[:, :-1].contiguous(), grouped[:, 1:].contiguous()
    starts = inputs == tokenizer.eos_token_id
    starts[:, 0] = True
    columns = torch.arange(inputs.shape[1])
    positions = columns - torch.cummax(torch.where(starts, columns, 0), dim=1).values
    blocks = Blocks(inputs, targets, positions if document_masking else None)
    empty = Blocks(inputs[:0], targets[:0], positions[:0] if document_masking else None)
    model = _model(model_dir)
    trainer = trainers.resolve_and_instantiate(
        "offline:functional", max_steps=steps, batch_size=BATCH, block_size=BLOCK - 1, learning_rate=LR,
        eval_fraction=0.0, log_interval=max(1, steps // 4), max_grad_norm=0.0,
        weight_decay=0.0, progress=False, token_cache=False, device="cpu")
    original, masking = torch_loop.prepare_data, torch_loop.document_masking
    torch_loop.prepare_data = lambda cfg, ds, tok, limit: (blocks, empty, _NoCorpus())
    if not document_masking:
        torch_loop.document_masking = lambda module: "none"
    try:
        summary = trainer.fit(model, LineDataset(["unused"]), tokenizer=tokenizer)
    finally:
        torch_loop.prepare_data, torch_loop.document_masking = original, masking
    return {"useful_tokens": summary["tokens_seen"], "seconds": summary["elapsed_seconds"]}


class _NoCorpus:
    def describe(self) -> dict:
        return {}


def run_plain(model_dir: Path, steps: int, max_chars: int) -> dict:
    """What a user writes by hand: shuffled blocks, the model's own shifted loss, fused AdamW, linear decay."""
    import torch

    grouped, _ = _grouped(model_dir, max_chars)
    module = _model(model_dir).module
    module.train()
    torch.manual_seed(0)
    optimizer = torch.optim.AdamW(module.parameters(), lr=LR, weight_decay=0.0, fused=True)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: 1 - step / steps)
    order = torch.randperm(len(grouped), generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    for step in range(steps):
        idx = order[(step * BATCH) % (len(grouped) - BATCH):][:BATCH]
        loss = module(input_ids=grouped[idx], labels=grouped[idx], use_cache=False).loss
        loss.backward()
        optimizer.step()
        schedule.step()
        optimizer.zero_grad(set_to_none=True)
    loss.item()
    return {"useful_tokens": steps * BATCH * (BLOCK - 1), "seconds": time.perf_counter() - start}


def run_hf(model_dir: Path, steps: int, max_chars: int) -> dict:
    """The HF Trainer as its users configure it: run_clm blocks, labels = input_ids, its default fused AdamW."""
    from transformers import Trainer, TrainingArguments, default_data_collator

    grouped, _ = _grouped(model_dir, max_chars)
    rows = [{"input_ids": row, "labels": row} for row in grouped]
    args = TrainingArguments(output_dir=tempfile.mkdtemp(prefix="hf-bench-"), max_steps=steps,
                             per_device_train_batch_size=BATCH, learning_rate=LR, weight_decay=0.0, max_grad_norm=0.0,
                             lr_scheduler_type="linear", logging_steps=max(1, steps // 4), save_strategy="no",
                             optim="adamw_torch_fused", report_to=[], use_cpu=True, seed=0, dataloader_num_workers=0,
                             disable_tqdm=True)
    trainer = Trainer(model=_model(model_dir).module, args=args, train_dataset=rows, data_collator=default_data_collator)
    start = time.perf_counter()
    trainer.train()
    return {"useful_tokens": steps * BATCH * (BLOCK - 1), "seconds": time.perf_counter() - start}


def run_cache(model_dir: Path, cache_dir: Path, megabytes: int) -> dict:
    """One ``offline:functional`` run of one step on an N MB corpus; the cache directory persists between runs."""
    os.environ["CODEX_ML_CACHE_DIR"] = str(cache_dir)
    from codex_ml.offline.data.lines import LineDataset
    from codex_ml.plugins.registries import trainers

    texts = _big_corpus(megabytes)
    model = _model(model_dir)
    trainer = trainers.resolve_and_instantiate(
        "offline:functional", max_steps=1, batch_size=BATCH, block_size=BLOCK, eval_fraction=0.001,
        eval_max_blocks=1, progress=False, device="cpu")
    start = time.perf_counter()
    summary = trainer.fit(model, LineDataset(texts))
    return {"first_step_seconds": summary["first_step_seconds"], "fit_seconds": time.perf_counter() - start,
            "cache_hit": summary["token_cache"]["cache_hit"], "tokens": summary["token_cache"]["tokens"],
            "corpus_mb": sum(len(t.encode()) for t in texts) / 1e6}


def _big_corpus(megabytes: int) -> list[str]:
    """The stdlib docstrings repeated, each copy's records numbered, to reach ``megabytes`` of text."""
    base = _corpus(2_000_000)
    texts, size, copy = [], 0, 0
    while size < megabytes * 1_000_000:
        for text in base:
            record = f"[{copy}] {text}"
            texts.append(record)
            size += len(record.encode())
        copy += 1
    return texts


def _corpus(max_chars: int) -> list[str]:
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings

    return stdlib_docstrings(max_chars=max_chars)


def run_codex_crossing(model_dir: Path, steps: int, max_chars: int) -> dict:
    return run_codex(model_dir, steps, max_chars, document_masking=False)


VARIANTS = {"codex": run_codex, "codex-crossing": run_codex_crossing, "plain": run_plain, "hf": run_hf}
LABELS = {"codex": "codex-ml offline:functional", "codex-crossing": "codex-ml, document masking off",
          "plain": "plain PyTorch loop", "hf": "HF Trainer"}


def child(args: argparse.Namespace) -> None:
    import resource

    if args.variant == "cache":
        result = run_cache(Path(args.model_dir), Path(args.cache_dir), args.cache_mb)
    else:
        result = VARIANTS[args.variant](Path(args.model_dir), args.steps, args.max_chars)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def _spawn(args: argparse.Namespace, model_dir: Path, variant: str, env: dict, *extra: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--variant", variant, "--steps", str(args.steps), "--max-chars",
                          str(args.max_chars), "--model-dir", str(model_dir), *extra],
                         check=False, capture_output=True, text=True, env=env)
    if out.returncode:
        sys.exit(f"{variant} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=1, help="Runs per variant; the fastest is reported.")
    parser.add_argument("--max-chars", type=int, default=300_000, help="Corpus size in characters.")
    parser.add_argument("--model-dir", type=Path, help="A GPT-2 directory; default: synthesise one.")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per variant (OMP_NUM_THREADS).")
    parser.add_argument("--cache-mb", type=int, default=0, help="Measure the tokenisation cache on an N MB corpus.")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--cache-dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        return child(args)
    model_dir = args.model_dir
    if model_dir is None:
        from codex_ml.offline.models.synth import synth_gpt2

        model_dir = synth_gpt2(Path(tempfile.mkdtemp(prefix="bench-gpt2-")), n_positions=BLOCK, n_embd=128, n_layer=2, n_head=4,
                                resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)  # dropout off: same for every variant
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": str(args.threads)}
    if args.cache_mb:
        return _cache_report(args, model_dir, env)
    runs: dict[str, list[dict]] = {variant: [] for variant in VARIANTS}
    for _ in range(args.repeats):  # round-robin, so a busy moment on a shared machine hits every variant alike
        for variant in VARIANTS:
            runs[variant].append(_spawn(args, model_dir, variant, env))
    results = {}
    for variant, attempts in runs.items():
        best = max(attempts, key=lambda r: r["useful_tokens"] / r["seconds"])
        results[variant] = {**best, "tokens_per_second": best["useful_tokens"] / best["seconds"]}
    print(f"GPT-2 {model_dir}: run_clm blocks of {BLOCK}, batch {BATCH}, {args.steps} steps, {args.max_chars} corpus "
          f"chars, {args.threads} torch thread(s), best of {args.repeats}\n")
    print("| trainer | useful tokens | seconds | useful tokens/s | codex-ml vs this | peak RSS (MB) |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    codex = results["codex"]["tokens_per_second"]
    for variant, r in results.items():
        print(f"| {LABELS[variant]} | {r['useful_tokens']} | {r['seconds']:.2f} | {r['tokens_per_second']:.0f} "
              f"| {codex / r['tokens_per_second']:.2f}x | {r['peak_rss_mb']:.0f} |")
    print(f"\ncodex-ml / HF Trainer: {codex / results['hf']['tokens_per_second']:.3f}x (target >= 1.05 on CPU fp32)")
    print(f"codex-ml / plain loop: {codex / results['plain']['tokens_per_second']:.3f}x (target >= 0.95)")
    crossing = results["codex-crossing"]["tokens_per_second"]
    print(f"codex-ml with document masking off / plain loop: {crossing / results['plain']['tokens_per_second']:.3f}x")


def _cache_report(args: argparse.Namespace, model_dir: Path, env: dict) -> None:
    cache_dir = Path(tempfile.mkdtemp(prefix="bench-token-cache-"))
    first = _spawn(args, model_dir, "cache", env, "--cache-dir", str(cache_dir), "--cache-mb", str(args.cache_mb))
    second = _spawn(args, model_dir, "cache", env, "--cache-dir", str(cache_dir), "--cache-mb", str(args.cache_mb))
    print(f"{first['corpus_mb']:.1f} MB corpus, {first['tokens']} tokens, cache {cache_dir}\n")
    print("| run | token cache | seconds to the first step | whole fit (1 step) |")
    print("| --- | --- | ---: | ---: |")
    for name, r in (("first", first), ("second", second)):
        print(f"| {name} | {'hit' if r['cache_hit'] else 'built'} | {r['first_step_seconds']:.2f} | {r['fit_seconds']:.2f} |")
    print(f"\nfirst step {first['first_step_seconds'] / second['first_step_seconds']:.1f}x sooner with the cache (target >= 5x)")


if __name__ == "__main__":
    main()
