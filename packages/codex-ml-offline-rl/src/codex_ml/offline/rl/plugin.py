"""Registers this distribution's reward models, RL agents, trainers and datasets. Imports nothing heavy."""
from codex_ml.artifacts.spec import ArtifactSpec
from codex_ml.plugins import hookimpl

PACKAGE = "codex_ml.offline.rl"
LENGTH_REWARD = ArtifactSpec("CODEX_ML_LENGTH_REWARD_PATH", "CODEX_ML_OFFLINE_METRICS_DIR", "length_reward.json", package=PACKAGE)
SCRIPTED_POLICY = ArtifactSpec("CODEX_ML_SCRIPTED_AGENT_PATH", "CODEX_ML_OFFLINE_RL_DIR", "scripted_agent/policy.json", package=PACKAGE)
RL_PROMPTS = ArtifactSpec("CODEX_ML_RL_PROMPTS_PATH", "CODEX_ML_OFFLINE_DATASETS_DIR", "rl_prompts.jsonl",
                          package=PACKAGE)
PREFERENCES = ArtifactSpec("CODEX_ML_PREFERENCES_PATH", "CODEX_ML_OFFLINE_DATASETS_DIR", "preferences.jsonl",
                           package=PACKAGE)
BRADLEY_TERRY = ArtifactSpec("CODEX_ML_BRADLEY_TERRY_PATH", "CODEX_ML_OFFLINE_RL_DIR", "bradley_terry", is_dir=True,
                             required=("config.json",))
POLICY_REQUIRES = ("torch", "transformers", "safetensors")


@hookimpl
def register_reward_models(register):
    register("offline:length", "codex_ml.offline.rl.rewards:load_length_reward",
             summary="offset + scale x completion characters, from length_reward.json", artifact=LENGTH_REWARD)
    register("offline:heuristic", "codex_ml.offline.rl.rewards:HeuristicRewardModel",
             summary="In-memory helpfulness/safety heuristic clamped to [-1, 1]")
    register("offline:bradley-terry", "codex_ml.offline.rl.bradley_terry:load_bradley_terry_reward",
             summary="Sequence-classification reward model trained on preference pairs (Bradley-Terry)",
             requires=POLICY_REQUIRES, extra="torch", artifact=BRADLEY_TERRY)


@hookimpl
def register_rl_agents(register):
    register("offline:scripted", "codex_ml.offline.rl.scripted:load_scripted_agent",
             summary="Replays the actions in policy.json, cycling or holding the last (no learning)",
             artifact=SCRIPTED_POLICY)
    register("offline:grpo", "codex_ml.offline.rl.policy_agent:load_grpo_agent",
             summary="GRPO: G samples per prompt, group-normalised advantages, clipped ratio, optional KL",
             requires=POLICY_REQUIRES, extra="torch")
    register("offline:rloo", "codex_ml.offline.rl.policy_agent:load_rloo_agent",
             summary="RLOO: the GRPO loop with a leave-one-out baseline", requires=POLICY_REQUIRES, extra="torch")


@hookimpl
def register_trainers(register):
    register("offline:bradley-terry", "codex_ml.offline.rl.bradley_terry:load_bradley_terry_trainer",
             summary="Trains a reward model on {prompt, chosen, rejected} pairs; reports held-out pair accuracy",
             requires=POLICY_REQUIRES, extra="torch")


@hookimpl
def register_datasets(register):
    register("offline:rl-prompts", "codex_ml.offline.rl.jsonl_records:load_rl_prompts",
             summary="Prompts for RL from rewards, one {\"prompt\": ...} per JSONL line", artifact=RL_PROMPTS)
    register("offline:preferences", "codex_ml.offline.rl.jsonl_records:load_preferences",
             summary="Preference pairs {prompt, chosen, rejected}, one per JSONL line", artifact=PREFERENCES)


@hookimpl
def config_searchpath():
    """This distribution's Hydra fragments (conf/<group>/offline/<name>.yaml)."""
    from pathlib import Path

    return str(Path(__file__).resolve().parent / "conf")


@hookimpl
def register_commands(cli):
    """``codex-ml rl``, imported only when it runs."""
    from codex_ml.cli.lazy import LazyCommand

    cli.add_command(LazyCommand("rl", "codex_ml.offline.rl.command:rl",
                                "Train an RL agent from rewards (GRPO, RLOO); writes a run directory."))
