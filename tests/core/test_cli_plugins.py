"""``codex-ml plugins`` and the CLI's error contract, run as a user would (subprocesses)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from plugin_sites import install

HEAVY = ("torch", "transformers", "hydra", "omegaconf")


def run(*args, env_extra=None, module="codex_ml.cli"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_")}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True, env=env, timeout=120, check=False)


@pytest.fixture(scope="module")
def broken_site(tmp_path_factory):
    return install(tmp_path_factory.mktemp("site"), "broken-import", "conflict", "example")


def test_list_shows_every_tiny_component_with_its_distribution():
    out = run("plugins", "list")
    assert out.returncode == 0, out.stderr
    header, *rows = out.stdout.splitlines()
    assert header.split()[:6] == ["NAME", "KIND", "DISTRIBUTION", "VERSION", "STATUS", "REQUIRES"]
    table = {(r.split()[0], r.split()[1]) for r in rows if r.strip()}
    for name, kind in [("offline:tiny-vocab", "tokenizer"), ("offline:tiny-sequence", "model"),
                       ("offline:tiny-corpus", "dataset"), ("offline:weighted-accuracy", "metric"),
                       ("offline:functional", "trainer"), ("offline:length", "reward"),
                       ("offline:heuristic", "reward"), ("offline:scripted", "RL")]:
        assert (name, kind) in table
    gpt2 = next(r for r in rows if r.startswith("offline:gpt2") and " model " in r)
    assert "[hf]" in gpt2


def test_list_by_kind_matches_the_module_entry_point():
    via_group = run("plugins", "list", "models")
    via_module = run("list", "models", module="codex_ml.cli.plugins_cli")
    assert via_group.returncode == via_module.returncode == 0
    assert via_group.stdout == via_module.stdout
    assert "offline:tiny-sequence" in via_group.stdout and "offline:tiny-vocab" not in via_group.stdout


def test_json_document_is_versioned_and_complete():
    out = run("plugins", "list", "--json")
    doc = json.loads(out.stdout)
    assert doc["schema_version"] == 1 and doc["core"]["distribution"] == "codex-ml"
    names = {(c["kind"], c["name"]) for c in doc["components"]}
    assert ("rl_agents", "offline:scripted") in names
    component = next(c for c in doc["components"] if c["name"] == "offline:gpt2" and c["kind"] == "models")
    assert component["extra"] == "hf" and "torch" in component["requires"]
    assert set(component) >= {"name", "kind", "distribution", "version", "status", "summary", "target", "requires", "missing"}
    plugin = next(p for p in doc["plugins"] if p["distribution"] == "codex-ml-offline-rl")
    assert plugin["status"] == "ok" and "reward_models/offline:length" in plugin["components"]


def test_failed_conflicting_and_third_party_plugins_in_the_listing(broken_site):
    out = run("plugins", "list", env_extra={"PYTHONPATH": str(broken_site)})
    assert out.returncode == 0, out.stderr
    assert "example:chars" in out.stdout and "codex-ml-example" in out.stdout
    assert "Plugins not loaded:" in out.stdout and "codex-ml-fixture-broken-import" in out.stdout
    conflict_rows = [r for r in out.stdout.splitlines() if r.startswith("example:chars")]
    assert len(conflict_rows) == 2 and all("conflict" in r for r in conflict_rows)
    disabled = run("plugins", "list", "--json",
                   env_extra={"PYTHONPATH": str(broken_site), "CODEX_ML_DISABLE_PLUGINS": "codex-ml-fixture-broken-import"})
    status = {p["distribution"]: p["status"] for p in json.loads(disabled.stdout)["plugins"]}
    assert status["codex-ml-fixture-broken-import"] == "disabled"


def test_strict_mode_error_is_one_line_unless_traceback_requested(broken_site):
    env = {"PYTHONPATH": str(broken_site), "CODEX_ML_STRICT_PLUGINS": "1"}
    out = run("plugins", "list", env_extra=env)
    assert out.returncode == 1
    assert out.stderr.startswith("error: plugin 'broken-import'") and "Traceback" not in out.stderr
    traced = run("--traceback", "plugins", "list", env_extra=env)
    assert traced.returncode != 0 and "Traceback" in traced.stderr
    debug = run("plugins", "list", env_extra={**env, "CODEX_ML_DEBUG": "1"})
    assert "Traceback" in debug.stderr


def test_show_reports_source_requirements_and_search_order(tmp_path):
    out = run("plugins", "show", "offline:tiny-vocab", env_extra={"CODEX_ML_PROJECT_ROOT": str(tmp_path)})
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "codex-ml-offline-models 0.1.0" in text and "tiny_vocab.py" in text
    assert "$CODEX_ML_TINY_TOKENIZER_PATH: (not set)" in text
    assert "  * 4. packaged fixture:" in text and "(not found)" in text  # layout missing, fixture wins
    gpt2 = run("plugins", "show", "offline:gpt2", "--kind", "models", env_extra={"CODEX_ML_PROJECT_ROOT": str(tmp_path)})
    assert "nothing found" in gpt2.stdout and "torch" in gpt2.stdout


def test_show_unknown_name_suggests_the_closest():
    out = run("plugins", "show", "offline:tiny-vocb")
    assert out.returncode == 1 and "Did you mean 'offline:tiny-vocab'" in out.stderr


def test_bad_kind_is_a_usage_error():
    out = run("plugins", "list", "gizmos")
    assert out.returncode == 2 and "unknown component kind 'gizmos'" in out.stderr and "Traceback" not in out.stderr


def test_version_lists_core_and_plugin_distributions():
    out = run("--version")
    lines = out.stdout.splitlines()
    assert lines[0].startswith("codex-ml ")
    from codex_ml.plugins.hookspecs import API_VERSION

    assert lines[0].endswith(f"(hook API {API_VERSION})")  # what a plugin author needs to target
    assert any(line.startswith("codex-ml-offline-rl ") for line in lines)


@pytest.mark.parametrize("args", [["--help"], ["plugins", "list"], ["plugins", "list", "--json"], ["plugins", "show", "offline:gpt2"], ["--version"]])
def test_listing_and_help_never_import_heavy_libraries(args):
    probe = (
        "import sys\n"
        "from codex_ml.cli.main import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('HEAVY=' + ','.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})), file=sys.stderr)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert "HEAVY=\n" in out.stderr + "\n" and out.stderr.strip().endswith("HEAVY="), out.stderr


def test_train_without_hydra_names_the_extra(tmp_path):
    """A core-only install lists plugins fine; train explains which extra it needs."""
    blocker = tmp_path / "blocker"
    blocker.mkdir()
    (blocker / "sitecustomize.py").write_text(
        "import sys\n"
        "class _NoHydra:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('hydra', 'omegaconf'):\n"
        "            raise ModuleNotFoundError(f\"No module named '{name}'\", name=name)\n"
        "sys.meta_path.insert(0, _NoHydra())\n"
    )
    out = run("train", env_extra={"PYTHONPATH": str(blocker)})
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "pip install 'codex-ml[run]'" in out.stderr
