"""Reading small text and JSON artefacts with errors that name the file and what is wrong with it."""
from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from codex_ml.errors import MalformedArtifactError

_TYPE_NAMES = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list", dict: "an object"}


def _type_name(expected: type | tuple[type, ...]) -> str:
    types = expected if isinstance(expected, tuple) else (expected,)
    return " or ".join(_TYPE_NAMES.get(t, t.__name__) for t in types)


def _matches(value: Any, expected: type | tuple[type, ...]) -> bool:
    types = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(value, bool) and bool not in types:
        return False  # JSON true is not a number here
    if float in types and isinstance(value, int) and not isinstance(value, bool):
        return True
    return isinstance(value, types)


def read_text(path: Path) -> str:
    """``path`` as UTF-8 text; other bytes are a :class:`MalformedArtifactError`, not a traceback."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedArtifactError(f"{path}: not UTF-8 text ({exc.reason})") from exc


def read_json(path: Path) -> Any:
    """Parse ``path`` as JSON, turning syntax errors into :class:`MalformedArtifactError`."""
    text = read_text(path)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedArtifactError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


def read_jsonl_objects(path: Path, expected: str = "a JSON object") -> Iterator[tuple[str, dict[str, Any]]]:
    """Each non-blank line of a JSONL file as ``(where, object)``, ``where`` being ``path:line`` for messages;
    a line that is not valid JSON or not an object is a :class:`MalformedArtifactError` naming the line."""
    for number, line in enumerate(read_text(path).splitlines(), 1):
        if not line.strip():
            continue
        where = f"{path}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MalformedArtifactError(f"{where}: invalid JSON at column {exc.colno}: {exc.msg}") from exc
        if not isinstance(data, dict):
            raise MalformedArtifactError(f"{where}: expected {expected}, found {_type_name(type(data))}")
        yield where, data


def read_json_object(
    path: Path,
    *,
    required: Mapping[str, type | tuple[type, ...]] = {},
    optional: Mapping[str, type | tuple[type, ...]] = {},
    allow_extra: bool = True,
) -> dict[str, Any]:
    """Read a JSON object and check the keys' presence and types."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise MalformedArtifactError(f"{path}: expected a JSON object, found {_type_name(type(data))}")
    missing = [key for key in required if key not in data]
    if missing:
        raise MalformedArtifactError(f"{path}: missing required key(s) {', '.join(map(repr, missing))}")
    for key, expected in {**required, **optional}.items():
        if key in data and not _matches(data[key], expected):
            raise MalformedArtifactError(
                f"{path}: key {key!r} must be {_type_name(expected)}, found {json.dumps(data[key])}"
            )
    if not allow_extra:
        unknown = sorted(set(data) - set(required) - set(optional))
        if unknown:
            raise MalformedArtifactError(
                f"{path}: unknown key(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(sorted({**required, **optional}))}"
            )
    return data
