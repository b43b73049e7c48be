"""apply_offline_environment: defaults fill gaps, user values win, TRANSFORMERS_CACHE is honoured with a warning."""
from __future__ import annotations

import os
import warnings

import pytest
from codex_ml.utils import offline
from hardening_helpers import run_python


def apply(env):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning unless a test expects one
        return offline.apply_offline_environment(env)


def test_empty_environment_gets_offline_flags_caches_and_telemetry_off(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    applied = apply(env)
    home = str(tmp_path / "huggingface")
    assert env["HF_HOME"] == home
    assert env["HF_HUB_CACHE"] == os.path.join(home, "hub")
    assert env["HF_DATASETS_CACHE"] == os.path.join(home, "datasets")
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE", "HF_HUB_DISABLE_TELEMETRY"):
        assert env[name] == "1"
    assert env["WANDB_MODE"] == "disabled"
    assert set(applied) == set(env) - {"XDG_CACHE_HOME"}


def test_values_the_user_set_are_kept(tmp_path):
    env = {"HF_HOME": str(tmp_path / "hf"), "HF_HUB_OFFLINE": "0", "HF_DATASETS_CACHE": "/data/ds", "WANDB_MODE": "offline"}
    applied = apply(env)
    assert env["HF_HUB_OFFLINE"] == "0" and env["WANDB_MODE"] == "offline" and env["HF_DATASETS_CACHE"] == "/data/ds"
    assert env["HF_HUB_CACHE"] == str(tmp_path / "hf" / "hub")  # derived from the user's HF_HOME
    assert not {"HF_HOME", "HF_HUB_OFFLINE", "HF_DATASETS_CACHE", "WANDB_MODE"} & set(applied)


def test_legacy_hub_cache_variable_is_respected():
    env = {"HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy/hub"}
    apply(env)
    assert env["HF_HUB_CACHE"] == "/legacy/hub"


def test_transformers_cache_is_honoured_with_a_warning():
    env = {"HF_HOME": "/hf", "TRANSFORMERS_CACHE": "/old/cache"}
    with pytest.warns(FutureWarning, match="TRANSFORMERS_CACHE is deprecated"):
        offline.apply_offline_environment(env)
    assert env["HF_HUB_CACHE"] == "/old/cache"


def test_transformers_cache_disagreeing_with_hub_cache_is_named():
    env = {"HF_HUB_CACHE": "/new/hub", "TRANSFORMERS_CACHE": "/old/cache"}
    with pytest.warns(FutureWarning, match="disagrees with HF_HUB_CACHE=/new/hub"):
        offline.apply_offline_environment(env)
    assert env["HF_HUB_CACHE"] == "/new/hub"


def test_allow_network_leaves_offline_flags_unset_but_keeps_telemetry_off():
    env = {"HF_HOME": "/hf", "CODEX_ML_ALLOW_NETWORK": "1"}
    apply(env)
    assert not {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"} & set(env)
    assert env["HF_HUB_DISABLE_TELEMETRY"] == "1"


def test_release_removes_only_flags_codex_ml_set(monkeypatch):
    monkeypatch.setattr(offline, "_APPLIED", {})
    for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")  # the user's own
    offline.apply_offline_environment()
    assert offline.applied()["HF_HUB_OFFLINE"] == "1"
    assert sorted(offline.release_offline_flags()) == ["HF_DATASETS_OFFLINE", "HF_HUB_OFFLINE"]
    assert "HF_HUB_OFFLINE" not in os.environ and os.environ["TRANSFORMERS_OFFLINE"] == "1"


def test_cli_entry_sets_the_flags_before_commands_and_imports_nothing_heavy(tmp_path):
    code = (
        "import os, sys\n"
        "from codex_ml.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = sorted(m for m in ('torch', 'transformers', 'huggingface_hub', 'hydra', 'omegaconf') if m in sys.modules)\n"
        "print(os.environ.get('HF_HUB_OFFLINE'), os.environ.get('HF_HUB_CACHE'), heavy)\n"
    )
    result = run_python(["-c", code], env={"HF_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == f"1 {tmp_path / 'hub'} []"


def test_cli_prints_the_deprecation_as_one_plain_line(tmp_path):
    result = run_python(["-m", "codex_ml.cli", "--help"], env={"TRANSFORMERS_CACHE": str(tmp_path)})
    assert result.returncode == 0
    assert result.stderr.strip() == (f"codex-ml: warning: TRANSFORMERS_CACHE is deprecated upstream; using it as "
                                     f"HF_HUB_CACHE={tmp_path}. Set HF_HUB_CACHE (or HF_HOME) instead.")
