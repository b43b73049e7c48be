"""manifest.json: write, verify per file, the loader gate and the (path, size, mtime) hash cache."""
from __future__ import annotations

import json
import os
import time

import pytest
from codex_ml.artifacts import hashcache, manifest
from codex_ml.artifacts.hashcache import HashCache, sha256_file
from codex_ml.errors import ArtifactModifiedError, MalformedArtifactError

OLD = time.time() - 3600  # old enough that digests are cached (not within the racy window)


def make_artifact(directory, files=None):
    files = files or {"config.json": '{"n_layer": 2}', "model.safetensors": "weights" * 100, "sub/vocab.txt": "a\nb\n"}
    for rel, text in files.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        os.utime(path, (OLD, OLD))
    return directory


def test_written_manifest_has_the_documented_format(tmp_path):
    directory = make_artifact(tmp_path / "gpt2")
    (directory / ".cache").mkdir()
    (directory / ".cache" / "download.metadata").write_text("hub bookkeeping")
    path = manifest.write_manifest(directory, name="gpt2", source="synth", revision="abc123", extra={"licence": "MIT"})
    data = json.loads(path.read_text())
    assert data["schema_version"] == 1 and data["name"] == "gpt2" and data["source"] == "synth"
    assert data["revision"] == "abc123" and data["licence"] == "MIT"
    assert sorted(data["files"]) == ["config.json", "model.safetensors", "sub/vocab.txt"]
    assert data["files"]["config.json"] == {"size": 14, "sha256": sha256_file(directory / "config.json")}


def test_verify_reports_ok_modified_and_missing_per_file(tmp_path):
    directory = make_artifact(tmp_path / "a")
    manifest.write_manifest(directory, name="a", source="test")
    assert manifest.verify(directory).status == "verified"
    (directory / "config.json").write_text('{"n_layer": 3}')  # same size, different bytes
    (directory / "sub" / "vocab.txt").unlink()
    (directory / "pytorch_model.bin").write_bytes(b"dropped in later")
    (directory / "notes.txt").write_text("harmless")
    result = manifest.verify(directory)
    assert result.files == {"config.json": "modified", "model.safetensors": "ok", "sub/vocab.txt": "missing"}
    assert result.untracked == ["notes.txt", "pytorch_model.bin"]
    problems = result.problems()
    assert [line.split(" (")[0] for line in problems] == [
        "modified: config.json", "missing: sub/vocab.txt", "not in manifest: pytorch_model.bin"]
    assert "sha256" in problems[0] and "!= manifest" in problems[0]  # what differs, not just which file
    assert result.status == "modified"


def test_check_manifest_refuses_naming_the_files_unless_allowed(tmp_path):
    directory = make_artifact(tmp_path / "m")
    assert manifest.check_manifest(directory) is None  # no manifest: nothing to hold the files to
    manifest.write_manifest(directory, name="m", source="test")
    assert manifest.check_manifest(directory).ok
    (directory / "model.safetensors").write_text("tampered")
    with pytest.raises(ArtifactModifiedError) as info:
        manifest.check_manifest(directory)
    assert "modified: model.safetensors" in str(info.value) and str(directory) in str(info.value)
    assert manifest.check_manifest(directory, allow_modified=True).files["model.safetensors"] == "modified"


def test_the_user_can_allow_modified_artefacts_explicitly(tmp_path, monkeypatch, capsys):
    directory = make_artifact(tmp_path / "m")
    manifest.write_manifest(directory, name="m", source="test")
    (directory / "config.json").write_text('{"n_layer": 9}')
    with pytest.raises(ArtifactModifiedError, match="CODEX_ML_ALLOW_MODIFIED_ARTIFACTS=1"):
        manifest.check_manifest(directory)
    monkeypatch.setenv("CODEX_ML_ALLOW_MODIFIED_ARTIFACTS", "1")
    assert not manifest.check_manifest(directory).ok
    assert "does not match its manifest.json (modified: config.json (sha256 " in capsys.readouterr().err
    with pytest.raises(ArtifactModifiedError):
        manifest.check_manifest(directory, allow_modified=False)  # an explicit False wins over the variable


def test_the_hash_cache_skips_rereading_unchanged_files(tmp_path, monkeypatch):
    directory = make_artifact(tmp_path / "c")
    manifest.write_manifest(directory, name="c", source="test")
    cache_file = hashcache.cache_dir() / hashcache.CACHE_FILE
    assert str(tmp_path) not in str(cache_file) and cache_file.is_file()  # the per-test CODEX_ML_CACHE_DIR
    reads = []
    real_digest = hashcache._digest
    monkeypatch.setattr(hashcache, "_digest", lambda path: reads.append(path.name) or real_digest(path))
    assert manifest.verify(directory).ok and reads == []  # every digest came from the cache
    os.utime(directory / "config.json", (OLD + 10, OLD + 10))  # touched: re-read, still ok
    assert manifest.verify(directory).ok and reads == ["config.json"]


