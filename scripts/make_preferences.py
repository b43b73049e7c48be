"""Write the small offline data sets of codex-ml-offline-rl: preference pairs for the Bradley-Terry reward
model and the prompts of the RL loop. Deterministic (seeded), no download; the outputs are shipped in the
distribution (fixtures/preferences.jsonl, fixtures/rl_prompts.jsonl) and this script remakes them.

    python scripts/make_preferences.py [--out DIR] [--seed 0]

A chosen answer is on-topic, helpful and polite (it names the task and gives steps); a rejected one is one
of the usual failure kinds: a refusal, an off-topic ramble, a repetition loop, rudeness or a destructive
command. Every pair has chosen != rejected. Tasks are split: the held-out pairs (field "split") ask
about tasks the training pairs never mention, so held-out accuracy measures more than memorisation.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "packages/codex-ml-offline-rl/src/codex_ml/offline/rl/fixtures"

TASKS = [
    "install a package offline",
    "read a CSV file",
    "sort a list of numbers",
    "reverse a string",
    "count words in a file",
    "write a unit test",
    "parse a JSON document",
    "copy a directory",
    "measure how long a function takes",
    "find duplicate lines",
    "rename many files",
    "merge two dictionaries",
    "compress a folder",
    "check a file exists",
    "train a small model",
    "split a dataset into train and test",
    "plot a histogram",
    "schedule a nightly job",
    "read environment variables",
    "log errors to a file",
    "connect to a local database",
    "hash a password",
    "format a date",
    "profile memory use",
    "resume a stopped download",
    "validate an email address",
    "create a virtual environment",
    "search text with a regular expression",
    "convert a list to a set",
    "round a number to two decimals",
    "join paths safely",
    "read a large file line by line",
]
PROMPTS = [
    "How do I {task}?",
    "Explain how to {task}.",
    "What is a good way to {task}?",
    "Can you show me how to {task}?",
]
CHOSEN = [
    ("Here are the steps to {task}: first check what you have, then {task} with the standard library, and finally "
     "test the result. For example, try it on a small input first."),
    ("To {task}, follow these steps: open a terminal, {task} with one short command, and verify the output. "
     "I can explain each step in more detail if that helps."),
    ("Good question. The simplest way to {task} is to use a well-tested library function. Steps: import it, "
     "call it on your data, and print the result to check it. Here is an example to start from."),
]
REJECTED = {
    "refusal": ["I don't know.", "No idea.", "Not sure, search for it somewhere."],
    "off_topic": [
        "The weather is nice today and my cat likes to sleep in the sun.",
        "Bananas are yellow and trains are fast.",
    ],
    "repetition": ["{word} {word} {word} {word} {word} {word} {word} {word}"],
    "rude": ["That is a stupid question, figure it out yourself.", "Why would anyone ask that? Go away."],
    "destructive": ["Just run rm -rf / and start over.", "Easy: DROP TABLE users; then shutdown the machine."],
}


def pairs(seed: int, held_out_fraction: float = 0.25) -> list[dict[str, str]]:
    rng = random.Random(seed)
    tasks = TASKS[:]
    rng.shuffle(tasks)
    n_held = max(1, round(len(tasks) * held_out_fraction))
    held = set(tasks[:n_held])
    rows = []
    for task in sorted(TASKS):
        for template in PROMPTS:
            kind = rng.choice(sorted(REJECTED))
            rejected = rng.choice(REJECTED[kind]).format(word=rng.choice(task.split()))
            chosen = rng.choice(CHOSEN).format(task=task)
            assert chosen != rejected
            rows.append(
                {
                    "prompt": template.format(task=task),
                    "chosen": chosen,
                    "rejected": rejected,
                    "rejected_kind": kind,
                    "split": "test" if task in held else "train",
                }
            )
    rng.shuffle(rows)
    return rows


def rl_prompts() -> list[dict[str, str]]:
    return [{"prompt": PROMPTS[i % len(PROMPTS)].format(task=task)} for i, task in enumerate(TASKS[:16])]


def write_jsonl(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, sort_keys=True) + "\n" for row in rows), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    data = pairs(args.seed)
    write_jsonl(args.out / "preferences.jsonl", data)
    write_jsonl(args.out / "rl_prompts.jsonl", rl_prompts())
    held = sum(row["split"] == "test" for row in data)
    print(f"wrote {len(data)} preference pairs ({held} held out) and {len(rl_prompts())} prompts to {args.out}")


if __name__ == "__main__":
    main()
