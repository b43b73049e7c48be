"""codex-ml's evaluator against lm-evaluation-harness 0.4 on the same tiny GPT-2 and the same sets.

lm-eval builds its own requests (a ``multiple_choice`` and a ``loglikelihood_rolling`` task defined in
Python, documents read by ``datasets`` from local JSON) and scores them with its ``HFLM``; codex-ml's
evaluator builds its own from the same JSONL and scores them with ``offline:gpt2``. Every request's
log-likelihood must agree within 1e-4, every ``is_greedy`` exactly, and acc, acc_norm and the
perplexities exactly as lm-eval computes them from its own results. The sets exercise every rule:
trailing whitespace, a newline-ended prompt, an empty prompt, choices that start with a space,
one-token and long choices, shared contexts, a context truncated from the left, texts spanning several
windows, non-ASCII text, and BOS on and off. Runs in the ``lm-eval-parity`` tox environment.
"""
from __future__ import annotations

import json
import os

import pytest
from guards import require

require("transformers")
lm_eval = pytest.importorskip("lm_eval")

from codex_ml.offline.data.evalset import read_evalset
from codex_ml.pipeline.scoring import EvaluationSettings, score_samples

TOL = 1e-4
LONG = "The protocol calls this method when the transport is ready to accept more data. " * 4

MULTIPLE_CHOICE = [
    {"prompt": "The answer is", "choices": ["yes", "no", "maybe"], "gold": 0},
    {"prompt": "Question: is it ready? ", "choices": ["yes it is", "no"], "gold": 1},
    {"prompt": "Question: what does it return?\nAnswer:", "choices": [" a transport", "nothing at all", "None"], "gold": 2},
    {"prompt": "", "choices": ["hello world", "goodbye"], "gold": 0},
    {"prompt": LONG, "choices": ["the end of the data stream for sure", "more"], "gold": 0},
    {"prompt": "Café résumé naïve", "choices": ["über", "日本"], "gold": 1},
    {"prompt": "x", "choices": ["a", "b", "c", "d"], "gold": 3},
]
TEXTS = [{"text": "hello world\n"}, {"text": LONG * 2}, {"text": "Ünïcödé text, with a trailing space "}, {"text": "a"}]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings
    from codex_ml.offline.models.synth import synth_gpt2

    root = tmp_path_factory.mktemp("parity")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CODEX_ML_CACHE_DIR", str(root / "hash-cache"))
        synth_gpt2(root, texts=stdlib_docstrings(max_chars=60_000), vocab_size=400, n_positions=64, n_embd=32,
                   n_layer=2, n_head=2)
    sets = {}
    for name, records in (("mc", MULTIPLE_CHOICE), ("ppl", TEXTS)):
        sets[name] = root / f"{name}.jsonl"
        sets[name].write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return root / "artifacts" / "models" / "gpt2", sets


def lm_eval_task(kind, path):
    from lm_eval.api.task import ConfigurableTask

    common = {"task": f"parity-{kind}", "dataset_path": "json", "dataset_kwargs": {"data_files": {"test": str(path)}},
              "test_split": "test"}
    if kind == "mc":
        config = {**common, "output_type": "multiple_choice", "doc_to_text": lambda d: d["prompt"],
                  "doc_to_choice": lambda d: d["choices"], "doc_to_target": lambda d: d["gold"],
                  "metric_list": [{"metric": "acc"}, {"metric": "acc_norm"}]}
    else:
        config = {**common, "output_type": "loglikelihood_rolling", "doc_to_text": lambda d: "",
                  "doc_to_target": lambda d: d["text"],
                  "metric_list": [{"metric": m} for m in ("word_perplexity", "byte_perplexity", "bits_per_byte")]}
    task = ConfigurableTask(config=config)
    task.build_all_requests()
    return task


def lm_eval_results(lm, task):
    """lm-eval's per-request results (document order) and its per-document metric values."""
    instances = sorted(task.instances, key=lambda i: (i.doc_id, i.idx))
    method = instances[0].request_type
    results = getattr(lm, method)(instances)
    per_doc, start = [], 0
    for doc_id, doc in enumerate(task.eval_docs):
        count = sum(1 for i in instances if i.doc_id == doc_id)
        per_doc.append(task.process_results(doc, results[start:start + count]))
        start += count
    return instances, results, per_doc


@pytest.fixture(scope="module", autouse=True)
def _offline(tmp_path_factory):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("HF_DATASETS_OFFLINE", "1")
        patch.setenv("HF_HOME", str(tmp_path_factory.mktemp("hf-home")))
        yield


@pytest.mark.parametrize("add_bos_token", [None, True])
def test_multiple_choice_matches_lm_eval(setup, add_bos_token):
    from codex_ml.offline.models.hf import load_gpt2_model
    from lm_eval.models.huggingface import HFLM

    model_dir, sets = setup
    lm = HFLM(pretrained=str(model_dir), batch_size=4, device="cpu", add_bos_token=add_bos_token)
    instances, theirs, their_docs = lm_eval_results(lm, lm_eval_task("mc", sets["mc"]))
    ours = score_samples(load_gpt2_model(model_dir, batch_size=3), read_evalset(sets["mc"]).samples, {},
                         EvaluationSettings(add_bos_token=add_bos_token), quiet=True)
    rows = ours["rows"]
    assert [(r["prompt"], " " + c) for r in rows for c in r["choices"]] == [i.args for i in instances]
    mine = [(ll, g) for r in rows for ll, g in zip(r["loglikelihoods"], r["is_greedy"])]
    worst = max(abs(a[0] - b[0]) for a, b in zip(mine, theirs))
    assert worst <= TOL, f"largest |Δ loglikelihood| {worst}"
    assert [g for _, g in mine] == [bool(g) for _, g in theirs]
    assert [(r["acc"], r["acc_norm"]) for r in rows] == [(d["acc"], d["acc_norm"]) for d in their_docs]
    for name in ("acc", "acc_norm"):
        assert ours["scores"][name]["value"] == pytest.approx(sum(d[name] for d in their_docs) / len(rows))


@pytest.mark.parametrize("add_bos_token", [None, True])
def test_perplexity_matches_lm_eval(setup, add_bos_token):
    from codex_ml.offline.models.hf import load_gpt2_model
    from lm_eval.models.huggingface import HFLM

    model_dir, sets = setup
    lm = HFLM(pretrained=str(model_dir), batch_size=4, device="cpu", add_bos_token=add_bos_token)
    task = lm_eval_task("ppl", sets["ppl"])
    _, theirs, their_docs = lm_eval_results(lm, task)
    model = load_gpt2_model(model_dir, batch_size=3)
    assert len(model.tokenizer.encode(TEXTS[1]["text"])) > 2 * model.context_length  # several windows
    ours = score_samples(model, read_evalset(sets["ppl"]).samples, {}, EvaluationSettings(add_bos_token=add_bos_token),
                         quiet=True)
    for row, total in zip(ours["rows"], theirs):
        assert row["loglikelihood"] == pytest.approx(total, abs=TOL)
    aggregation = task.aggregation()
    for name in ("word_perplexity", "byte_perplexity", "bits_per_byte"):
        expected = aggregation[name]([d[name] for d in their_docs])
        assert ours["scores"][name]["value"] == pytest.approx(expected, rel=1e-5)
    assert [(r["n_words"], r["n_bytes"]) for r in ours["rows"]] == [
        (d["word_perplexity"][1], d["byte_perplexity"][1]) for d in their_docs]


def test_the_environment_is_offline():
    assert os.environ["HF_HUB_OFFLINE"] == "1"
