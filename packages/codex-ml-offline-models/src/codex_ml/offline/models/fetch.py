"""Pre-caching the real GPT-2 and TinyLlama on a connected host, into the seed layout.

Each family is pinned to one repository commit so every host fetches byte-identical files; only the
files the loaders use are downloaded (safetensors weights, never the pickle), and ``manifest.json``
records each file's size and SHA-256 for the air-gapped side to check.
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from codex_ml import settings
from codex_ml.artifacts.manifest import write_manifest
from codex_ml.errors import CodexMLError
from codex_ml.offline.models.synth import model_dir


@dataclass(frozen=True)
class Pin:
    repo_id: str
    revision: str
    files: tuple[str, ...]


PINS: dict[str, Pin] = {
    "gpt2": Pin("openai-community/gpt2", "607a30d783dfa663caf39e06633721c8d4cfcd7e",
                ("config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                 "vocab.json", "merges.txt")),
    "tinyllama": Pin("TinyLlama/TinyLlama-1.1B-Chat-v1.0", "fe8a4ea1ffedaf415f4da2f062534de366a451e6",
                     ("config.json", "generation_config.json", "model.safetensors", "tokenizer.model", "tokenizer.json",
                      "tokenizer_config.json", "special_tokens_map.json")),
}


#: Seconds to wait for the hub's host to answer before calling this host offline.
PROBE_TIMEOUT = 5.0
USER_OFFLINE_FLAGS = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
_HINT = ("fetch on a connected host and copy artifacts/models/{family} here, or write small stand-ins with "
         "`codex-ml catalogue synth {family}`")


def _allow_network(family: str) -> None:
    """Drop the offline flags codex-ml set (never the user's) before huggingface_hub is imported; a flag
    the user set means offline, and fetching fails at once instead of after the hub client's retries."""
    from codex_ml.utils.offline import release_offline_flags

    release_offline_flags()
    for flag in USER_OFFLINE_FLAGS:
        if settings.is_true(os.environ.get(flag)):
            raise CodexMLError(f"catalogue fetch needs the network, but {flag} is set (offline mode): unset it on "
                               f"a connected host, or {_HINT.format(family=family)}")


def _probe_target() -> tuple[str, int]:
    """The host and port a download connects to first: the HTTPS proxy when one is set, else the hub."""
    from urllib.parse import urlsplit

    proxy = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    url = urlsplit(proxy or os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    return url.hostname or "huggingface.co", url.port or (443 if url.scheme == "https" else 80)


def check_reachable(family: str, timeout: float = PROBE_TIMEOUT) -> None:
    """One TCP connection attempt, so an air-gapped host fails in seconds with one clear line."""
    import socket

    host, port = _probe_target()
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        raise CodexMLError(f"catalogue fetch: cannot reach {host}:{port} ({exc.strerror or exc}); this host looks "
                           f"offline: {_HINT.format(family=family)}") from None


def fetch(family: str, root: Path, *, revision: str | None = None) -> Path:
    """Download ``family`` at its pinned (or the given) revision to ``root/artifacts/models/<family>``."""
    if family not in PINS:
        raise CodexMLError(f"unknown model family {family!r}; expected one of {', '.join(PINS)}")
    pin = PINS[family]
    _allow_network(family)
    check_reachable(family)
    import huggingface_hub

    target = model_dir(Path(root), family)
    target.mkdir(parents=True, exist_ok=True)
    huggingface_hub.snapshot_download(repo_id=pin.repo_id, revision=revision or pin.revision, local_dir=str(target),
                                      allow_patterns=list(pin.files))
    missing = [name for name in ("config.json", "model.safetensors") if not (target / name).is_file()]
    if missing:
        raise CodexMLError(f"{target}: the download lacks {', '.join(missing)}")
    shutil.rmtree(target / ".cache", ignore_errors=True)  # huggingface_hub's bookkeeping, not artefacts
    write_manifest(target, name=family, source="hub", revision=revision or pin.revision, extra={"repo_id": pin.repo_id})
    return target
