"""Every error a user can cause, in one module: the core's and the component distributions'.

Each derives from :class:`CodexMLError` (some also from the matching built-in, so ``except
FileNotFoundError`` keeps working), so the CLI prints it as one line and exits with the code that
:func:`exit_code` looks up in :data:`EXIT_CODES` instead of showing a traceback.
"""
from __future__ import annotations


class CodexMLError(Exception):
    """Base class for errors with a message meant for the user."""


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


class ConfigError(CodexMLError):
    """A config could not be composed (bad overrides, unknown options, malformed fragments); the message
    carries Hydra's reason and what is available."""


class ComponentConfigError(CodexMLError):
    """A component node in the config is missing or malformed."""


class NetworkBlockedError(CodexMLError):
    """A connection to a non-loopback host was attempted while offline mode was on.

    Deliberately not an ``OSError``: libraries treat those as a flaky network and retry or fall back
    silently, which is exactly what the guard exists to expose.
    """


class ResumeMismatchError(CodexMLError):
    """The checkpoint was written by a run with a different configuration or different data."""


class RunNotFoundError(CodexMLError, LookupError):
    """``codex-ml runs``: the named run is not a run directory under the runs folder."""


class RunLockedError(CodexMLError):
    """Another process holds the run directory's lock (the message names its pid, host and start time)."""


class RunDirectoryExistsError(CodexMLError):
    """The output directory already holds a run and neither resume nor overwrite was asked for."""


class DoctorBlockedError(CodexMLError):
    """``train``/``evaluate`` refused to start: a doctor check found a blocking problem."""


class NonFiniteLossError(CodexMLError):
    """The loss (or the weights) became NaN or infinite; the run stopped before saving anything bad."""


class DeviceError(CodexMLError):
    """The configured training device or precision is not available on this machine."""


class TrackerMissingError(CodexMLError):
    """A tracker named in ``training.report_to`` is not installed."""


class RecordSchemaError(CodexMLError, ValueError):
    """A dataset record lacks the field a stage reads (or is neither text nor a mapping)."""


class PreferenceError(RecordSchemaError):
    """A preference pair is malformed (a missing field, or chosen equal to rejected)."""


class AgentContractError(CodexMLError):
    """An RL agent returned something other than what the RL agent contract says."""


class AgentSettingsError(ComponentConfigError, ValueError):
    """A learning agent's setting is out of range (a config problem: exit 2)."""


class RLConfigError(ConfigError, ValueError):
    """The RL loop's settings, reward models or prompt set are not usable (a config problem: exit 2)."""


class NonFiniteRewardError(CodexMLError):
    """Too many RL steps in a row had a NaN or infinite reward."""


class EvaluationError(CodexMLError, ValueError):
    """The model and the evaluation set cannot be scored together."""


class ScoringRequestError(CodexMLError, ValueError):
    """A scoring request that cannot be scored (an empty continuation, one longer than the model's window)."""


#: Exit codes by error type; the first entry an error is an instance of wins. Config problems exit
#: 2 like a usage error, so scripts can tell them from a failed run (1).
EXIT_CODES: tuple[tuple[type[BaseException], int], ...] = (
    (ConfigError, 2),
    (ComponentConfigError, 2),
    (CodexMLError, 1),
)
#: Ctrl-C, as shells report it.
INTERRUPTED = 130


def exit_code(error: BaseException) -> int:
    """The process exit code for ``error`` (1 for anything not in :data:`EXIT_CODES`)."""
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    return 1
