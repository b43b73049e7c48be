"""RL from rewards, codex-ml against TRL's GRPOTrainer: the same tiny GPT-2, prompts, reward, group size,
completion length, learning rate and number of steps, on this machine.

    python scripts/bench_rl.py [--steps 50] [--threads 1] [--repeats 3] [--out bench_rl.json]

Both sides: GPT-2 synthesised here (2 layers, 32 dims, BPE vocabulary of 400 trained on local text, random
weights, seed 0), the 16 shipped prompts, reward offline:length (1 + 0.25 x completion characters), G=4
completions for each of 2 prompts per step, 16 new tokens at temperature 1, AdamW at a constant 3e-3, gradient
clipping at 1.0, no KL (beta 0), one optimisation step per batch, token-level loss normalisation (TRL's default
"dapo"), dropout off (TRL: disable_dropout=True; codex-ml keeps the policy in eval mode).

The two sides take turns ``--repeats`` times in one process and the fastest loop of each is kept (the
machine is shared; the reward curves are identical from one repeat to the next, the seeds being fixed).
Reported per side: steps/s and completion tokens/s over the training loop (model loading excluded), the mean
reward of the first and last 10 steps, the reward curve, and where the time goes (TRL: generation and scoring
vs the rest, by wrapping ``_generate_and_score_completions``; codex-ml: act vs update from metrics.jsonl).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "disabled")
REPO = Path(__file__).resolve().parents[1]
G, PROMPTS_PER_STEP, NEW_TOKENS, LR = 4, 2, 16, 3e-3


def make_policy(root: Path) -> Path:
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings
    from codex_ml.offline.models.synth import synth_gpt2

    return synth_gpt2(
        root,
        texts=stdlib_docstrings(max_chars=60_000),
        vocab_size=400,
        seed=0,
        n_positions=64,
        n_embd=32,
        n_layer=2,
        n_head=2,
    )


def prompts() -> list[str]:
    from codex_ml.plugins.registries import datasets

    return [r["prompt"] for r in datasets.resolve_and_instantiate("offline:rl-prompts")]


def length_reward():
    from codex_ml.plugins.registries import reward_models

    return reward_models.resolve_and_instantiate("offline:length")


def run_trl(policy: Path, steps: int, work: Path) -> dict:
    import datasets
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, TrainerCallback
    from trl import GRPOConfig, GRPOTrainer

    torch.manual_seed(0)
    reward = length_reward()

    def length(completions, **_):
        return [reward.score("", c) for c in completions]

    timings = {"generate_and_score": 0.0}
    original = GRPOTrainer._generate_and_score_completions

    def timed(self, *args, **kwargs):
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            timings["generate_and_score"] += time.perf_counter() - start

    class Clock(TrainerCallback):
        def on_train_begin(self, *a, **k):
            timings["start"] = time.perf_counter()

        def on_train_end(self, *a, **k):
            timings["end"] = time.perf_counter()

    GRPOTrainer._generate_and_score_completions = timed
    tokenizer = AutoTokenizer.from_pretrained(policy)
    tokenizer.pad_token = tokenizer.eos_token
    model = AutoModelForCausalLM.from_pretrained(policy)
    args = GRPOConfig(
        output_dir=str(work / "trl"),
        per_device_train_batch_size=G * PROMPTS_PER_STEP,
        num_generations=G,
        max_completion_length=NEW_TOKENS,
        temperature=1.0,
        learning_rate=LR,
        lr_scheduler_type="constant",
        max_steps=steps,
        logging_steps=1,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        seed=0,
        disable_dropout=True,
        max_grad_norm=1.0,
        beta=0.0,
        bf16=False,
        fp16=False,
    )
    data = datasets.Dataset.from_list([{"prompt": p} for p in prompts()])
    trainer = GRPOTrainer(
        model=model, reward_funcs=length, args=args, train_dataset=data, processing_class=tokenizer, callbacks=[Clock()]
    )
    trainer.train()
    GRPOTrainer._generate_and_score_completions = original
    logs = [entry for entry in trainer.state.log_history if "reward" in entry]
    curve = [entry["reward"] for entry in logs]
    lengths = [entry["completions/mean_length"] for entry in logs]
    loop = timings["end"] - timings["start"]
    return {
        "steps": len(curve),
        "loop_seconds": loop,
        "steps_per_second": len(curve) / loop,
        "completion_tokens_per_second": sum(lengths) * G * PROMPTS_PER_STEP / loop,
        "generate_and_score_seconds": timings["generate_and_score"],
        "rest_seconds": loop - timings["generate_and_score"],
        "curve": curve,
    }


def run_codex(policy: Path, steps: int, work: Path) -> dict:
    from codex_ml.config.compose import compose_config
    from codex_ml.offline.rl.loop import run_rl

    out = work / "codex"
    composed = compose_config(
        "offline/rl",
        [
            f"rl_agent.model_path={policy}",
            f"output_dir={out}",
            f"rl.steps={steps}",
            f"rl.prompts_per_step={PROMPTS_PER_STEP}",
            f"rl_agent.group_size={G}",
            f"rl_agent.max_new_tokens={NEW_TOKENS}",
            f"rl_agent.learning_rate={LR}",
            "rl.checkpoint_interval=0",
            "rl.log_completions=0",
        ],
    )
    started = {}
    import codex_ml.offline.rl.loop as loop_module

    original = loop_module.PromptOrder.__init__

    def mark(self, *args, **kwargs):  # the loop starts once the prompt order exists (models are loaded by then)
        started.setdefault("t", time.perf_counter())
        original(self, *args, **kwargs)

    loop_module.PromptOrder.__init__ = mark
    run_rl(composed, quiet=True)
    end = time.perf_counter()
    loop_module.PromptOrder.__init__ = original
    lines = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines() if line.strip()]
    loop = end - started["t"]  # includes logging, the final checkpoint and save_pretrained
    curve = [line["reward_mean"] for line in lines]
    tokens = sum(line["completion_length"] for line in lines) * G * PROMPTS_PER_STEP
    return {
        "steps": len(curve),
        "loop_seconds": loop,
        "steps_per_second": len(curve) / loop,
        "completion_tokens_per_second": tokens / loop,
        "act_seconds": sum(line["act_seconds"] for line in lines),
        "update_seconds": sum(line["update_seconds"] for line in lines),
        "curve": curve,
    }


def summarise(name: str, result: dict) -> str:
    curve = result["curve"]
    first, last = statistics.fmean(curve[:10]), statistics.fmean(curve[-10:])
    result.update({"reward_first10": first, "reward_last10": last})
    split = (
        f"generate+score {result['generate_and_score_seconds']:.2f} s, rest {result['rest_seconds']:.2f} s"
        if "generate_and_score_seconds" in result
        else f"act (sample) {result['act_seconds']:.2f} s, update {result['update_seconds']:.2f} s"
    )
    return (
        f"| {name} | {result['steps_per_second']:.2f} | {result['completion_tokens_per_second']:.0f} | "
        f"{first:.2f} -> {last:.2f} | {result['loop_seconds']:.2f} s: {split} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=50)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--only", choices=("trl", "codex-ml"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        os.environ["CODEX_ML_PROJECT_ROOT"] = str(work)
        os.environ["CODEX_ML_CACHE_DIR"] = str(work / "cache")
        policy = make_policy(work)
        runners = {"trl": run_trl, "codex-ml": run_codex}
        for repeat in range(args.repeats):
            for name, runner in runners.items():
                if args.only in (None, name):
                    result = runner(policy, args.steps, work / f"{name}-{repeat}")
                    if name not in results or result["steps_per_second"] > results[name]["steps_per_second"]:
                        results[name] = result
    import transformers
    import trl

    print(
        f"torch {torch.__version__}, transformers {transformers.__version__}, trl {trl.__version__}, "
        f"{args.threads} thread(s), best of {args.repeats}, {args.steps} steps, G={G}, {PROMPTS_PER_STEP} prompts/step, "
        f"{NEW_TOKENS} new tokens"
    )
    print("| implementation | steps/s | completion tokens/s | mean reward, first 10 -> last 10 steps | loop time |")
    print("|---|---|---|---|---|")
    for name, result in results.items():
        print(summarise(name, result))
    if len(results) == 2:
        print(f"speed-up: {results['codex-ml']['steps_per_second'] / results['trl']['steps_per_second']:.2f}x steps/s")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO / "tests"))
    main()
