"""The evaluator's rules with a scripted scoring model (no torch): which requests it builds, how it
aggregates them, and which evaluation sets it refuses before a model is loaded."""
from __future__ import annotations

import json
import math

import pytest
from codex_ml.errors import MalformedArtifactError
from codex_ml.formats.evalset import EvalSample, as_samples
from codex_ml.offline.data.evalset import read_evalset
from codex_ml.pipeline import lm_metrics
from codex_ml.pipeline.scoring import EvaluationError, EvaluationSettings, score_samples
from pipeline_helpers import cli_env, read_json, read_jsonl, run_cli


class ScriptedScorer:
    """Log-likelihood = a table lookup on the continuation (default -len); records every call."""

    def __init__(self, table=None):
        self.table = table or {}
        self.calls = []

    def loglikelihood(self, requests, **options):
        self.calls.append(("loglikelihood", list(requests), options))
        return [(self.table.get(cont, -float(len(cont))), cont == " a") for _, cont in requests]

    def loglikelihood_rolling(self, requests, **options):
        self.calls.append(("loglikelihood_rolling", list(requests), options))
        return [-2.0 * len(text) for text in requests]

    def generate_until(self, requests, **options):
        return ["" for _ in requests]

    def generate(self, prompt):
        return ""


def samples_of(*records):
    return as_samples([dict(r) for r in records], "test")


def test_one_request_per_choice_with_the_target_delimiter():
    model = ScriptedScorer()
    samples = samples_of({"prompt": "Q1", "choices": ["a", "bb"], "gold": 0}, {"prompt": "Q2:", "choices": [" x", "y"], "gold": 1})
    score_samples(model, samples, {}, EvaluationSettings(), quiet=True)
    assert model.calls == [("loglikelihood", [("Q1", " a"), ("Q1", " bb"), ("Q2:", "  x"), ("Q2:", " y")], {})]
    model = ScriptedScorer()
    score_samples(model, samples, {}, EvaluationSettings(target_delimiter="\n", add_bos_token=True), quiet=True)
    assert model.calls[0][1][:2] == [("Q1", "\na"), ("Q1", "\nbb")] and model.calls[0][2] == {"add_bos_token": True}


def test_acc_and_acc_norm_per_sample_and_over_the_set():
    # " long answer" has the lower total but the higher score per character: acc and acc_norm disagree.
    model = ScriptedScorer({" short": -3.0, " long answer": -4.0, " no": -9.0})
    samples = samples_of({"prompt": "p", "choices": ["short", "long answer"], "gold": 0},
                         {"prompt": "q", "choices": ["short", "no"], "gold": 0})
    result = score_samples(model, samples, {}, EvaluationSettings(), quiet=True)
    first, second = result["rows"]
    assert first["loglikelihoods"] == [-3.0, -4.0] and first["choices"] == ["short", "long answer"]
    assert (first["acc"], first["acc_norm"]) == (1, 0)  # -3/5 = -0.6 < -4/11 (the delimiter is not counted)
    assert (second["acc"], second["acc_norm"]) == (1, 1)
    assert first["is_greedy"] == [False, False] and first["prediction"] == "short" and first["correct"] is True
    scores = result["scores"]
    assert scores["acc"]["value"] == 1.0 and scores["acc_norm"]["value"] == 0.5
    assert scores["acc_norm_stderr"]["value"] == pytest.approx(0.5)  # sample std of [0, 1] / sqrt(2)
    assert scores["acc_stderr"]["value"] == 0.0


def test_lm_metric_definitions():
    assert lm_metrics.argmax([1.0, 3.0, 3.0]) == 1
    assert lm_metrics.acc_norm([-4.0, -3.0], ["abcd", "a"], 0) == 1 and lm_metrics.acc([-4.0, -3.0], 0) == 0
    assert lm_metrics.n_words("a  b\tc\n") == 4 and lm_metrics.n_bytes("é") == 2
    values = lm_metrics.perplexities([-10.0, -2.0], [3, 1], [8, 4])
    assert values == pytest.approx({"word_perplexity": math.exp(3.0), "byte_perplexity": math.exp(1.0),
                                    "bits_per_byte": 1 / math.log(2)})
    assert lm_metrics.mean_stderr([1]) is None


def test_perplexity_samples_are_scored_with_loglikelihood_rolling():
    model = ScriptedScorer()
    samples = samples_of({"text": "one two\nthree"}, {"text": "é"})
    result = score_samples(model, samples, {}, EvaluationSettings(), quiet=True)
    assert model.calls == [("loglikelihood_rolling", ["one two\nthree", "é"], {})]
    assert [(r["loglikelihood"], r["n_words"], r["n_bytes"]) for r in result["rows"]] == [(-26.0, 3, 13), (-2.0, 1, 2)]
    assert result["scores"]["word_perplexity"]["value"] == pytest.approx(math.exp(28 / 4))
    assert result["scores"]["bits_per_byte"]["value"] == pytest.approx(28 / 15 / math.log(2))
    assert "acc" not in result["scores"]


def test_prompt_target_candidates_come_from_the_whole_set_before_max_samples():
    model = ScriptedScorer()
    samples = samples_of({"prompt": "p", "target": "a"}, {"prompt": "q", "target": "bb"}, {"prompt": "r", "target": "ccc"})
    result = score_samples(model, samples, {}, EvaluationSettings(max_samples=1), quiet=True)
    assert result["n_samples"] == 1 and result["rows"][0]["choices"] == ["a", "bb", "ccc"]
    assert model.calls[0][1] == [("p", " a"), ("p", " bb"), ("p", " ccc")]


