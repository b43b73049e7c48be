"""Benchmark codex-ml's evaluator against lm-evaluation-harness on the same model, set and machine.

    python scripts/bench_eval.py --model synth                     # synthesised GPT-2 (2 layers, 128 wide)
    python scripts/bench_eval.py --model gpt2-100m --samples 40    # GPT-2 small shape (12 x 768), random init

Both sides score the same multiple-choice set (contexts and four endings cut from the standard
library's docstrings, like HellaSwag: one true ending, three from elsewhere) with log-likelihood
requests ``(context, " " + ending)``:

- lm-eval: its ``HFLM`` (``pretrained=<the same local directory>``) at every batch size in
  ``--lm-eval-batch-sizes``; the best is its figure;
- codex-ml: ``offline:gpt2`` at its default batch size, through the evaluator (``score_samples``).

Each configuration runs ``--repeats`` times, interleaved, and keeps its fastest run. The scoring calls
are timed (requests built, tokenised, scored); loading each model is timed apart. Prints the requests
per second of each side, the speed-up, and the largest per-request |Δ log-likelihood|. ``--task ppl``
benchmarks ``loglikelihood_rolling`` on whole docstrings instead.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODELS = {
    "synth": {"vocab_size": 4096},  # synth_gpt2's defaults: 2 layers, 128 wide, 4 heads, 512 positions
    "gpt2-100m": {"vocab_size": 50257, "n_layer": 12, "n_embd": 768, "n_head": 12, "n_positions": 1024},
}


def build_model(name: str, root: Path) -> Path:
    from codex_ml.offline.models.synth import default_texts, synth_gpt2

    settings = dict(MODELS[name])
    return synth_gpt2(root, texts=default_texts(400_000), vocab_size=settings.pop("vocab_size"), **settings)


def multiple_choice_set(count: int, seed: int = 0) -> list[dict]:
    """``count`` samples: a 30-50 word context, its true 8-14 word ending and three endings from elsewhere."""
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings

    rng = random.Random(seed)
    passages = [" ".join(doc.split()) for doc in stdlib_docstrings(max_chars=2_000_000)]
    passages = [p.split() for p in passages if len(p.split()) >= 70]
    rng.shuffle(passages)
    endings = [" ".join(p[-rng.randint(8, 14):]) for p in passages]
    samples = []
    for index, words in enumerate(passages[:count]):
        cut = rng.randint(30, 50)
        true = " ".join(words[cut:cut + rng.randint(8, 14)])
        others = rng.sample([e for j, e in enumerate(endings) if j != index], 3)
        choices = [true, *others]
        rng.shuffle(choices)
        samples.append({"prompt": " ".join(words[:cut]), "choices": choices, "gold": choices.index(true)})
    if len(samples) < count:
        raise SystemExit(f"only {len(samples)} passages long enough for {count} samples")
    return samples


def perplexity_set(count: int) -> list[dict]:
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings

    texts = [doc for doc in stdlib_docstrings(max_chars=2_000_000) if 400 <= len(doc) <= 3000]
    return [{"text": text} for text in texts[:count]]


def timed(call):
    start = time.perf_counter()
    value = call()
    return time.perf_counter() - start, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=sorted(MODELS), default="synth")
    parser.add_argument("--task", choices=["mc", "ppl"], default="mc")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lm-eval-batch-sizes", default="1,4,8,16,32,64")
    parser.add_argument("--batch-size", type=int, default=None, help="codex-ml's batch size (default: its own default)")
    parser.add_argument("--threads", type=int, default=None, help="torch threads for both sides (default: torch's)")
    args = parser.parse_args(argv)

    import torch
    from codex_ml.formats.evalset import as_samples
    from codex_ml.offline.models.causal_lm import DEFAULT_BATCH_SIZE
    from codex_ml.offline.models.hf import load_gpt2_model
    from codex_ml.pipeline.scoring import EvaluationSettings, score_samples
    from lm_eval.api.instance import Instance
    from lm_eval.models.huggingface import HFLM

    if args.threads:
        torch.set_num_threads(args.threads)
    batch_size = args.batch_size or DEFAULT_BATCH_SIZE
    lm_eval_sizes = [int(b) for b in args.lm_eval_batch_sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = build_model(args.model, Path(tmp))
        records = multiple_choice_set(args.samples) if args.task == "mc" else perplexity_set(args.samples)
        samples = as_samples(records, "bench")
        if args.task == "mc":
            method, lm_args = "loglikelihood", [(s.prompt, " " + c) for s in samples for c in s.choices]
        else:
            method, lm_args = "loglikelihood_rolling", [(s.text,) for s in samples]
        instances = [Instance(method, {}, a, i) for i, a in enumerate(lm_args)]

        load_ours, ours = timed(lambda: load_gpt2_model(model_dir, batch_size=batch_size))
        parameters = sum(p.numel() for p in ours.module.parameters())
        theirs = {}
        load_theirs = {}
        for size in lm_eval_sizes:
            load_theirs[size], theirs[size] = timed(lambda s=size: HFLM(pretrained=str(model_dir), batch_size=s, device="cpu"))

        def run_ours():
            rows = score_samples(ours, samples, {}, EvaluationSettings(), quiet=True)["rows"]
            if args.task == "mc":
                return [ll for row in rows for ll in row["loglikelihoods"]]
            return [row["loglikelihood"] for row in rows]

        def run_theirs(size):
            results = getattr(theirs[size], method)(instances, disable_tqdm=True)
            return [r[0] if isinstance(r, tuple) else r for r in results]

        best: dict[str, float] = {}
        values: dict[str, list[float]] = {}
        run_ours()  # warm-up (first-call allocations), not timed
        for _ in range(args.repeats):
            for size in lm_eval_sizes:
                seconds, values[f"lm-eval bs={size}"] = timed(lambda s=size: run_theirs(s))
                best[f"lm-eval bs={size}"] = min(seconds, best.get(f"lm-eval bs={size}", float("inf")))
            seconds, values["codex-ml"] = timed(run_ours)
            best["codex-ml"] = min(seconds, best.get("codex-ml", float("inf")))

    n = len(instances)
    print(f"model: {args.model} ({parameters / 1e6:.1f}M parameters, {ours.context_length} positions); task: {args.task}, "
          f"{len(samples)} samples, {n} requests; torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"load: codex-ml {load_ours:.2f} s, lm-eval HFLM {min(load_theirs.values()):.2f} s")
    for name, seconds in best.items():
        print(f"  {name:<16} {seconds:8.2f} s  {n / seconds:9.1f} requests/s")
    best_lm = min((k for k in best if k.startswith("lm-eval")), key=best.get)
    print(f"lm-eval best: {best_lm} ({n / best[best_lm]:.1f} requests/s); codex-ml (bs={batch_size}): "
          f"{n / best['codex-ml']:.1f} requests/s; speed-up {best[best_lm] / best['codex-ml']:.2f}x")
    pairs = [(a, b) for key in values if key.startswith("lm-eval") for a, b in zip(values["codex-ml"], values[key])]
    delta = max(abs(a - b) for a, b in pairs)
    relative = max(abs(a - b) / max(abs(b), 1.0) for a, b in pairs)
    print(f"max per-request |Δ loglikelihood| (over every lm-eval batch size): {delta:.2e} (relative {relative:.1e})")
    # 1e-4 absolute; a long text's total (thousands of nats) is held to float32 rounding instead
    return 0 if all(abs(a - b) <= max(1e-4, 1e-6 * abs(b)) for a, b in pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
