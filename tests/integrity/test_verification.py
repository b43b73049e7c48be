"""`catalogue verify` and load-time checks cannot be fooled (issue 14, item 1). No torch needed."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from codex_ml.artifacts import manifest
from codex_ml.artifacts.hashcache import HashCache, sha256_file
from codex_ml.errors import PathEscapeError

CORPUS = "hello world\noffline first\nfixtures are tiny\n"


def verify(*args: str):
    from codex_ml.cli.catalogue_cli import catalogue

    return CliRunner().invoke(catalogue, ["verify", *args])


def _age(path: Path, seconds: float = 100.0) -> None:
    """Back-date the file so the hash cache is allowed to remember it (it skips just-written files)."""
    past = time.time() - seconds
    os.utime(path, (past, past))


@pytest.fixture
def corpus_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project root holding the tiny corpus in the seed layout, with its manifest."""
    root = tmp_path / "project"
    data = root / "data" / "offline"
    data.mkdir(parents=True)
    (data / "tiny_corpus.txt").write_text(CORPUS)
    _age(data / "tiny_corpus.txt")
    manifest.write_manifest(data, name="offline", source="test")
    monkeypatch.setenv("CODEX_ML_PROJECT_ROOT", str(root))
    return root


@pytest.mark.parametrize("fast", [False, True], ids=["default", "fast"])
def test_same_size_edit_with_restored_mtime_is_caught(corpus_root: Path, fast: bool):
    target = corpus_root / "data" / "offline" / "tiny_corpus.txt"
    assert verify("offline:tiny-corpus").exit_code == 0  # hashes it and remembers the digest
    before = target.stat()
    target.write_text(CORPUS.replace("hello", "HELLO"))  # same size
    os.utime(target, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the same mtime
    assert target.stat().st_size == before.st_size and target.stat().st_mtime_ns == before.st_mtime_ns
    result = verify("offline:tiny-corpus", *(["--fast"] if fast else []))
    assert result.exit_code == 1, result.output
    assert "modified: tiny_corpus.txt (sha256" in result.output and "!= manifest" in result.output


def test_the_cache_key_includes_ctime_and_inode(tmp_path: Path):
    path = tmp_path / "w.bin"
    path.write_bytes(b"a" * 64)
    _age(path)
    cache = HashCache(tmp_path / "h.json")
    sha256_file(path, cache)
    entry = cache.entries[str(path.resolve())]
    assert {"size", "mtime_ns", "ctime_ns", "inode", "sha256"} <= set(entry)
    # Replace the file by another with the same size and mtime: new inode, new ctime, so no cache hit.
    stat = path.stat()
    other = tmp_path / "w.new"
    other.write_bytes(b"b" * 64)
    os.utime(other, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    os.replace(other, path)
    assert sha256_file(path, cache) != entry["sha256"]


def _bundle(directory: Path) -> Path:
    directory.mkdir(parents=True)
    (directory / "config.json").write_text('{"model_type": "gpt2"}')
    return directory


def test_a_shard_index_pointing_outside_the_folder_fails(tmp_path: Path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "model-00001-of-00001.safetensors").write_bytes(b"not yours")
    bundle = _bundle(tmp_path / "bundle")
    (bundle / "model.safetensors.index.json").write_text(json.dumps(
        {"metadata": {}, "weight_map": {"wte.weight": "../elsewhere/model-00001-of-00001.safetensors"}}))
    manifest.write_manifest(bundle, name="b", source="test")
    result = manifest.verify(bundle)
    assert not result.ok
    assert any("model.safetensors.index.json" in line and "../elsewhere" in line for line in result.problems())
    with pytest.raises(PathEscapeError, match="outside the artefact folder"):
        manifest.check_manifest(bundle)
    cli = verify("--root", str(bundle))
    assert cli.exit_code == 1 and "shard index model.safetensors.index.json" in cli.output


def test_a_shard_index_pointing_outside_is_refused_at_load_time_even_without_a_manifest(tmp_path: Path):
    bundle = _bundle(tmp_path / "bundle")
    (bundle / "model.safetensors.index.json").write_text(json.dumps({"weight_map": {"w": "/etc/passwd"}}))
    with pytest.raises(PathEscapeError, match="must be relative"):
        manifest.check_manifest(bundle)


def test_a_symlinked_weight_file_leaving_the_folder_fails(tmp_path: Path):
    outside = tmp_path / "weights.safetensors"
    outside.write_bytes(b"\x00" * 32)
    bundle = _bundle(tmp_path / "bundle")
    (bundle / "model.safetensors").symlink_to(outside)
    manifest.write_manifest(bundle, name="b", source="test")  # records the target's bytes
    result = manifest.verify(bundle)
    assert not result.ok
    assert any(line.startswith("outside the folder: model.safetensors") and "symbolic link" in line
               for line in result.problems())
    with pytest.raises(PathEscapeError, match="model.safetensors"):
        manifest.check_manifest(bundle, allow_modified=True)  # never allowed


def test_a_symlink_inside_the_folder_is_fine(tmp_path: Path):
    bundle = _bundle(tmp_path / "bundle")
    (bundle / "weights").mkdir()
    (bundle / "weights" / "model.safetensors").write_bytes(b"\x01" * 8)
    (bundle / "model.safetensors").symlink_to("weights/model.safetensors")
    manifest.write_manifest(bundle, name="b", source="test")
    assert manifest.verify(bundle).ok


def test_packaged_fixtures_without_manifests_do_not_fail_verify():
    # An empty project root: the entry resolves to its distribution's packaged fixture, which has no manifest.
    result = verify("offline:tiny-corpus")
    assert result.exit_code == 0, result.output
    assert "offline:tiny-corpus (dataset): packaged fixture of codex-ml-offline-data" in result.output
    everything = verify()  # GPT-2 and TinyLlama are not in the empty root: missing entries fail verify
    assert everything.exit_code == 1 and "offline:gpt2 (model): missing" in everything.output


def test_a_missing_manifest_fails_verify(corpus_root: Path):
    (corpus_root / "data" / "offline" / "manifest.json").unlink()
    result = verify()
    assert result.exit_code == 1, result.output
    assert "offline:tiny-corpus (dataset): unverified: no manifest.json" in result.output
    assert verify("offline:tiny-eval").exit_code == 0  # the others are packaged fixtures


def test_an_unreadable_manifest_fails_verify(corpus_root: Path):
    path = corpus_root / "data" / "offline" / "manifest.json"
    path.unlink()
    path.mkdir()  # exists, cannot be read as a file
    result = verify()
    assert result.exit_code == 1, result.output
    assert "invalid" in result.output and "manifest.json" in result.output
