"""The network guard refuses non-loopback connections at once, naming the destination and the caller.

Every subprocess installs tripwires under the guard first: if the guard ever let a non-loopback call
through, the tripwire ends the process before any packet or DNS query is sent.
"""
from __future__ import annotations

import socket
import textwrap

import pytest
from codex_ml.errors import CodexMLError
from codex_ml.utils import netguard
from hardening_helpers import TRIPWIRES, run_python


def run_guarded(body: str, env: dict[str, str] | None = None):
    script = TRIPWIRES + "from codex_ml.utils.netguard import install_network_guard\n" + textwrap.dedent(body)
    return run_python(["-c", script], env=env, timeout=60)


def test_http_request_fails_immediately_naming_host_and_caller():
    result = run_guarded("""
        assert install_network_guard()
        import urllib.request
        start = time.monotonic()
        try:
            urllib.request.urlopen("https://huggingface.co/api/models/gpt2", timeout=30)
        except Exception as exc:
            print(type(exc).__name__, "|", exc, "|", round(time.monotonic() - start, 3))
    """)
    assert result.returncode == 0, result.stdout + result.stderr
    name, message, elapsed = result.stdout.strip().split(" | ")
    assert name == "NetworkBlockedError"
    assert "huggingface.co:443" in message
    assert "<string>:" in message  # the calling code, not socket.py or urllib internals
    assert "socket.py" not in message and "urllib" not in message
    assert float(elapsed) < 1.0
    assert "codex-ml: network access blocked: connection to huggingface.co:443" in result.stderr


@pytest.mark.parametrize("address", ["('192.0.2.1', 443)", "('2001:db8::1', 443, 0, 0)"])
def test_raw_socket_connect_to_an_address_is_refused(address):
    family = "AF_INET6" if "::" in address else "AF_INET"
    result = run_guarded(f"""
        install_network_guard()
        try:
            sock = socket.socket(socket.{family}, socket.SOCK_STREAM)
        except OSError:
            print("NO-FAMILY"); sys.exit(0)
        for method in (sock.connect, sock.connect_ex):
            try:
                method({address})
            except Exception as exc:
                print(type(exc).__name__, exc)
    """)
    assert result.returncode == 0, result.stdout + result.stderr
    if result.stdout.strip() == "NO-FAMILY":
        pytest.skip(f"{family} sockets are not available here")
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and all(line.startswith("NetworkBlockedError") for line in lines)
    assert ("192.0.2.1:443" if family == "AF_INET" else "[2001:db8::1]:443") in lines[0]


def test_datagrams_to_other_hosts_are_refused_and_loopback_ones_pass():
    result = run_guarded("""
        install_network_guard()
        receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        receiver.bind(("127.0.0.1", 0))
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        sender.sendto(b"hi", receiver.getsockname())
        print(receiver.recv(2).decode())
        try:
            sender.sendto(b"x", 0, ("192.0.2.1", 53))
        except Exception as exc:
            print(type(exc).__name__, exc)
    """)
    assert result.returncode == 0, result.stdout + result.stderr
    first, second = result.stdout.strip().splitlines()
    assert first == "hi"
    assert second.startswith("NetworkBlockedError") and "192.0.2.1:53 (datagram)" in second


def test_name_lookups_are_refused_before_any_dns_query():
    result = run_guarded("""
        install_network_guard()
        for call in (lambda: socket.getaddrinfo("example.org", 80), lambda: socket.gethostbyname("example.org"),
                     lambda: socket.gethostbyname_ex("example.org")):
            try:
                call()
            except Exception as exc:
                print(type(exc).__name__, exc)
    """)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("NetworkBlockedError") == 3
    assert "example.org:80 (name lookup)" in result.stdout


def test_loopback_still_works():
    result = run_guarded("""
        install_network_guard()
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        port = server.getsockname()[1]
        for host in ("127.0.0.1", "localhost"):
            client = socket.create_connection((host, port), timeout=5)
            conn, _ = server.accept()
            client.sendall(b"ping")
            print(host, conn.recv(4).decode())
            conn.close(); client.close()
    """)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["127.0.0.1", "ping", "localhost", "ping"]


def test_allow_network_variable_disables_the_guard():
    result = run_guarded("""
        print(install_network_guard(), socket.socket.connect.__name__)
    """, env={"CODEX_ML_ALLOW_NETWORK": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "connect"]  # still the tripwire, not the guard


def test_install_is_idempotent_and_uninstall_restores(monkeypatch):
    def tripwire(*args, **kwargs):
        raise AssertionError("the guard let a lookup through")

    monkeypatch.setattr(socket, "getaddrinfo", tripwire)
    original_connect = socket.socket.connect
    try:
        assert netguard.install_network_guard(force=True)
        assert netguard.install_network_guard(force=True)
        with pytest.raises(netguard.NetworkBlockedError) as info:
            socket.getaddrinfo("example.org", 443)
        assert isinstance(info.value, CodexMLError) and not isinstance(info.value, OSError)
        assert "test_netguard.py" in str(info.value)
        assert netguard.blocked_attempts()[-1] == str(info.value)
    finally:
        netguard.uninstall_network_guard()
    assert socket.getaddrinfo is tripwire and socket.socket.connect is original_connect
    assert not netguard.guard_installed()


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.9.10", True), ("::1", True), ("[::1]", True), ("localhost", True),
     ("LOCALHOST.", True), ("foo.localhost", True), ("0.0.0.0", True), (None, True), ("", True), (b"127.0.0.1", True),
     ("10.0.0.1", False), ("192.168.1.1", False), ("huggingface.co", False), ("8.8.8.8", False), ("2001:db8::1", False),
     (42, False)],
)
def test_is_loopback(host, loopback):
    assert netguard.is_loopback(host) is loopback


def test_the_tripwires_themselves_stop_an_unguarded_call():
    """Without the guard the tripwire fires first, so these tests can never send real traffic."""
    result = run_python(["-c", TRIPWIRES + "socket.socket().connect(('192.0.2.1', 443))\nprint('connected')"], timeout=30)
    assert result.returncode == 3 and "TRIPWIRE" in result.stdout and "connected" not in result.stdout
