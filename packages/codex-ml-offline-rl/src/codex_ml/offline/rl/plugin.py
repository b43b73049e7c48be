"""Registers this distribution's reward models and RL agents. Imports nothing heavy."""
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.plugins import hookimpl

PACKAGE = "codex_ml.offline.rl"
LENGTH_REWARD = ArtifactSpec("CODEX_ML_LENGTH_REWARD_PATH", "CODEX_ML_OFFLINE_METRICS_DIR", "length_reward.json", package=PACKAGE)
SCRIPTED_POLICY = ArtifactSpec("CODEX_ML_SCRIPTED_AGENT_PATH", "CODEX_ML_OFFLINE_RL_DIR", "scripted_agent/policy.json", package=PACKAGE)


@hookimpl
def register_reward_models(register):
    register("offline:length", "codex_ml.offline.rl.rewards:load_length_reward",
             summary="offset + scale x completion characters, from length_reward.json", artifact=LENGTH_REWARD)
    register("offline:heuristic", "codex_ml.offline.rl.rewards:HeuristicRewardModel",
             summary="In-memory helpfulness/safety heuristic clamped to [-1, 1]")


@hookimpl
def register_rl_agents(register):
    register("offline:scripted", "codex_ml.offline.rl.scripted:load_scripted_agent",
             summary="Replays the actions in policy.json, cycling or holding the last", artifact=SCRIPTED_POLICY)


@hookimpl
def config_searchpath():
    """This distribution's Hydra fragments (conf/<group>/offline/<name>.yaml)."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "conf")
