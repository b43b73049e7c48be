"""What a run depended on: interpreter and distribution versions, the git state of the working
directory, the seeds and the SHA-256 of every artefact file it read (through the shared hash cache, so
multi-GB weights are not re-read by every run).

torch and transformers are reported only when the run actually imported them; importing them here
just to print a version would make every run pay for them.
"""
from __future__ import annotations

import os
import platform
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codex_ml.artifacts.hashcache import HashCache, sha256_file
from codex_ml.plugins.versions import installed_distributions

OPTIONAL_LIBRARIES = ("torch", "transformers", "tokenizers", "safetensors", "numpy")


def artefact_files(path: Path) -> list[Path]:
    """The files behind an artefact: the file itself, or every file below a directory (sorted)."""
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return []


@dataclass
class ArtefactRecord:
    role: str  # model, tokenizer, dataset_loader, evaluation.dataset, metrics.accuracy, ...
    component: str
    path: Path
    files: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def hashed(cls, role: str, component: str, path: Path, cache: HashCache | None = None, *,
               quiet: bool = True) -> ArtefactRecord:
        """Size and SHA-256 of each file; digests come from (and go to) ``cache``, by default the user's.
        With ``quiet=False`` a terminal shows a byte-count bar (multi-GB weights take a while the first time)."""
        from codex_ml.utils.progress import bar

        cache = cache if cache is not None else HashCache()
        paths = artefact_files(path)
        shown = bar(total=sum(f.stat().st_size for f in paths), desc=f"hash {component}", quiet=quiet, unit="B",
                    unit_scale=True)
        files = []
        for f in paths:
            files.append({"path": str(f), "bytes": f.stat().st_size, "sha256": sha256_file(f, cache)})
            shown.update(files[-1]["bytes"])
        shown.close()
        cache.save()
        return cls(role, component, path, files)

    def to_dict(self) -> dict[str, Any]:
        return {"role": self.role, "component": self.component, "path": str(self.path), "files": self.files}


def git_state(directory: Path | None = None) -> dict[str, Any] | None:
    """``{"commit", "dirty"}`` when ``directory`` (default: cwd) is inside a git work tree, else None."""
    where = str(directory or Path.cwd())
    try:
        commit = subprocess.run(["git", "-C", where, "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=False)
        if commit.returncode != 0:
            return None
        status = subprocess.run(["git", "-C", where, "status", "--porcelain", "--untracked-files=no"],
                                capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit.stdout.strip(), "dirty": bool(status.stdout.strip()) if status.returncode == 0 else None}


def library_versions() -> dict[str, str]:
    """Versions of heavy libraries, only for those this process has already imported."""
    found = {}
    for name in OPTIONAL_LIBRARIES:
        module = sys.modules.get(name)
        if module is not None:
            found[name] = str(getattr(module, "__version__", "unknown"))
    return found


def collect_seeds(config: Any, prefix: str = "") -> dict[str, Any]:
    """Every ``seed`` key in the composed config, by dotted path."""
    seeds: dict[str, Any] = {}
    if isinstance(config, dict):
        for key, value in config.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if key == "seed" and not isinstance(value, (dict, list)):
                seeds[path] = value
            else:
                seeds.update(collect_seeds(value, path))
    return seeds


def provenance(config: dict[str, Any], artefacts: Iterable[ArtefactRecord], *, command: list[str]) -> dict[str, Any]:
    return {
        "python": {"version": platform.python_version(), "implementation": platform.python_implementation(),
                   "executable": sys.executable},
        "platform": platform.platform(),
        "distributions": dict(installed_distributions()),
        "libraries": library_versions(),
        "git": git_state(),
        "seeds": collect_seeds(config),
        "artefacts": [record.to_dict() for record in artefacts],
        "command": command,
        "cwd": os.getcwd(),
    }
