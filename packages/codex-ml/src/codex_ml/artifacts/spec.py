"""Where one component's artefact may live, declared by the plugin that registers it."""
from __future__ import annotations

from dataclasses import dataclass

#: The kind directory variables and the seed-layout folder each one replaces.
KIND_DIRECTORIES: dict[str, str] = {
    "CODEX_ML_OFFLINE_MODELS_DIR": "artifacts/models",
    "CODEX_ML_OFFLINE_RL_DIR": "artifacts/rl",
    "CODEX_ML_OFFLINE_DATASETS_DIR": "data/offline",
    "CODEX_ML_OFFLINE_METRICS_DIR": "data/offline",
    "CODEX_ML_OFFLINE_CONFIGS_DIR": "data/offline",
}


@dataclass(frozen=True)
class ArtifactSpec:
    """The search rules for one artefact.

    ``relpath`` is the artefact's path below its kind directory, e.g. ``tiny_tokenizer/vocab.json``
    below ``CODEX_ML_OFFLINE_MODELS_DIR`` (seed layout ``artifacts/models``). A directory artefact
    (``is_dir=True``, e.g. a GPT-2 checkpoint) names the directory and ``required`` lists files it must
    contain. ``package`` names the distribution's package that ships a copy at ``fixtures/<relpath>``
    (read with ``importlib.resources``); ``None`` when nothing small enough ships (real weights).
    """

    env_var: str
    dir_var: str
    relpath: str
    is_dir: bool = False
    required: tuple[str, ...] = ()
    package: str | None = None

    def __post_init__(self) -> None:
        from codex_ml.artifacts.paths import check_relative

        check_relative(self.relpath, what="artifact relpath")
        for name in self.required:
            check_relative(name, what="required file")
        if self.dir_var not in KIND_DIRECTORIES:
            raise ValueError(f"unknown kind directory variable {self.dir_var!r}; expected one of {sorted(KIND_DIRECTORIES)}")

    @property
    def layout_path(self) -> str:
        """The artefact's path in the seed layout, relative to the project root."""
        return f"{KIND_DIRECTORIES[self.dir_var]}/{self.relpath}"

    @property
    def fixture_path(self) -> str | None:
        """The packaged copy's path inside ``package``."""
        return f"fixtures/{self.relpath}" if self.package else None

    @property
    def filename(self) -> str:
        """The file name appended when a directory is given for a file artefact."""
        return self.relpath.rsplit("/", 1)[-1]

    @property
    def variables(self) -> tuple[str, str]:
        return (self.env_var, self.dir_var)
