"""The functional trainer's settings: the JSON file, then keyword overrides. Unknown keys are errors."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from codex_ml.artifacts.files import read_json_object
from codex_ml.errors import MalformedArtifactError, UnknownSettingError

_POSITIVE_INTS = ("gradient_accumulation_steps", "max_steps", "log_interval", "batch_size")


@dataclass(frozen=True)
class TrainerConfig:
    learning_rate: float = 1e-3
    gradient_accumulation_steps: int = 1
    max_steps: int = 3
    log_interval: int = 1
    batch_size: int = 1
    seed: int = 0

    @classmethod
    def field_types(cls) -> dict[str, type | tuple[type, ...]]:
        return {f.name: (float if f.type in ("float", float) else int) for f in dataclasses.fields(cls)}

    @classmethod
    def build(cls, file_values: Mapping[str, Any], overrides: Mapping[str, Any], *, source: Path | None = None) -> "TrainerConfig":
        types = cls.field_types()
        unknown = sorted(set(overrides) - set(types))
        if unknown:
            raise UnknownSettingError(
                f"offline:functional: unknown setting(s) {', '.join(map(repr, unknown))}; known: {', '.join(types)}"
            )
        merged = {**file_values, **overrides}
        where = f"{source}" if source else "offline:functional"
        for key, value in merged.items():
            expected = types[key]
            ok = not isinstance(value, bool) and (isinstance(value, (int, float)) if expected is float else isinstance(value, int))
            if not ok:
                raise MalformedArtifactError(f"{where}: {key!r} must be {'a number' if expected is float else 'an integer'}, found {value!r}")
            if key in _POSITIVE_INTS and value < 1:
                raise MalformedArtifactError(f"{where}: {key!r} must be at least 1, found {value!r}")
            if key == "learning_rate" and not value > 0:
                raise MalformedArtifactError(f"{where}: 'learning_rate' must be positive, found {value!r}")
        return cls(**merged)

    @classmethod
    def from_file(cls, path: Path, overrides: Mapping[str, Any]) -> "TrainerConfig":
        values = read_json_object(path, optional=cls.field_types(), allow_extra=False)
        return cls.build(values, overrides, source=path)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
