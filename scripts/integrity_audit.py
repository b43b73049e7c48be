#!/usr/bin/env python
"""Try codex-ml as a hostile or careless user would and count what it refuses cleanly (issue 14).

Four groups, each run for real against the installed CLI (nothing is simulated):

  inputs       bad values on the command line or in a config file: each must exit non-zero with one
               ``<source>: <key>: <reason>`` line per problem and no traceback;
  tampering    artefact folders changed behind the manifest's back: ``catalogue verify`` (default and
               ``--fast``) must fail and name the file;
  kill points  ``kill -9`` at each phase of each save (checkpoint and final/); the resumed run must end
               with the same final weights and the same metrics.jsonl lines (timing fields aside) as an
               uninterrupted run, and no temporary folder may be left;
  concurrent   N runs started at once into one output_dir: exactly one runs, the others exit 1 naming
               the holder or the existing run, and the winner's history is whole.

    python scripts/integrity_audit.py                  # all groups; prints a Markdown table
    python scripts/integrity_audit.py --groups inputs,tampering,concurrency   # no torch needed
    python scripts/integrity_audit.py --json out.json

Needs codex-ml with its offline distributions; the kill points also need torch (MiniLM is trained).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TINY = ["train", "-q", "-cn", "offline/tiny_fixtures"]
MINILM = ["train", "-q", "--skip-doctor", "model=offline/minilm", "training.max_steps=6",
          "training.checkpoint_interval=2", "training.log_interval=1"]
#: (fault point, n-th save): saves 1-3 are checkpoints 2, 4, 6; save 4 is final/.
KILL_POINTS = [(phase, nth) for nth in (2, 4) for phase in ("save:before-rename", "save:during-rename",
                                                             "save:after-rename")]
BAD_OVERRIDES = [
    "seed=abc", "seed=1.5", "seed=-3", "training.max_steps=abc", "training.max_steps=0", "training.max_steps=-5",
    "training.learning_rate=nan", "training.learning_rate=inf", "training.learning_rate=-1",
    "training.learning_rate=abc", "training.weight_decay=nan", "training.weight_decay=-inf",
    "training.max_grad_norm=inf", "training.batch_size=0", "training.log_interval=true",
    "training.eval_fraction=1.5", "training.min_lr_ratio=nan", "evaluation.max_samples=abc",
    "evaluation.max_samples=0", "rollout.max_records=-1", "rollout.max_records=x", "overwrite=maybe",
]
BAD_CONFIG_FILES = {"seed: twelve": "seed", "rollout: {max_records: many}": "rollout.max_records",
                    "evaluation: {max_samples: .nan, dataset: {plugin: 'offline:tiny-eval'}}": "evaluation.max_samples"}


def cli(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codex_ml.cli", *args], cwd=cwd, env=env or base_env(),
                          capture_output=True, text=True, timeout=timeout, check=False)


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_")}
    env.update({"CODEX_ML_PLUGIN_CACHE": "0", "OMP_NUM_THREADS": "1", **extra})
    return env


def clean_refusal(result: subprocess.CompletedProcess, key: str) -> bool:
    first = result.stderr.strip().splitlines()[:1]
    return (result.returncode != 0 and "Traceback" not in result.stderr and bool(first)
            and f": {key}: " in result.stderr)


def audit_inputs(work: Path) -> dict:
    cases = []
    for override in BAD_OVERRIDES:
        key = override.split("=", 1)[0]
        result = cli([*TINY, override], work)
        cases.append({"input": override, "exit": result.returncode, "clean": clean_refusal(result, key),
                      "message": result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""})
    configs = work / "configs"
    configs.mkdir(exist_ok=True)
    for index, (body, key) in enumerate(BAD_CONFIG_FILES.items()):
        (configs / f"bad{index}.yaml").write_text(f"defaults:\n  - offline/tiny_fixtures\n  - _self_\n{body}\n")
        result = cli(["train", "-q", "-cd", str(configs), "-cn", f"bad{index}"], work)
        clean = clean_refusal(result, key) and f"bad{index}.yaml: {key}:" in result.stderr
        cases.append({"input": f"config file: {body}", "exit": result.returncode, "clean": clean,
                      "message": result.stderr.strip().splitlines()[0] if result.stderr.strip() else ""})
    return {"tried": len(cases), "refused_cleanly": sum(c["clean"] for c in cases), "cases": cases}


def _corpus_root(root: Path) -> Path:
    from codex_ml.artifacts.manifest import write_manifest

    data = root / "data" / "offline"
    data.mkdir(parents=True)
    (data / "tiny_corpus.txt").write_text("hello world\noffline first\nfixtures are tiny\n")
    past = time.time() - 100
    os.utime(data / "tiny_corpus.txt", (past, past))
    write_manifest(data, name="offline", source="audit")
    return data


def _bundle(root: Path) -> Path:
    from codex_ml.artifacts.manifest import write_manifest

    root.mkdir(parents=True)
    (root / "config.json").write_text('{"model_type": "gpt2"}')
    (root / "model.safetensors").write_bytes(b"\x00" * 64)
    write_manifest(root, name="bundle", source="audit")
    return root


def _same_size_restored_mtime(data: Path) -> None:
    target = data / "tiny_corpus.txt"
    stat = target.stat()
    target.write_text(target.read_text().replace("hello", "HELLO"))
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _swap_inode(data: Path) -> None:
    target = data / "tiny_corpus.txt"
    stat = target.stat()
    other = data / ".swap"
    other.write_text(target.read_text().replace("tiny", "TINY"))
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(other, target)


def _shard_index(bundle: Path, shard: str) -> None:
    from codex_ml.artifacts.manifest import write_manifest

    (bundle.parent / "elsewhere.safetensors").write_bytes(b"\x01" * 64)
    (bundle / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": shard}}))
    write_manifest(bundle, name="bundle", source="audit")  # the index itself is recorded: only its target is wrong


def _symlink_out(bundle: Path) -> None:
    from codex_ml.artifacts.manifest import write_manifest

    outside = bundle.parent / "outside.safetensors"
    outside.write_bytes(b"\x00" * 64)
    (bundle / "model.safetensors").unlink()
    (bundle / "model.safetensors").symlink_to(outside)
    write_manifest(bundle, name="bundle", source="audit")


def _symlinked_dir_out(bundle: Path) -> None:
    from codex_ml.artifacts.manifest import write_manifest

    outside = bundle.parent / "weights"
    outside.mkdir()
    (outside / "shard.safetensors").write_bytes(b"\x02" * 16)
    (bundle / "weights").symlink_to(outside, target_is_directory=True)
    (bundle / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": "weights/shard.safetensors"}}))
    write_manifest(bundle, name="bundle", source="audit")


def _unreadable_manifest(data: Path) -> None:
    (data / "manifest.json").unlink()
    (data / "manifest.json").mkdir()


#: name -> (folder kind, tampering, what the failure must name)
TAMPERING = {
    "same-size edit, mtime restored": ("corpus", _same_size_restored_mtime, "modified: tiny_corpus.txt (sha256"),
    "file replaced (new inode), same size and mtime": ("corpus", _swap_inode, "modified: tiny_corpus.txt (sha256"),
    "truncated file": ("corpus", lambda d: (d / "tiny_corpus.txt").write_text("hello"), "modified: tiny_corpus.txt (size"),
    "deleted weight file": ("bundle", lambda b: (b / "model.safetensors").unlink(), "missing: model.safetensors"),
    "missing manifest.json": ("corpus", lambda d: (d / "manifest.json").unlink(), "no manifest.json"),
    "unreadable manifest.json": ("corpus", _unreadable_manifest, "manifest.json"),
    "manifest.json not JSON": ("corpus", lambda d: (d / "manifest.json").write_text("{not json"), "invalid JSON"),
    "shard index: ../ shard": ("bundle", lambda b: _shard_index(b, "../elsewhere.safetensors"), "'../elsewhere"),
    "shard index: absolute shard": ("bundle", lambda b: _shard_index(b, str(b.parent / "elsewhere.safetensors")),
                                    "must be relative"),
    "weight file symlinked outside": ("bundle", _symlink_out, "outside the folder: model.safetensors"),
    "folder symlinked outside, via shard index": ("bundle", _symlinked_dir_out, "'weights/shard.safetensors'"),
    "pickle dropped in beside the weights": ("bundle", lambda b: (b / "pytorch_model.bin").write_bytes(b"x"),
                                             "not in manifest: pytorch_model.bin"),
    "weights edited, same size": ("bundle", lambda b: (b / "model.safetensors").write_bytes(b"\x07" * 64),
                                  "modified: model.safetensors (sha256"),
}


def audit_tampering(work: Path) -> dict:
    cases = []
    for name, (kind, tamper, named) in TAMPERING.items():
        for fast in (False, True):
            case = work / f"tamper-{len(cases)}"
            env = base_env(CODEX_ML_CACHE_DIR=str(case / "cache"))
            os.environ["CODEX_ML_CACHE_DIR"] = env["CODEX_ML_CACHE_DIR"]  # the in-process manifest writes too
            if kind == "corpus":
                root = case / "project"
                data = _corpus_root(root)
                env["CODEX_ML_PROJECT_ROOT"] = str(root)
                args = ["catalogue", "verify", "offline:tiny-corpus"]
                cli(args, case, env)  # hashes and caches the pristine file
                tamper(data)
            else:
                bundle = _bundle(case / "bundle")
                args = ["catalogue", "verify", "--root", str(bundle)]
                cli(args, case, env)
                tamper(bundle)
            result = cli([*args, *(["--fast"] if fast else [])], case, env)
            output = result.stdout + result.stderr
            caught = result.returncode != 0 and "Traceback" not in output and named in output
            cases.append({"tampering": name, "mode": "--fast" if fast else "default", "exit": result.returncode,
                          "caught": caught, "output": output.strip().splitlines()})
    os.environ.pop("CODEX_ML_CACHE_DIR", None)
    return {"tried": len(cases), "caught": sum(c["caught"] for c in cases), "cases": cases}


def _metrics(run: Path) -> list[dict]:
    return [{k: v for k, v in json.loads(line).items() if k != "tokens_per_second"}
            for line in (run / "metrics.jsonl").read_text().splitlines()]


def _leftovers(run: Path) -> list[str]:
    return [p.name for folder in (run, run / "checkpoints") if folder.is_dir()
            for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name]


def audit_kill_points(work: Path) -> dict:
    straight = work / "straight"
    result = cli([*MINILM, f"output_dir={straight}"], work)
    if result.returncode != 0:
        raise SystemExit(f"the uninterrupted run failed:\n{result.stderr}")
    weights = (straight / "final" / "model.safetensors").read_bytes()
    cases = []
    for phase, nth in KILL_POINTS:
        run = work / f"kill-{phase.split(':')[1]}-{nth}"
        killed = cli([*MINILM, f"output_dir={run}"], work, base_env(CODEX_ML_FAULT_AT=f"{phase}:{nth}"))
        resumed = cli([*MINILM, f"output_dir={run}", "training.resume=true"], work)
        survived = (killed.returncode == -9 and resumed.returncode == 0 and not _leftovers(run)
                    and _metrics(run) == _metrics(straight)
                    and (run / "final" / "model.safetensors").read_bytes() == weights)
        cases.append({"kill": f"{phase}:{nth}", "save": "final/" if nth == 4 else f"checkpoint-{2 * nth}",
                      "killed_exit": killed.returncode, "resume_exit": resumed.returncode, "survived": survived})
    return {"tried": len(cases), "survived": sum(c["survived"] for c in cases), "cases": cases}


def audit_concurrency(work: Path, runs: int) -> dict:
    out = work / "shared-run"
    command = [sys.executable, "-m", "codex_ml.cli", *TINY, f"output_dir={out}"]
    procs = [subprocess.Popen(command, cwd=work, env=base_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(runs)]
    results = [(p.wait(timeout=600), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    clean = [code == 1 and "Traceback" not in err and ("in use by pid" in err or "already holds a run" in err)
             for code, err in results]
    steps = [json.loads(line)["step"] for line in (out / "metrics.jsonl").read_text().splitlines()
             if json.loads(line)["phase"] == "train"]
    return {"started": runs, "ran": sum(code == 0 for code, _ in results), "refused_cleanly": sum(clean),
            "history_whole": steps == [1, 2, 3]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--groups", default="inputs,tampering,concurrency,kill_points",
                        help="Comma-separated subset of: inputs, tampering, concurrency, kill_points (needs torch).")
    parser.add_argument("--concurrent", type=int, default=4, help="Runs started at once into one directory.")
    parser.add_argument("--json", type=Path, help="Also write every case to this file.")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="codex-ml-integrity-"))
    try:
        started = time.perf_counter()
        groups = {"inputs": lambda: audit_inputs(work), "tampering": lambda: audit_tampering(work),
                  "concurrency": lambda: audit_concurrency(work, args.concurrent),
                  "kill_points": lambda: audit_kill_points(work)}
        report = {name: groups[name]() for name in args.groups.split(",")}
        report["seconds"] = round(time.perf_counter() - started, 1)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")
    print("| Check | Tried | Handled |")
    print("|---|---|---|")
    failures = []
    if "inputs" in report:
        inputs = report["inputs"]
        print(f"| bad inputs (overrides, config files) | {inputs['tried']} | {inputs['refused_cleanly']} refused cleanly |")
        failures += [c for c in inputs["cases"] if not c["clean"]]
    if "tampering" in report:
        tampering = report["tampering"]
        print(f"| tampered artefacts (`catalogue verify`, default and `--fast`) | {tampering['tried']} | "
              f"{tampering['caught']} caught, naming the file |")
        failures += [c for c in tampering["cases"] if not c["caught"]]
    if "kill_points" in report:
        kills = report["kill_points"]
        print(f"| kill -9 points (before/during/after rename; checkpoint and final/) | {kills['tried']} | "
              f"{kills['survived']} survived (same weights, same metrics.jsonl) |")
        failures += [c for c in kills["cases"] if not c["survived"]]
    if "concurrency" in report:
        concurrency = report["concurrency"]
        print(f"| concurrent runs into one directory | {concurrency['started']} | {concurrency['ran']} ran, "
              f"{concurrency['refused_cleanly']} refused cleanly, history whole: {concurrency['history_whole']} |")
        if concurrency["ran"] != 1 or not concurrency["history_whole"]:
            failures.append(concurrency)
    for case in failures:
        print(f"NOT HANDLED: {json.dumps(case)}", file=sys.stderr)
    print(f"\n{report['seconds']} s")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
