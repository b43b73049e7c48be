"""offline:functional on trainable models: learning, accumulation, determinism, checkpoints, resume."""
from guards import require_torch

torch = require_torch()

import json
from pathlib import Path

import pytest
from codex_ml.errors import ResumeMismatchError
from codex_ml.offline.data.lines import LineDataset
from codex_ml.offline.training.torch_loop import accumulate_gradients
from guards import load_functional_trainer

SMALL = {"n_embd": 32, "n_layer": 1, "n_head": 2, "block_size": 32}
BASE = {"block_size": 32, "batch_size": 4, "learning_rate": 3e-3, "log_interval": 5, "eval_fraction": 0.1}


def minilm(seed=0, **extra):
    from codex_ml.offline.models.minilm import load_minilm

    return load_minilm(seed=seed, **{**SMALL, **extra})


@pytest.fixture(scope="module")
def corpus(corpus_texts):
    return LineDataset(corpus_texts[:150])


def weights(model):
    return {k: v.detach().clone() for k, v in model.module.state_dict().items()}


def assert_same(a, b, atol=0.0):
    assert a.keys() == b.keys()
    for key in a:
        torch.testing.assert_close(a[key], b[key], atol=atol, rtol=0 if atol == 0 else 1e-4, msg=key)


def test_training_lowers_the_held_out_loss_and_summary_is_json(corpus):
    logs = []
    summary = load_functional_trainer(max_steps=40, warmup_steps=4, **BASE).fit(minilm(), corpus, log=logs.append)
    assert summary["trained"] is True and summary["eval_blocks"] > 0
    assert summary["eval_loss"] < summary["eval_loss_initial"] - 1.0
    assert summary["eval_perplexity"] == pytest.approx(__import__("math").exp(summary["eval_loss"]))
    assert [r["step"] for r in logs] == [5, 10, 15, 20, 25, 30, 35, 40]
    assert logs[0]["learning_rate"] > logs[-1]["learning_rate"] and logs[0]["tokens_per_second"] > 0
    json.dumps(summary)


def test_token_normalised_accumulation_equals_the_full_batch_gradient():
    model = minilm()
    x = torch.randint(0, 257, (4, 32))
    y = torch.randint(0, 257, (4, 32))
    accumulate_gradients(model.module, [(x, y)])
    full = {n: p.grad.clone() for n, p in model.module.named_parameters()}
    model.module.zero_grad()
    accumulate_gradients(model.module, [(x[:1], y[:1]), (x[1:], y[1:])])  # unequal micro-batches
    for name, param in model.module.named_parameters():
        torch.testing.assert_close(param.grad, full[name], atol=1e-6, rtol=1e-5, msg=name)


def test_accumulated_training_matches_the_full_batch(corpus):
    a, b = minilm(), minilm()
    load_functional_trainer(max_steps=4, **BASE).fit(a, corpus)
    load_functional_trainer(max_steps=4, **{**BASE, "batch_size": 2, "gradient_accumulation_steps": 2}).fit(b, corpus)
    assert_same(weights(a), weights(b), atol=1e-5)


def test_same_seed_same_weights(corpus):
    runs = []
    for _ in range(2):
        model = minilm(dropout=0.1)
        load_functional_trainer(max_steps=5, **BASE).fit(model, corpus)
        runs.append(weights(model))
    assert_same(*runs)


class Interrupt(Exception):
    pass


def _crash_after(step):
    def log(record):
        if record["step"] > step:
            raise Interrupt
    return log


def test_resume_continues_exactly(corpus, tmp_path):
    settings = {**BASE, "max_steps": 8, "checkpoint_interval": 4, "log_interval": 1, "warmup_steps": 2}
    straight = minilm(dropout=0.1)
    load_functional_trainer(**settings).fit(straight, corpus, output_dir=tmp_path / "a")

    interrupted = minilm(dropout=0.1)
    with pytest.raises(Interrupt):
        load_functional_trainer(**settings).fit(interrupted, corpus, output_dir=tmp_path / "b", log=_crash_after(4))
    checkpoint = tmp_path / "b" / "checkpoints" / "checkpoint-00000004"
    assert sorted(p.name for p in checkpoint.iterdir()) == ["manifest.json", "model.safetensors", "optimizer.safetensors",
                                                              "rng.safetensors", "trainer_state.json"]
    resumed = minilm(seed=99, dropout=0.1)  # different start: every weight must come from the checkpoint
    summary = load_functional_trainer(**settings, resume=True).fit(resumed, corpus, output_dir=tmp_path / "b")
    assert summary["start_step"] == 4 and summary["resumed_from"] == str(checkpoint)
    assert_same(weights(straight), weights(resumed))


