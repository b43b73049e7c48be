"""Config composition for ``codex-ml train`` and ``evaluate``: Hydra's compose API over the core's
primary configs plus the fragments each installed distribution contributes.

Importing this package imports nothing heavy; Hydra is imported only when a config is composed.
"""
