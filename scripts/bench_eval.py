"""Benchmark codex-ml's evaluator against lm-evaluation-harness on the same model, set and machine.

    python scripts/bench_eval.py --model synth                     # synthesised GPT-2 (2 layers, 128 wide)
    python scripts/bench_eval.py --model gpt2-100m --samples 40    # GPT-2 small shape (12 x 768), random init

Both sides score the same multiple-choice set (contexts and four endings cut from the standard
library's docstrings, like HellaSwag: one true ending, three from elsewhere) with log-likelihood
requests ``(context, " " + ending)``:

- lm-eval: its ``HFLM`` (``pretrained=<the same local directory>``) at every batch size in
  ``--lm-eval-batch-sizes``; the best is its figure;
- codex-ml: ``offline:gpt2`` at its default batch size, through the evaluator (``score_samples``).

Every configuration runs once untimed (warm-up), then ``--repeats`` timed rounds in which each
configuration runs once, in turn, on the same number of torch threads (``--threads``, default 1). The
scoring calls are timed (requests built, tokenised, scored); loading each model is timed apart. Prints
each configuration's median requests/s with its min and max, the speed-up of the medians against
lm-eval's best batch size (by median), the spread of the per-round speed-ups, and the largest
per-request |Δ log-likelihood|. ``--task ppl``
benchmarks ``loglikelihood_rolling`` on whole docstrings instead.
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

MODELS = {
    "synth": {"vocab_size": 4096},  # synth_gpt2's defaults: 2 layers, 128 wide, 4 heads, 512 positions
    # GPT-2 small's shape (124M parameters): the BPE trained on local text stops near 7.3k tokens, so the
    # embedding and LM head get the real 50257 rows (``model_vocab_size``); both sides load the same folder
    "gpt2-100m": {"vocab_size": 50257, "model_vocab_size": 50257, "n_layer": 12, "n_embd": 768, "n_head": 12, "n_positions": 1024},
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
    parser.add_argument("--threads", type=int, default=1, help="torch threads, the same for both sides (default: 1)")
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
        vocab = ours.module.get_output_embeddings().weight.shape[0]
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

        configurations = {f"lm-eval bs={size}": (lambda s=size: run_theirs(s)) for size in lm_eval_sizes}
        configurations["codex-ml"] = run_ours
        values: dict[str, list[float]] = {}
        for name, call in configurations.items():  # warm-up (first-call allocations, caches), not timed
            values[name] = call()
        times: dict[str, list[float]] = {name: [] for name in configurations}
        for _ in range(args.repeats):  # interleaved: every configuration once per round
            for name, call in configurations.items():
                seconds, values[name] = timed(call)
                times[name].append(seconds)

    n = len(instances)
    print(f"model: {args.model} ({parameters / 1e6:.1f}M parameters, vocabulary {vocab} rows, {ours.context_length} "
          f"positions); task: {args.task}, {len(samples)} samples, {n} requests; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads; {args.repeats} timed rounds after a warm-up round")
    print(f"load: codex-ml {load_ours:.2f} s, lm-eval HFLM {min(load_theirs.values()):.2f} s")
    rate = {name: [n / t for t in ts] for name, ts in times.items()}
    for name, rates in rate.items():
        print(f"  {name:<16} median {statistics.median(rates):8.2f} requests/s  "
              f"(min {min(rates):.2f}, max {max(rates):.2f}; runs: {', '.join(f'{r:.2f}' for r in rates)})")
    best_lm = max((k for k in rate if k.startswith("lm-eval")), key=lambda k: statistics.median(rate[k]))
    ours_rate, theirs_rate = statistics.median(rate["codex-ml"]), statistics.median(rate[best_lm])
    # the same round's runs share the machine's load: their ratios show the spread the load causes
    rounds = [a / b for a, b in zip(rate["codex-ml"], rate[best_lm])]
    print(f"lm-eval best (by median): {best_lm} ({theirs_rate:.2f} requests/s); codex-ml (bs={batch_size}): "
          f"{ours_rate:.2f} requests/s; speed-up {ours_rate / theirs_rate:.2f}x "
          f"(per round: min {min(rounds):.2f}x, median {statistics.median(rounds):.2f}x, max {max(rounds):.2f}x)")
    pairs = [(a, b) for key in values if key.startswith("lm-eval") for a, b in zip(values["codex-ml"], values[key])]
    delta = max(abs(a - b) for a, b in pairs)
    relative = max(abs(a - b) / max(abs(b), 1.0) for a, b in pairs)
    print(f"max per-request |Δ loglikelihood| (over every lm-eval batch size): {delta:.2e} (relative {relative:.1e})")
    # 1e-4 absolute; a long text's total (thousands of nats) is held to float32 rounding instead
    return 0 if all(abs(a - b) <= max(1e-4, 1e-6 * abs(b)) for a, b in pairs) else 1


if __name__ == "__main__":
    sys.exit(main())
