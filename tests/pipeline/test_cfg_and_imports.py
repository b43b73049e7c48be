"""``--cfg`` prints the composed config without importing torch; listing and help import no hydra."""
from __future__ import annotations

import subprocess
import sys

import yaml
from pipeline_helpers import cli_env, run_cli

PROBE = """
import sys
from codex_ml.cli.main import main
try:
    main({args!r})
except SystemExit as exc:
    code = exc.code
print("HEAVY=" + ",".join(m for m in ("torch", "transformers", "hydra", "omegaconf") if m in sys.modules))
"""


def _heavy_modules(args, cwd):
    out = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], cwd=cwd, env=cli_env(), capture_output=True,
                         text=True, timeout=120, check=False)
    line = [l for l in out.stdout.splitlines() if l.startswith("HEAVY=")][-1]
    return set(filter(None, line[len("HEAVY="):].split(","))), out


def test_cfg_prints_the_catalogue_without_torch(tmp_path):
    heavy, out = _heavy_modules(["train", "-cn", "offline/catalogue", "--cfg"], tmp_path)
    assert not heavy & {"torch", "transformers"}, heavy
    config = yaml.safe_load(out.stdout.split("HEAVY=")[0])
    assert config["model"]["plugin"] == "offline:gpt2" and config["tokenizer"]["plugin"] == "offline:gpt2"
    assert config["reward_model"]["plugin"] == "offline:heuristic" and config["rl_agent"]["plugin"] == "offline:scripted"
    assert set(config["metrics"]) == {"weighted_accuracy", "accuracy", "exact_match"}
    assert not (tmp_path / "runs").exists()


def test_help_and_listing_import_no_hydra(tmp_path):
    for args in (["--help"], ["train", "--help"], ["evaluate", "--help"]):
        heavy, _ = _heavy_modules(args, tmp_path)
        assert not heavy, (args, heavy)


def test_cfg_shows_overrides_and_leaves_artefact_variables_to_the_resolver(tmp_path):
    env = cli_env(CODEX_ML_WEIGHTED_ACCURACY_PATH=str(tmp_path / "w.json"))
    result = subprocess.run([sys.executable, "-m", "codex_ml.cli", "evaluate", "--cfg", "metrics/offline/weighted_accuracy",
                             "model.name=MiniLM", "training.max_steps=7", "+extra.note=hi"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    # Fragments no longer copy CODEX_ML_*_PATH into `path`: the core's resolver reads the variable, once.
    assert config["metrics"]["weighted_accuracy"]["path"] is None
    assert config["model"]["name"] == "MiniLM" and config["training"]["max_steps"] == 7
    assert config["extra"] == {"note": "hi"}


def test_guide_command_composes_the_offline_interfaces(tmp_path):
    result = run_cli(["train", "-cn", "config", "model=offline/gpt2", "tokenizer=offline/gpt2", "data=offline/tiny_corpus",
                      "training=offline/functional", "interfaces=offline", "--cfg"], tmp_path)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert config["reward_model"] == {"plugin": "offline:heuristic", "kwargs": {}}
    assert config["rl_agent"]["plugin"] == "offline:scripted"
    assert config["dataset_loader"]["plugin"] == "offline:tiny-corpus"
