"""`codex-ml runs list|show|compare|plot` read the run directories that real train and evaluate runs write."""
from __future__ import annotations

import json
import struct
import sys

import pytest
from pipeline_helpers import run_cli


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Two train runs that differ in one seed and one evaluate run, written by the real CLI."""
    root = tmp_path_factory.mktemp("project")
    for name, extra in [("a", []), ("b", ["rollout.max_records=2", "seed=5"])]:
        result = run_cli(["train", "-q", "-cn", "offline/tiny_fixtures", f"output_dir=runs/{name}", *extra], root)
        assert result.returncode == 0, result.stderr
    result = run_cli(["evaluate", "-q", "-cn", "offline/tiny_fixtures", "output_dir=runs/ev"], root)
    assert result.returncode == 0, result.stderr
    return root


def test_list_shows_every_run_with_status_and_scores(project):
    result = run_cli(["runs", "list"], project)
    assert result.returncode == 0, result.stderr
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert set(lines) == {"a", "b", "ev"}
    assert "train" in lines["a"] and "finished" in lines["a"] and "eval.accuracy=0.7" in lines["a"]
    assert "evaluate" in lines["ev"]
    document = json.loads(run_cli(["runs", "list", "--json"], project).stdout)
    assert [r["name"] for r in document["runs"]] == ["a", "b", "ev"]


def test_show_json_is_one_document_with_the_recorded_numbers(project):
    result = run_cli(["runs", "show", "a", "--json"], project)
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)  # the whole of stdout is the document
    summary = json.loads((project / "runs" / "a" / "summary.json").read_text())
    assert document["status"] == "finished" and document["command"] == "train"
    assert document["headline"]["eval.accuracy"] == summary["evaluation"]["scores"]["accuracy"]["value"]
    assert document["headline"]["rollout.mean_reward"] == pytest.approx(summary["rollouts"]["mean_reward"])
    assert document["components"]["model"] == "offline:tiny-sequence"
    text = run_cli(["runs", "show", str(project / "runs" / "ev")], project).stdout
    assert "command:     evaluate -cn offline/tiny_fixtures" in text and "eval.weighted_accuracy" in text


def test_compare_shows_the_config_diff_and_a_metric_table(project):
    result = run_cli(["runs", "compare", "a", "b"], project)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Config differences:" in out
    diff_lines = out.split("Config differences:")[1].split("Metrics:")[0]
    assert "rollout.max_records" in diff_lines and "null" in diff_lines and "2" in diff_lines
    assert "\nseed " in diff_lines  # the top-level seed differs (0 vs 5)
    assert "output_dir" in diff_lines
    assert "model.plugin" not in diff_lines  # identical keys are not listed
    assert "rollout.mean_reward" in out.split("Metrics:")[1]
    document = json.loads(run_cli(["runs", "compare", "a", "b", "--json"], project).stdout)
    seed = next(row for row in document["config_diff"] if row["key"] == "seed")
    assert (seed["a"], seed["b"]) == (0, 5)


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_plot_writes_a_png_of_sensible_size(project, tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "curves.png"
    result = run_cli(["runs", "plot", "a", "-o", str(target)], project)
    assert result.returncode == 0, result.stderr
    assert "rollout reward" in result.stdout and "learning rate" in result.stdout
    width, height = _png_size(target.read_bytes())
    assert 600 <= width <= 3000 and 300 <= height <= 3000, (width, height)
    assert 10_000 < target.stat().st_size < 2_000_000


def test_plot_without_matplotlib_says_what_to_install(project, tmp_path):
    blocker = ("import sys; sys.modules['matplotlib'] = None; from codex_ml.cli.main import main; "
               f"main(['runs', 'plot', 'a', '-o', {str(tmp_path / 'c.png')!r}])")
    import subprocess

    result = subprocess.run([sys.executable, "-c", blocker], cwd=project, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1
    assert "runs plot needs matplotlib" in result.stderr and "pip install 'codex-ml[plot]'" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "c.png").exists()


def test_an_unknown_run_is_named_with_the_closest(project):
    result = run_cli(["runs", "show", "ev2x"], project)
    assert result.returncode == 1 and "no run 'ev2x'" in result.stderr and "Did you mean 'ev'" in result.stderr


def test_runs_commands_import_nothing_heavy(project):
    import subprocess

    code = ("import sys; from click.testing import CliRunner; from codex_ml.cli.main import cli; "
            "r = CliRunner().invoke(cli, ['runs', 'compare', 'a', 'b']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in ('torch', 'transformers', 'hydra', 'matplotlib') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], cwd=project, capture_output=True, text=True, timeout=60, check=False)
    assert result.stdout.strip() == "[]", result.stderr
