#!/usr/bin/env python
"""Trainer throughput, side by side: codex-ml's ``offline:functional`` loop, the Hugging Face Trainer and
a plain hand-written PyTorch loop, on the same small GPT-2 and the same corpus, in one run.

Two workloads:
  fixed     every variant gets the same pre-packed (batch, block) token blocks: measures framework overhead.
  variable  end to end from raw variable-length text (stdlib docstrings): codex-ml packs into blocks; the
            HF Trainer uses its standard causal-LM recipe (truncate, pad each batch with
            DataCollatorForLanguageModeling) and the padding is not counted as useful tokens.
Each variant runs in its own process so peak memory (max RSS) is its own. Nothing is downloaded: the
GPT-2 is synthesised (``codex-ml catalogue synth gpt2``) into a temporary folder first unless --model-dir.

    python scripts/bench_trainer.py                # prints a Markdown table
    python scripts/bench_trainer.py --steps 60 --repeats 3 --threads 1
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


def _blocks(model_dir: Path, max_chars: int):
    """The shared fixed-shape data: the corpus packed exactly as codex-ml packs it."""
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings
    from codex_ml.offline.training.packing import encode_all, pack
    from codex_ml.plugins.registries import tokenizers

    tokenizer = tokenizers.resolve_and_instantiate("offline:gpt2", path=model_dir)
    texts = stdlib_docstrings(max_chars=max_chars)
    return texts, tokenizer, pack(encode_all(texts, tokenizer), BLOCK, tokenizer.eos_token_id)


def _model(model_dir: Path):
    from codex_ml.plugins.registries import models

    return models.resolve_and_instantiate("offline:gpt2", path=model_dir)


def run_codex(model_dir: Path, steps: int, workload: str, max_chars: int) -> dict:
    from codex_ml.offline.data.lines import LineDataset
    from codex_ml.plugins.registries import trainers

    _, tokenizer, blocks = _blocks(model_dir, max_chars) if workload == "fixed" else (None, None, None)
    model = _model(model_dir)
    trainer = trainers.resolve_and_instantiate(
        "offline:functional", max_steps=steps, batch_size=BATCH, block_size=BLOCK, learning_rate=LR, eval_fraction=0.0,
        log_interval=max(1, steps // 4), max_grad_norm=0.0, weight_decay=0.0, progress=False)
    if workload == "fixed":
        # Same blocks as the other variants: hand the loop pre-packed data through a one-block-per-record dataset.
        from codex_ml.offline.training import torch_loop

        original = torch_loop.prepare_data
        torch_loop.prepare_data = lambda cfg, ds, tok, limit: (blocks, type(blocks)(blocks.inputs[:0], blocks.targets[:0]))
        try:
            start = time.perf_counter()
            summary = trainer.fit(model, LineDataset(["unused"]), tokenizer=tokenizer)
            elapsed = time.perf_counter() - start
        finally:
            torch_loop.prepare_data = original
    else:
        dataset = LineDataset(_corpus(max_chars))
        start = time.perf_counter()  # end to end: tokenisation and packing included
        summary = trainer.fit(model, dataset)
        elapsed = time.perf_counter() - start
    return {"useful_tokens": summary["tokens_seen"], "seconds": elapsed}


def run_plain(model_dir: Path, steps: int, workload: str, max_chars: int) -> dict:
    import torch
    from torch.nn import functional as F

    _, _, blocks = _blocks(model_dir, max_chars)
    module = _model(model_dir).module
    module.train()
    torch.manual_seed(0)
    optimizer = torch.optim.AdamW(module.parameters(), lr=LR, weight_decay=0.0)
    order = torch.randperm(len(blocks), generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    for step in range(steps):
        idx = order[(step * BATCH) % (len(blocks) - BATCH):][:BATCH]
        logits = module(input_ids=blocks.inputs[idx], use_cache=False).logits
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), blocks.targets[idx].reshape(-1))
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
    loss.item()
    return {"useful_tokens": steps * BATCH * BLOCK, "seconds": time.perf_counter() - start}


def run_hf(model_dir: Path, steps: int, workload: str, max_chars: int) -> dict:
    import torch
    from transformers import DataCollatorForLanguageModeling, Trainer, TrainingArguments

    model = _model(model_dir)
    hf_tokenizer = model.tokenizer.hf
    hf_tokenizer.pad_token = hf_tokenizer.eos_token
    counted = {"tokens": 0}

    class Counting(Trainer):
        def compute_loss(self, model, inputs, *args, **kwargs):  # counts what the model actually sees
            counted["tokens"] += int(inputs["attention_mask"].sum())
            return super().compute_loss(model, inputs, *args, **kwargs)

    start = time.perf_counter()
    if workload == "fixed":
        _, _, blocks = _blocks(model_dir, max_chars)
        rows = [{"input_ids": row, "attention_mask": torch.ones_like(row)} for row in blocks.inputs]
    else:  # the standard recipe: tokenise each record, truncate, pad per batch in the collator
        encoded = hf_tokenizer(_corpus(max_chars), truncation=True, max_length=BLOCK)
        rows = [{"input_ids": ids} for ids in encoded["input_ids"]]
    args = TrainingArguments(output_dir=tempfile.mkdtemp(prefix="hf-bench-"), max_steps=steps,
                             per_device_train_batch_size=BATCH, learning_rate=LR, weight_decay=0.0, max_grad_norm=0.0,
                             lr_scheduler_type="linear", logging_steps=max(1, steps // 4), save_strategy="no",
                             report_to=[], use_cpu=True, seed=0, dataloader_num_workers=0, disable_tqdm=True)
    trainer = Counting(model=model.module, args=args, train_dataset=rows,
                       data_collator=DataCollatorForLanguageModeling(tokenizer=hf_tokenizer, mlm=False))
    if workload == "fixed":
        start = time.perf_counter()  # fixed: time the loop only, like the others
    trainer.train()
    return {"useful_tokens": counted["tokens"], "seconds": time.perf_counter() - start}


def _corpus(max_chars: int) -> list[str]:
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings

    return stdlib_docstrings(max_chars=max_chars)


VARIANTS = {"codex": run_codex, "plain": run_plain, "hf": run_hf}
PLAN = [("fixed", "codex"), ("fixed", "plain"), ("fixed", "hf"), ("variable", "codex"), ("variable", "hf")]
LABELS = {"codex": "codex-ml offline:functional", "plain": "plain PyTorch loop", "hf": "HF Trainer"}


def child(args: argparse.Namespace) -> None:
    import resource

    result = VARIANTS[args.variant](Path(args.model_dir), args.steps, args.workload, args.max_chars)
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--repeats", type=int, default=1, help="Runs per variant; the fastest is reported.")
    parser.add_argument("--max-chars", type=int, default=600_000, help="Corpus size in characters.")
    parser.add_argument("--model-dir", type=Path, help="A GPT-2 directory; default: synthesise one.")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per variant (OMP_NUM_THREADS).")
    parser.add_argument("--variant", help=argparse.SUPPRESS)
    parser.add_argument("--workload", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.variant:
        return child(args)
    model_dir = args.model_dir
    if model_dir is None:
        from codex_ml.offline.models.synth import synth_gpt2

        model_dir = synth_gpt2(Path(tempfile.mkdtemp(prefix="bench-gpt2-")), n_positions=BLOCK, n_embd=128, n_layer=2, n_head=4,
                                resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)  # dropout off: same for every variant
    runs: dict[tuple[str, str], list[dict]] = {key: [] for key in PLAN}
    env = {**os.environ, "TOKENIZERS_PARALLELISM": "false", "OMP_NUM_THREADS": str(args.threads)}
    for _ in range(args.repeats):  # round-robin, so a busy moment on a shared machine hits every variant alike
        for workload, variant in PLAN:
            out = subprocess.run([sys.executable, __file__, "--variant", variant, "--workload", workload,
                                  "--steps", str(args.steps), "--max-chars", str(args.max_chars), "--model-dir", str(model_dir)],
                                 check=False, capture_output=True, text=True, env=env)
            if out.returncode:
                sys.exit(f"{variant}/{workload} failed:\n{out.stderr[-3000:]}")
            runs[(workload, variant)].append(json.loads(out.stdout.strip().splitlines()[-1]))
    results = {}
    for key, attempts in runs.items():
        best = max(attempts, key=lambda r: r["useful_tokens"] / r["seconds"])
        results[key] = {**best, "tokens_per_second": best["useful_tokens"] / best["seconds"]}
    print(f"GPT-2 {model_dir}: block {BLOCK}, batch {BATCH}, {args.steps} steps, {args.max_chars} corpus chars, "
          f"{args.threads} torch thread(s), best of {args.repeats}\n")
    print("| workload | trainer | useful tokens | seconds | useful tokens/s | vs codex-ml | peak RSS (MB) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    for (workload, variant), r in results.items():
        ratio = r["tokens_per_second"] / results[(workload, "codex")]["tokens_per_second"]
        print(f"| {workload} | {LABELS[variant]} | {r['useful_tokens']} | {r['seconds']:.2f} | {r['tokens_per_second']:.0f} "
              f"| {ratio:.2f}x | {r['peak_rss_mb']:.0f} |")
    codex_fixed = results[("fixed", "codex")]["tokens_per_second"]
    print(f"\ncodex-ml / plain loop (fixed): {codex_fixed / results[('fixed', 'plain')]['tokens_per_second']:.3f}x (target >= 0.95)")
    print(f"codex-ml / HF Trainer (variable, end to end): "
          f"{results[('variable', 'codex')]['tokens_per_second'] / results[('variable', 'hf')]['tokens_per_second']:.2f}x (target >= 1.3)")


if __name__ == "__main__":
    main()