def test_an_empty_target_is_refused_naming_the_sample_when_scoring():
    samples = samples_of({"prompt": "p", "target": "a"}, {"prompt": "q", "target": ""})
    with pytest.raises(EvaluationError, match="test record 1: empty target"):
        score_samples(ScriptedScorer(), samples, {}, EvaluationSettings(), quiet=True)


def test_a_generating_model_cannot_score_texts():
    class Generator:
        def generate(self, prompt):
            return "x"

    with pytest.raises(EvaluationError, match="loglikelihood_rolling"):
        score_samples(Generator(), samples_of({"text": "t"}), {}, EvaluationSettings(), quiet=True)
    rows = score_samples(Generator(), samples_of({"prompt": "p", "choices": ["x", "y"], "gold": 0}), {},
                         EvaluationSettings(), quiet=True)["rows"]
    assert rows[0]["prediction"] == "x" and rows[0]["correct"] is True


@pytest.mark.parametrize("line, reason", [
    ({"prompt": "p", "choices": ["a", "b"], "gold": 2}, "'gold' must be an integer from 0 to 1"),
    ({"prompt": "p", "choices": ["a", "b"], "gold": True}, "'gold' must be an integer"),
    ({"prompt": "p", "choices": ["a", "a"], "gold": 0}, r"choices\[1\] 'a' repeats choices\[0\]"),
    ({"prompt": "p", "choices": ["a", ""], "gold": 0}, r"choices\[1\] is empty"),
    ({"prompt": "p", "choices": [], "gold": 0}, "non-empty list of strings"),
    ({"prompt": "p", "choices": ["a"]}, "missing required key 'gold'"),
    ({"prompt": "p", "target": "a", "gold": 0}, "'gold' without 'choices'"),
    ({"prompt": "p", "target": "a", "choices": ["a"], "gold": 0}, "either 'target' or 'choices'"),
    ({"text": ""}, "'text' is empty"),
    ({"text": "t", "prompt": "p"}, "only 'text'"),
    ({"text": "t"}, "perplexity texts and prompt samples"),
])
def test_bad_samples_are_refused_with_file_line_and_reason(tmp_path, line, reason):
    path = tmp_path / "set.jsonl"
    path.write_text(json.dumps({"prompt": "ok", "target": "fine"}) + "\n\n" + json.dumps(line) + "\n")
    with pytest.raises(MalformedArtifactError, match=reason) as info:
        read_evalset(path)
    assert str(info.value).startswith(f"{path}:3: ")


def test_the_formats_read_back():
    assert EvalSample.from_mapping({"prompt": "p", "choices": ["a", "b"], "gold": 1, "id": 7}, "x").target == "b"
    assert EvalSample.from_mapping({"text": "t", "label": "wiki"}, "x").kind == "perplexity"


def test_the_set_is_built_and_checked_before_the_model(tmp_path, monkeypatch):
    from codex_ml.config.compose import compose_config
    from codex_ml.pipeline import session as session_module

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"prompt": "p", "choices": ["a", "b"], "gold": 5}\n')
    built = []
    real_build = session_module.build
    monkeypatch.setattr(session_module, "build", lambda planned, **kw: built.append(planned.role) or real_build(planned, **kw))
    composed = compose_config("config", [f"evaluation.dataset.path={bad}", f"output_dir={tmp_path / 'run'}"])
    requests = [("model", "models", composed.config["model"]), *session_module.evaluation_requests(composed.config)]
    with pytest.raises(MalformedArtifactError, match=r"bad.jsonl:1: 'gold'"):
        session_module.Session.open(composed, requests)
    assert built == ["evaluation.dataset"] and not (tmp_path / "run").exists()


def test_bad_settings_are_refused_before_the_model(tmp_path):
    result = run_cli(["evaluate", "evaluation.add_bos_token=maybe"], tmp_path, env=cli_env())
    assert result.returncode == 2 and "evaluation.add_bos_token must be true, false or null" in result.stderr


def test_the_tiny_stack_evaluates_a_multiple_choice_set_by_generation(tmp_path):
    data = tmp_path / "mc.jsonl"
    data.write_text('{"prompt": "hello", "choices": ["nope", "offline world"], "gold": 1}\n'
                    '{"prompt": "zzz", "choices": ["offline world", "other"], "gold": 0}\n')
    result = run_cli(["evaluate", "-q", f"evaluation.dataset.path={data}", f"output_dir={tmp_path / 'out'}"], tmp_path)
    assert result.returncode == 0, result.stderr
    results = read_json(tmp_path / "out" / "results.json")
    assert results["method"] == "generate" and results["n_correct"] == 1
    assert [s["target"] for s in read_jsonl(tmp_path / "out" / "samples.jsonl")] == ["offline world", "offline world"]


def test_the_method_can_be_forced():
    class Until(ScriptedScorer):
        def generate_until(self, requests, **options):
            self.calls.append(("generate_until", list(requests), options))
            return [" a\n" for _ in requests]

    model = Until()
    result = score_samples(model, samples_of({"prompt": "p", "target": "a"}), {}, EvaluationSettings(method="generate"),
                           quiet=True)
    assert result["method"] == "generate" and result["rows"][0]["prediction"] == "a"
    assert model.calls == [("generate_until", [("p", {"until": ["\n"], "max_gen_toks": 32})], {})]

    class Generator:
        def generate(self, prompt):
            return "x"

    with pytest.raises(EvaluationError, match="does not implement loglikelihood"):
        score_samples(Generator(), samples_of({"prompt": "p", "target": "x"}), {},
                      EvaluationSettings(method="loglikelihood"), quiet=True)
