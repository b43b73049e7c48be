"""``codex-ml doctor`` checks for this distribution's ``[hf]`` extra, registered through the
``register_doctor_checks`` hook: the Hugging Face library versions and the hub cache."""
from __future__ import annotations

import os
from pathlib import Path

from codex_ml.doctor import OK, WARN, Finding, components_needing, installed_version, origin
from codex_ml.utils.offline import DEPRECATED_CACHE_VAR, default_hf_home
from codex_ml.utils.torch_checks import parse_version

#: Minimum versions the Hugging Face components are built for (the ``hf`` extra).
HF_MINIMUM = {"transformers": (4, 46), "tokenizers": (0, 20), "safetensors": (0, 4)}
HF_INSTALL_HINT = "pip install 'codex-ml-offline-models[hf]'"


def check_hf_versions() -> list[Finding]:
    """transformers, tokenizers and safetensors versions, read from metadata without importing them."""
    findings = []
    for distribution, minimum in HF_MINIMUM.items():
        version = installed_version(distribution)
        users = sorted({*components_needing(distribution), *components_needing("transformers")})
        wanted = ".".join(map(str, minimum))
        if version is None:
            if users:
                findings.append(Finding(WARN, distribution, f"not installed; needed by {', '.join(users)}: {HF_INSTALL_HINT}"))
            else:
                findings.append(Finding(OK, distribution, "not installed (no installed component needs it)"))
            continue
        parsed = parse_version(version)
        if parsed is not None and parsed < minimum:
            findings.append(Finding(WARN, distribution, f"{version} is older than {wanted}: pip install '{distribution}>={wanted}'"))
        else:
            findings.append(Finding(OK, distribution, version))
    return findings


def hub_cache() -> tuple[str, str]:
    """``(path, which variable decided it)`` for huggingface_hub's cache, in its own precedence order."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return os.environ[name], name
    if os.environ.get("HF_HOME"):
        return os.path.join(os.environ["HF_HOME"], "hub"), "HF_HOME"
    return str(default_hf_home() / "hub"), "default (~/.cache/huggingface)"


def check_hf_cache() -> list[Finding]:
    path, variable = hub_cache()
    set_by = f", {origin(variable)}" if variable in os.environ else ""
    exists = "" if Path(path).expanduser().is_dir() else " (does not exist yet)"
    findings = [Finding(OK, "HF cache", f"{path}{exists}, from {variable}{set_by}")]
    legacy = os.environ.get(DEPRECATED_CACHE_VAR)
    if legacy:
        if os.path.abspath(os.path.expanduser(legacy)) != os.path.abspath(os.path.expanduser(path)):
            findings.append(Finding(WARN, "HF cache", f"{DEPRECATED_CACHE_VAR}={legacy} wins for transformers but "
                                    f"huggingface_hub uses {path}: unset {DEPRECATED_CACHE_VAR} and set HF_HUB_CACHE"))
        else:
            findings.append(Finding(WARN, "HF cache", f"{DEPRECATED_CACHE_VAR} is deprecated upstream: set HF_HUB_CACHE={legacy} "
                                    f"and unset {DEPRECATED_CACHE_VAR}"))
    return findings
