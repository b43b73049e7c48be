"""Finding offline artefacts: one resolver shared by every component."""
from codex_ml.artifacts.resolver import Candidate, Resolution, project_root, resolve
from codex_ml.artifacts.spec import ArtifactSpec

__all__ = ["ArtifactSpec", "Candidate", "Resolution", "project_root", "resolve"]
