"""Helpers for the hardening tests: fake torch installs and subprocesses with a controlled environment."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from repo_paths import FIXTURES

STUB_TORCH = FIXTURES / "stub-torch"

#: Python source run first in guarded subprocesses: if a non-loopback connect or lookup ever reached the
#: real socket functions, the process ends at once (exit 3) before any packet or DNS query leaves.
TRIPWIRES = textwrap.dedent("""
    import os, socket, sys, time
    from codex_ml.utils.netguard import is_loopback

    def _trip(what):
        print("TRIPWIRE: real network call reached for", what, flush=True)
        os._exit(3)

    _connect, _gai, _cc = socket.socket.connect, socket.getaddrinfo, socket.create_connection
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not is_loopback(address[0]):
            _trip(address)
        return _connect(self, address)
    def getaddrinfo(host, *args, **kwargs):
        if not is_loopback(host):
            _trip(host)
        return _gai(host, *args, **kwargs)
    def create_connection(address, *args, **kwargs):
        if not is_loopback(address[0]):
            _trip(address)
        return _cc(address, *args, **kwargs)
    _sendto = socket.socket.sendto
    def sendto(self, data, *args):
        if self.family in (socket.AF_INET, socket.AF_INET6) and args and not is_loopback(args[-1][0]):
            _trip(args[-1])
        return _sendto(self, data, *args)
    socket.socket.connect, socket.getaddrinfo, socket.create_connection = connect, getaddrinfo, create_connection
    socket.socket.sendto = sendto
""")


def fake_torch_site(root: Path, init_source: str | None = None, version: str = "0.0.0+stub") -> Path:
    """A folder to put on PYTHONPATH holding a ``torch`` package and its dist-info.

    Without ``init_source`` the package is the stub fixture (fixtures/stub-torch/torch).
    """
    site = root / "site"
    package = site / "torch"
    if init_source is None:
        shutil.copytree(STUB_TORCH / "torch", package)
    else:
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(init_source)
    info = site / f"torch-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: torch\nVersion: {version}\n")
    return site


def run_python(args: list[str], *, site: Path | None = None, env: dict[str, str] | None = None,
               cwd: Path | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run ``python args...`` with ``site`` first on PYTHONPATH (shadowing any installed torch)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    full_env.update(env or {})
    if site is not None:
        full_env["PYTHONPATH"] = os.pathsep.join([str(site), full_env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    full_env["PYTHONNOUSERSITE"] = "1"
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=full_env, cwd=cwd,
                          timeout=timeout, check=False)
