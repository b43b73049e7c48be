"""Composing the offline/rl config for a test run."""

from __future__ import annotations

from pathlib import Path


def compose_rl(policy_dir: Path, out: Path, *overrides: str):
    from codex_ml.config.compose import compose_config

    scripted = "rl_agent=offline/scripted" in overrides  # the scripted agent has no policy model
    policy = [] if scripted else [f"rl_agent.model_path={policy_dir}"]
    return compose_config("offline/rl", [*policy, f"output_dir={out}", *overrides])
