"""Weights: safetensors preferred; a pickle is read only by the weights-only unpickler, or refused."""
from guards import require_torch

torch = require_torch()

import pickle
import shutil

import pytest
from codex_ml.offline.models import weights
from guards import load_gpt2_model


class _Payload:
    """Unpickling this runs ``open(marker, 'w')``: proof that code ran."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _malicious_bin(path, marker):
    with open(path, "wb") as handle:
        pickle.dump({"transformer.wte.weight": _Payload(marker)}, handle)


def _copy(gpt2_dir, target):
    """A copy without manifest.json: these tests change the weights on purpose."""
    shutil.copytree(gpt2_dir, target)
    (target / "manifest.json").unlink()
    return target


def _bin_copy(gpt2_dir, target):
    (_copy(gpt2_dir, target) / "model.safetensors").unlink()
    return target


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_safetensors_preferred_over_a_pickle(gpt2_dir, tmp_path):
    target = _copy(gpt2_dir, tmp_path / "both")
    marker = tmp_path / "pwned"
    _malicious_bin(target / "pytorch_model.bin", marker)
    assert weights.weights_file(target).name == "model.safetensors"
    load_gpt2_model(target)
    assert not marker.exists()


def test_plain_state_dict_bin_loads_with_weights_only(gpt2_dir, tmp_path):
    reference = load_gpt2_model(gpt2_dir)
    target = _bin_copy(gpt2_dir, tmp_path / "bin")
    state = {k: v for k, v in reference.module.state_dict().items() if k != "lm_head.weight"}  # tied, as upstream
    torch.save(state, target / "pytorch_model.bin")
    loaded = load_gpt2_model(target)
    for (name, a), b in zip(reference.module.state_dict().items(), loaded.module.state_dict().values()):
        assert torch.equal(a, b), name


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
@pytest.mark.parametrize("layout", ["raw pickle", "torch.save zip"])
def test_malicious_pickle_is_refused_without_running_it(gpt2_dir, tmp_path, layout):
    target = _bin_copy(gpt2_dir, tmp_path / "evil")
    marker = tmp_path / "pwned"
    if layout == "raw pickle":
        _malicious_bin(target / "pytorch_model.bin", marker)
    else:
        torch.save({"transformer.wte.weight": _Payload(marker)}, target / "pytorch_model.bin")
    with pytest.raises(weights.UnsafeWeightsError, match="weights-only unpickler"):
        load_gpt2_model(target)
    assert not marker.exists()


@pytest.mark.parametrize("version", ["2.5.1+cpu", "2.9.1"])  # the threshold is torch_checks.pickle_weights_allowed
def test_pickles_refused_on_a_torch_with_known_unpickler_bypasses(gpt2_dir, tmp_path, monkeypatch, version):
    target = _bin_copy(gpt2_dir, tmp_path / "old")
    torch.save({}, target / "pytorch_model.bin")
    monkeypatch.setattr(torch, "__version__", version)
    with pytest.raises(weights.UnsafeWeightsError, match="known bypasses"):
        load_gpt2_model(target)


def test_no_weights_is_a_clear_error(gpt2_dir, tmp_path):
    target = _bin_copy(gpt2_dir, tmp_path / "none")
    with pytest.raises(weights.MalformedArtifactError, match="no weights found"):
        load_gpt2_model(target)
