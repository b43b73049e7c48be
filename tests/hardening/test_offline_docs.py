"""docs/offline.md names every variable codex-ml reads or sets, so it cannot drift from the code."""
from __future__ import annotations

import yaml
from codex_ml.artifacts.hashcache import CACHE_DIR_VAR
from codex_ml.artifacts.manifest import ALLOW_MODIFIED_VAR
from codex_ml.artifacts.spec import KIND_DIRECTORIES
from codex_ml.utils.offline import ALLOW_NETWORK_VAR, OFFLINE_FLAGS, TELEMETRY_OFF


def test_every_variable_is_documented(repo_root):
    text = (repo_root / "docs" / "offline.md").read_text()
    catalogue = yaml.safe_load((repo_root / "catalogue" / "offline.yaml").read_text())
    variables = {entry["env_var"] for entry in catalogue["entries"] if entry.get("env_var")}
    variables |= set(KIND_DIRECTORIES) | set(OFFLINE_FLAGS) | set(TELEMETRY_OFF)
    variables |= {ALLOW_NETWORK_VAR, ALLOW_MODIFIED_VAR, CACHE_DIR_VAR, "CODEX_ML_PROJECT_ROOT", "CODEX_ML_STRICT_PLUGINS",
                  "CODEX_ML_DISABLE_PLUGINS", "CODEX_ML_DEBUG", "HF_HOME", "HF_HUB_CACHE", "HF_DATASETS_CACHE",
                  "TRANSFORMERS_CACHE"}
    missing = sorted(name for name in variables if f"`{name}`" not in text)
    assert not missing, f"docs/offline.md does not mention: {', '.join(missing)}"
