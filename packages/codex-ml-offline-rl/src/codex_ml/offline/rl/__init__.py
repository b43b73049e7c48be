"""Offline reward models and RL agents for codex-ml: length and heuristic rewards, the scripted agent."""