def test_resume_with_another_configuration_is_refused_unless_forced(corpus, tmp_path):
    load_functional_trainer(max_steps=2, checkpoint_interval=2, **BASE).fit(minilm(), corpus, output_dir=tmp_path)
    changed = {**BASE, "learning_rate": 1e-2}
    with pytest.raises(ResumeMismatchError, match="learning_rate"):
        load_functional_trainer(max_steps=2, resume=True, **changed).fit(minilm(), corpus, output_dir=tmp_path)
    summary = load_functional_trainer(max_steps=3, resume=True, force_resume=True, **changed).fit(minilm(), corpus, output_dir=tmp_path)
    assert summary["start_step"] == 2


def test_checkpoints_are_pruned_and_written_atomically(corpus, tmp_path):
    load_functional_trainer(max_steps=6, checkpoint_interval=2, keep_checkpoints=2, **BASE).fit(minilm(), corpus, output_dir=tmp_path)
    names = sorted(p.name for p in (tmp_path / "checkpoints").iterdir())
    assert names == ["checkpoint-00000004", "checkpoint-00000006"]  # no leftover temporary folders
    state = json.loads((tmp_path / "checkpoints" / names[-1] / "trainer_state.json").read_text())
    assert state["step"] == 6 and len(state["config_hash"]) == 64 and set(state["data_position"]) == {"epoch", "cursor"}


def test_final_gpt2_loads_in_plain_transformers(gpt2_dir, corpus, tmp_path):
    from guards import load_gpt2_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = load_gpt2_model(gpt2_dir)
    summary = load_functional_trainer(max_steps=3, **BASE).fit(model, corpus, output_dir=tmp_path)
    final = Path(summary["final_model"])
    assert (final / "model.safetensors").is_file() and not list(final.glob("*.bin"))
    plain = AutoModelForCausalLM.from_pretrained(final, local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(final, local_files_only=True)
    ids = torch.tensor([tokenizer.encode("Return a new transport")])
    model.module.eval()
    with torch.no_grad():
        torch.testing.assert_close(plain(ids).logits, model.module(ids).logits)


def test_tinyllama_trains(tinyllama_dir, corpus):
    from guards import load_tinyllama_model

    summary = load_functional_trainer(max_steps=3, **BASE).fit(load_tinyllama_model(tinyllama_dir), corpus)
    assert summary["trained"] and summary["steps"] == 3


def test_tokenizer_larger_than_the_model_vocabulary_is_an_error(gpt2_dir, corpus):
    from codex_ml.errors import CodexMLError
    from guards import load_gpt2_tokenizer

    model = minilm()
    tokenizer = load_gpt2_tokenizer(gpt2_dir)
    with pytest.raises(CodexMLError, match="vocabulary"):
        load_functional_trainer(max_steps=1, **BASE).fit(model, corpus, tokenizer=tokenizer)


def test_resume_from_an_explicit_checkpoint_and_fresh_start_when_none(corpus, tmp_path):
    settings = {**BASE, "max_steps": 4, "checkpoint_interval": 2, "eval_interval": 2}
    summary = load_functional_trainer(resume=True, **settings).fit(minilm(), corpus, output_dir=tmp_path / "a")
    assert summary["start_step"] == 0 and summary["resumed_from"] is None
    assert [e["step"] for e in summary["evaluations"]] == [2]
    checkpoint = tmp_path / "a" / "checkpoints" / "checkpoint-00000002"
    resumed = load_functional_trainer(resume=str(checkpoint), **settings).fit(minilm(), corpus)
    assert resumed["start_step"] == 2 and resumed["final_model"] is None
    with pytest.raises(Exception, match="not a checkpoint"):
        load_functional_trainer(resume=str(tmp_path), **settings).fit(minilm(), corpus)


def test_what_cannot_be_trained_is_explained(corpus):
    from codex_ml.errors import CodexMLError
    from codex_ml.offline.training.torch_loop import fit_torch

    trainer = load_functional_trainer(max_steps=1, **BASE)

    class NotTorch:
        def parameters(self):
            return iter([torch.nn.Parameter(torch.zeros(1))])

    with pytest.raises(CodexMLError, match="not a torch module"):
        fit_torch(trainer.config, NotTorch(), corpus)
    with pytest.raises(CodexMLError, match="empty"):
        trainer.fit(minilm(), LineDataset([]))
    with pytest.raises(CodexMLError, match="tokenizer is needed"):
        fit_torch(trainer.config, minilm().module, corpus)


def test_block_size_beyond_the_context_and_resume_without_output_dir_are_refused(corpus):
    from codex_ml.errors import CodexMLError

    with pytest.raises(CodexMLError, match="exceeds the model's context"):
        load_functional_trainer(max_steps=1, **{**BASE, "block_size": 64}).fit(minilm(), corpus)
    with pytest.raises(CodexMLError, match="output_dir"):
        load_functional_trainer(max_steps=1, resume=True, **BASE).fit(minilm(), corpus)
