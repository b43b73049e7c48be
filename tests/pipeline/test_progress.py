"""Progress bars on every loop that can run long, shown on a terminal only, never under --quiet."""
from __future__ import annotations

import fcntl
import io
import os
import pty
import struct
import subprocess
import sys
import termios

from pipeline_helpers import cli_env


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _on_a_terminal(args, cwd) -> str:
    """Run the CLI with stderr (and stdout) on a pseudo-terminal; return everything it wrote."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))  # a real width, or tqdm draws nothing
    process = subprocess.Popen([sys.executable, "-m", "codex_ml.cli", *args], cwd=cwd, env=cli_env(),
                               stdin=subprocess.DEVNULL, stdout=follower, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    process.wait(timeout=120)
    os.close(leader)
    assert process.returncode == 0, b"".join(chunks).decode(errors="replace")
    return b"".join(chunks).decode(errors="replace")


def test_terminal_shows_rollout_evaluation_and_hashing_bars(tmp_path):
    output = _on_a_terminal(["train", "-cn", "offline/tiny_fixtures"], tmp_path)
    for desc in ("rollout", "evaluate", "hash offline:tiny-sequence"):
        assert f"{desc}:" in output, output
    assert "ran: train" in output


def test_quiet_shows_no_bar_even_on_a_terminal(tmp_path):
    output = _on_a_terminal(["train", "-q", "-cn", "offline/tiny_fixtures"], tmp_path)
    assert output.strip() == ""


def test_hashing_bar_counts_bytes(tmp_path, monkeypatch):
    from codex_ml.artifacts.hashcache import HashCache
    from codex_ml.runs.provenance import ArtefactRecord

    (tmp_path / "weights.bin").write_bytes(b"x" * 4096)
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    record = ArtefactRecord.hashed("model", "offline:x", tmp_path, HashCache(tmp_path / "cache"), quiet=False)
    assert record.files[0]["bytes"] == 4096
    assert "hash offline:x" in terminal.getvalue() and "4.10k" in terminal.getvalue()
    quiet = _Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    ArtefactRecord.hashed("model", "offline:x", tmp_path, HashCache(tmp_path / "cache"), quiet=True)
    assert quiet.getvalue() == ""
