"""The record schema in `codex-ml train`: the functional trainer reads `text` (else prompt + completion), the
rollout reads `rollout.prompt_field` (else `prompt`, then `text`); a record without it is an error naming it."""

from __future__ import annotations

import json

import pytest
from codex_ml.errors import RecordSchemaError
from codex_ml.formats.records import prompt_of
from pipeline_helpers import read_jsonl, run_cli


def test_prompt_of():
    assert prompt_of("plain text") == "plain text"
    assert prompt_of({"prompt": "p", "text": "t"}) == "p"
    assert prompt_of({"text": "t"}) == "t"
    assert prompt_of({"q": "x", "prompt": "p"}, "q") == "x"
    with pytest.raises(RecordSchemaError, match=r"dataset record 3 has no 'q' field .*rollout.prompt_field"):
        prompt_of({"prompt": "p"}, "q", index=3)
    with pytest.raises(RecordSchemaError, match="field 'prompt' holds a int, expected text"):
        prompt_of({"prompt": 5})
    with pytest.raises(RecordSchemaError, match=r"is a list, not text or a mapping: \['a'\]"):
        prompt_of(["a"])


@pytest.fixture
def jsonl(tmp_path):
    def write(*records):
        path = tmp_path / "records.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records))
        return path

    return write


def test_train_reads_the_named_fields(tmp_path, jsonl):
    data = jsonl(
        {"text": "hello world", "question": "offline first"}, {"text": "more", "question": "fixtures are tiny"}
    )
    result = run_cli(
        [
            "train",
            "-q",
            "-cn",
            "offline/tiny_fixtures",
            "data=offline/rl_prompts",
            f"dataset_loader.path={data}",
            "rollout.prompt_field=question",
            f"output_dir={tmp_path / 'run'}",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    rollouts = [r for r in read_jsonl(tmp_path / "run" / "metrics.jsonl") if r["phase"] == "rollout"]
    assert [r["prompt"] for r in rollouts] == ["offline first", "fixtures are tiny"]


def test_a_record_without_the_field_is_an_error_naming_it(tmp_path, jsonl):
    data = jsonl({"text": "fine"}, {"body": "no text here"})
    result = run_cli(
        ["train", "-q", "-cn", "offline/tiny_fixtures", "data=offline/rl_prompts", f"dataset_loader.path={data}"],
        tmp_path,
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "training record 1 has no 'text' or 'prompt' field (it has ['body'])" in result.stderr
    data = jsonl({"text": "fine"})
    result = run_cli(
        [
            "train",
            "-q",
            "-cn",
            "offline/tiny_fixtures",
            "data=offline/rl_prompts",
            f"dataset_loader.path={data}",
            "rollout.prompt_field=question",
        ],
        tmp_path,
    )
    assert result.returncode != 0 and "dataset record 0 has no 'question' field (it has ['text'])" in result.stderr
