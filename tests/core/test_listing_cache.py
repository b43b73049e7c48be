"""The discovery cache behind `plugins list`: used when nothing changed, invalidated when something did."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from plugin_sites import install

PROBE = (
    "import sys, json\n"
    "from codex_ml.plugins.cache import get_listing_host\n"
    "host = get_listing_host()\n"
    "names = sorted(s.name for r in host.plugins for s in r.components)\n"
    "print(json.dumps({'imported': 'codex_ml_example.plugin' in sys.modules, 'names': names}))\n"
)


@pytest.fixture
def env(tmp_path_factory):
    site = install(tmp_path_factory.mktemp("site"), "example")
    base = {k: v for k, v in os.environ.items() if not k.startswith("CODEX_ML_")}
    return site, {**base, "PYTHONPATH": str(site), "CODEX_ML_CACHE_DIR": str(tmp_path_factory.mktemp("cache"))}


def probe(env):
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_second_listing_comes_from_the_cache(env):
    _, environ = env
    first = probe(environ)
    second = probe(environ)
    assert first["imported"] is True and second["imported"] is False
    assert first["names"] == second["names"] and "example:chars" in second["names"]


def test_editing_a_plugin_invalidates_the_cache(env):
    site, environ = env
    probe(environ)
    plugin = site / "codex_ml_example" / "plugin.py"
    stamp = time.time() + 5
    os.utime(plugin, (stamp, stamp))
    assert probe(environ)["imported"] is True


def test_disable_list_is_part_of_the_key(env):
    _, environ = env
    probe(environ)
    disabled = probe({**environ, "CODEX_ML_DISABLE_PLUGINS": "codex-ml-example"})
    assert "example:chars" not in disabled["names"]


def test_cache_can_be_turned_off(env):
    _, environ = env
    probe(environ)
    assert probe({**environ, "CODEX_ML_PLUGIN_CACHE": "0"})["imported"] is True


def test_refresh_flag_bypasses_the_cache(env):
    _, environ = env
    probe(environ)
    code = "import sys\nfrom codex_ml.cli.main import main\ntry:\n    main(['plugins', 'list', '--refresh'])\nexcept SystemExit:\n    pass\nprint('IMPORTED', 'codex_ml_example.plugin' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=False)
    assert "IMPORTED True" in out.stdout


def test_installing_a_distribution_invalidates_the_cache(env):
    site, environ = env
    probe(environ)
    install(site, "conflict")
    after = probe(environ)
    assert after["imported"] is True and after["names"].count("example:chars") == 2


def test_the_working_directory_churning_does_not_defeat_the_cache(env, tmp_path):
    _, environ = env
    code = PROBE.replace("import sys, json", "import sys, json\nsys.path.insert(0, sys.argv[1])")
    busy = tmp_path / "busy"
    busy.mkdir()

    def probe_in_busy_dir():
        out = subprocess.run([sys.executable, "-c", code, str(busy)], env=environ, capture_output=True, text=True, check=True)
        return json.loads(out.stdout)

    probe_in_busy_dir()
    (busy / "scratch.txt").write_text("new file, new mtime")
    assert probe_in_busy_dir()["imported"] is False


def test_an_environment_under_the_temporary_directory_is_cached_in_the_user_cache(tmp_path, monkeypatch):
    """The cache used to be skipped for interpreters under /tmp (where CI and throw-away venvs live)."""
    import sys
    import tempfile

    from codex_ml.plugins import cache

    monkeypatch.delenv("CODEX_ML_CACHE_DIR", raising=False)
    monkeypatch.delenv("CODEX_ML_PLUGIN_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    monkeypatch.setattr(sys, "prefix", str(Path(tempfile.gettempdir()) / "some-venv"))
    key = cache.environment_key([])
    cache.store(key, [], [])
    written = tmp_path / "user-cache" / "codex-ml" / "plugins" / f"{key}.json"
    assert written.is_file()
    assert cache.load(key) is not None
    monkeypatch.setattr(sys, "prefix", str(Path(tempfile.gettempdir()) / "another-venv"))
    assert cache.load(cache.environment_key([])) is None  # keyed by the environment


def test_old_entries_are_pruned(tmp_path, monkeypatch):
    from codex_ml.plugins import cache

    monkeypatch.setenv("CODEX_ML_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("CODEX_ML_PLUGIN_CACHE", raising=False)
    folder = tmp_path / "plugins"
    folder.mkdir()
    for index in range(cache.MAX_ENTRIES + 5):
        (folder / f"old{index}.json").write_text("{}")
    key = cache.environment_key([])
    cache.store(key, [], [])
    remaining = list(folder.glob("*.json"))
    assert len(remaining) == cache.MAX_ENTRIES and folder / f"{key}.json" in remaining
