"""Exception types shared by the core and plugins.

Every error a user can cause derives from :class:`CodexMLError`, so the CLI can print it as one line
and exit non-zero instead of showing a traceback.
"""
from __future__ import annotations


class CodexMLError(Exception):
    """Base class for errors with a message meant for the user."""

    exit_code = 1


class UnknownComponentError(CodexMLError, LookupError):
    """A registry was asked for a name nobody registered."""


class ComponentConflictError(CodexMLError, LookupError):
    """Two distributions registered the same component name."""


class PluginLoadError(CodexMLError):
    """A plugin failed to load while strict mode was on."""


class MissingDependencyError(CodexMLError, ImportError):
    """A component needs an optional dependency that is not installed."""


class ArtifactNotFoundError(CodexMLError, FileNotFoundError):
    """An offline artefact could not be found in any of the searched locations."""


class MalformedArtifactError(CodexMLError, ValueError):
    """An artefact file exists but its content is not what the component expects."""


class InvalidSettingError(MalformedArtifactError):
    """A component setting has the wrong type or is out of range. ``key`` and ``reason`` let the pipeline
    name where the value came from (an override, a config file) instead of the component's own file;
    ``from_file`` is true when the value was read from the component's file itself."""

    def __init__(self, message: str, *, key: str | None = None, reason: str | None = None, from_file: bool = False):
        super().__init__(message)
        self.key, self.reason, self.from_file = key, reason or message, from_file


class UnknownSettingError(CodexMLError, TypeError):
    """A component was given a setting it does not know."""


class PathEscapeError(CodexMLError, ValueError):
    """A relative path from a spec or config resolves (through ``..`` or a symlink) outside its root."""


class ArtifactModifiedError(CodexMLError):
    """An artefact's files do not match its manifest.json."""


class UnsafeWeightsError(MalformedArtifactError):
    """Weights that could only be loaded by running a pickle we cannot prove harmless (a pickle holding more
    than tensors, or any pickle on a torch whose weights-only unpickler has known bypasses)."""