def test_recently_modified_files_are_not_cached(tmp_path):
    path = tmp_path / "fresh.bin"
    path.write_bytes(b"x" * 10)
    cache = HashCache(tmp_path / "h.json")
    sha256_file(path, cache)
    assert cache.entries == {}  # inside the racy window: a same-size rewrite could go unnoticed
    os.utime(path, (OLD, OLD))
    sha256_file(path, cache)
    assert cache.save() and json.loads((tmp_path / "h.json").read_text())["files"][str(path.resolve())]["size"] == 10


def test_a_corrupt_or_unwritable_cache_costs_only_speed(tmp_path):
    (tmp_path / "h.json").write_text("{not json")
    directory = make_artifact(tmp_path / "d")
    cache = HashCache(tmp_path / "h.json")
    manifest.write_manifest(directory, name="d", source="t", cache=cache)
    assert manifest.verify(directory, cache=HashCache(tmp_path / "h.json")).ok
    blocked = HashCache(tmp_path / "file-not-dir" / "h.json")
    (tmp_path / "file-not-dir").write_text("")
    assert manifest.verify(directory, cache=blocked).ok
    assert blocked.save() is False


def test_concurrent_cache_writers_merge(tmp_path):
    a, b = HashCache(tmp_path / "h.json"), HashCache(tmp_path / "h.json")
    for name, cache in (("one", a), ("two", b)):
        path = make_artifact(tmp_path / name, {"f": name}) / "f"
        sha256_file(path, cache)
    a.save(), b.save()
    assert len(json.loads((tmp_path / "h.json").read_text())["files"]) == 2


def test_quick_mode_leaves_large_uncached_files_unchecked(tmp_path, monkeypatch):
    directory = make_artifact(tmp_path / "q")
    manifest.write_manifest(directory, name="q", source="t", cache=HashCache(tmp_path / "other.json"))
    monkeypatch.setattr(manifest, "QUICK_HASH_LIMIT", 100)
    result = manifest.verify(directory, quick=True, cache=HashCache(tmp_path / "empty.json"))
    assert result.files["model.safetensors"] == "unchecked" and result.status == "unverified"
    assert manifest.verify(directory).status == "verified"  # a full check fills the default cache ...
    assert manifest.verify(directory, quick=True).status == "verified"  # ... so quick mode can use it


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ({"files": {"../escape": {"size": 1, "sha256": "0" * 64}}}, "must not contain '..'"),
        ({"files": {"/etc/passwd": {"size": 1, "sha256": "0" * 64}}}, "must be relative"),
        ({"files": {"a": {"size": "1", "sha256": "0" * 64}}}, "integer 'size'"),
        ({"files": {"a": {"size": 1, "sha256": "xyz"}}}, "64-digit hex"),
        ({"schema_version": 2, "files": {}}, "newer than this codex-ml reads"),
        ({"name": "no files"}, "missing required key(s) 'files'"),
    ],
)
def test_malformed_manifests_are_rejected_with_the_reason(tmp_path, content, words):
    (tmp_path / "manifest.json").write_text(json.dumps(content))
    with pytest.raises(MalformedArtifactError, match=None) as info:
        manifest.read_manifest(tmp_path)
    assert words in str(info.value)


def test_manifest_without_schema_version_or_name_is_accepted(tmp_path):
    directory = make_artifact(tmp_path / "s", {"a.txt": "hi"})
    digest = sha256_file(directory / "a.txt")
    (directory / "manifest.json").write_text(json.dumps({"family": "gpt2", "source": "synth",
                                                         "files": {"a.txt": {"size": 2, "sha256": digest}}}))
    read = manifest.read_manifest(directory)
    assert read.name is None and read.extra == {"family": "gpt2"}
    assert manifest.verify(directory).ok


def test_manifests_are_readable_by_other_users(tmp_path):
    directory = make_artifact(tmp_path / "p", {"a.txt": "x"})
    old = os.umask(0o022)
    try:
        path = manifest.write_manifest(directory, name="p", source="t")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644  # not the 0600 of a temporary file
    path.chmod(0o640)
    manifest.write_manifest(directory, name="p", source="t")
    assert path.stat().st_mode & 0o777 == 0o640  # an existing file keeps its mode
