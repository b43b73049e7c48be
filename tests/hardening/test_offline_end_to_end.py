"""train and evaluate on the synthesised GPT-2 and TinyLlama checkpoints with the network blocked.

Each run is a subprocess whose sockets carry tripwires under the network guard: a single non-loopback
connection or DNS lookup anywhere in codex-ml, transformers or huggingface_hub fails the test.
"""
from __future__ import annotations

import json

import pytest
from guards import require

require("transformers")

from hardening_helpers import TRIPWIRES, run_python

TINY_GPT2 = {"n_positions": 64, "n_embd": 32, "n_layer": 1, "n_head": 2}
TINY_LLAMA = {"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "num_attention_heads": 2,
              "num_key_value_heads": 1, "max_position_embeddings": 64}

RUN = TRIPWIRES + """
from codex_ml.utils.netguard import blocked_attempts, install_network_guard
install_network_guard()
from codex_ml.cli.main import main
try:
    main(sys.argv[1:])
finally:
    print("BLOCKED", len(blocked_attempts()), os.environ.get("HF_HUB_OFFLINE"), file=sys.stderr)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    from codex_ml.offline.data.stdlib_docs import stdlib_docstrings
    from codex_ml.offline.models.synth import synth_gpt2, synth_tinyllama

    root = tmp_path_factory.mktemp("airgapped")
    texts = stdlib_docstrings(max_chars=60_000)
    synth_gpt2(root, texts=texts, vocab_size=400, **TINY_GPT2)
    synth_tinyllama(root, texts=texts, vocab_size=400, **TINY_LLAMA)
    return root


@pytest.mark.parametrize(
    ("command", "family"),
    [("train", "gpt2"), ("evaluate", "tinyllama")],
)
def test_runs_complete_without_any_network_attempt(project, tmp_path, command, family):
    args = [command, "-cn", "offline/catalogue", "-q", f"model=offline/{family}", f"tokenizer=offline/{family}",
            f"output_dir={tmp_path / 'run'}"]
    if command == "train":
        args += ["training.max_steps=2", "training.block_size=32"]  # the tiny model has a 64-token context
    result = run_python(["-c", RUN, *args], cwd=tmp_path, timeout=300,
                        env={"CODEX_ML_PROJECT_ROOT": str(project), "CODEX_ML_PLUGIN_CACHE": "0"})
    assert "TRIPWIRE" not in result.stdout, result.stdout
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BLOCKED 0 1" in result.stderr  # offline flag set by the CLI entry, no connection attempted
    written = {path.name for path in (tmp_path / "run").iterdir()}
    assert ("summary.json" if command == "train" else "results.json") in written
    if command == "train":
        summary = json.loads((tmp_path / "run" / "summary.json").read_text())
        assert summary["trained"] is True
