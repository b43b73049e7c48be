"""The record schema every stage shares: a dataset record is text or a mapping, and the text a stage
reads comes from a named field. A record without it is an error naming the record, never ``str(record)``
(which would silently feed ``"{'text': ...}"`` to a model)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from codex_ml.errors import RecordSchemaError

#: Where a prompt is looked for when ``rollout.prompt_field`` is not set.
PROMPT_FIELDS = ("prompt", "text")


def _describe(record: Any, limit: int = 120) -> str:
    text = repr(record)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def field_text(
    record: Any,
    fields: Sequence[str],
    *,
    index: int | None = None,
    where: str = "dataset",
    setting: str = "rollout.prompt_field",
) -> str:
    """``record`` itself when it is text, else the first of ``fields`` it holds (which must be text)."""
    at = f"{where} record {index}" if index is not None else f"{where} record"
    if isinstance(record, str):
        return record
    if not isinstance(record, Mapping):
        raise RecordSchemaError(f"{at} is a {type(record).__name__}, not text or a mapping: {_describe(record)}")
    for name in fields:
        if name in record:
            value = record[name]
            if not isinstance(value, str):
                raise RecordSchemaError(
                    f"{at}: field {name!r} holds a {type(value).__name__}, expected text: {_describe(record)}"
                )
            return value
    wanted = " or ".join(repr(f) for f in fields)
    raise RecordSchemaError(
        f"{at} has no {wanted} field (it has {sorted(map(str, record))}): {_describe(record)}; "
        f"name the field that holds the text with {setting}=<field>"
    )


def prompt_of(record: Any, prompt_field: str | None = None, *, index: int | None = None, where: str = "dataset") -> str:
    """The prompt of ``record``: ``prompt_field`` when set, else ``prompt`` then ``text``."""
    fields = (prompt_field,) if prompt_field else PROMPT_FIELDS
    return field_text(record, fields, index=index, where=where)


def training_text(record: Any, index: int | None = None) -> str:
    """A record's training text: a string, or a mapping's ``text`` (else ``prompt`` + ``completion``)."""
    if isinstance(record, Mapping) and "text" not in record and "prompt" in record:
        prompt = field_text(record, ("prompt",), index=index, where="training")
        completion = record.get("completion", "")
        if not isinstance(completion, str):
            raise RecordSchemaError(
                f"training record {index}: field 'completion' holds a {type(completion).__name__}, "
                f"expected text: {_describe(record)}"
            )
        return prompt + completion
    return field_text(
        record, ("text", "prompt"), index=index, where="training", setting="a 'text' field in each record"
    )
