"""offline:stdlib-docs: a deterministic corpus built from the installed standard library (no torch)."""
import pytest
from codex_ml.errors import ArtifactNotFoundError
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


def test_another_source_folder(tmp_path):
    (tmp_path / "mod.py").write_text('"""A module docstring that is long enough to be kept as a record."""\n')
    (tmp_path / "broken.py").write_text("def (:\n")
    assert list(load_stdlib_docs(tmp_path)) == ["A module docstring that is long enough to be kept as a record."]
    with pytest.raises(ArtifactNotFoundError):
        load_stdlib_docs(tmp_path / "missing")
