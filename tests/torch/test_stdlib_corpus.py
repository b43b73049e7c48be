"""offline:stdlib-docs: a deterministic corpus built from the installed standard library (no torch)."""
from codex_ml.offline.data.stdlib_docs import load_stdlib_docs, stdlib_docstrings
from codex_ml.plugins.registries import datasets


def test_corpus_is_deterministic_and_bounded():
    first = stdlib_docstrings(max_chars=20_000)
    assert first == stdlib_docstrings(max_chars=20_000)
    assert 20_000 <= sum(map(len, first)) < 20_000 + max(map(len, first))
    assert all(len(doc) >= 40 for doc in first)


def test_registered_dataset():
    dataset = datasets.resolve_and_instantiate("offline:stdlib-docs", max_chars=5_000)
    assert len(dataset) == len(list(dataset)) > 0
    assert isinstance(load_stdlib_docs(max_chars=5_000)[0], str)
